"""The repo runs pytest with --import-mode=importlib (test directories are not on sys.path), and other
services' tests keep a fakes.py too: load ours under a name of its own, `pos_bridge_fakes`."""
import importlib.util
import sys
from pathlib import Path

import pytest
from posfakes.clover.server import FakeClover
from posfakes.square.server import FakeSquare
from posfakes.toast.server import FakeToast

if "pos_bridge_fakes" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("pos_bridge_fakes", Path(__file__).with_name("fakes.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["pos_bridge_fakes"] = _module
    _spec.loader.exec_module(_module)


# The contract-faithful fake POS servers, each a real HTTP server on a free port for one test.
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
