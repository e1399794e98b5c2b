"""pytest fixtures (loaded by the root conftest.py for every test directory): `square`, `clover` and
`toast`, a contract-faithful fake POS each, a real HTTP server on a free port for one test."""
from __future__ import annotations

import pytest

from posfakes.clover.server import FakeClover
from posfakes.square.server import FakeSquare
from posfakes.toast.server import FakeToast


@pytest.fixture
def square():
    with FakeSquare() as fake:
        yield fake


@pytest.fixture
def clover():
    with FakeClover() as fake:
        yield fake


@pytest.fixture
def toast():
    with FakeToast() as fake:
        yield fake
