"""schemathesis against the orders service's OpenAPI document, through the gateway (issue 8, "Bad
input"; see fuzz_support): checks are opened, moved and cancelled at random, never a 5xx."""
from __future__ import annotations

import pytest

from tests.e2e.fuzz_support import server_errors

pytestmark = pytest.mark.e2e


def test_no_server_errors(platform, gateway):
    operations, failures = server_errors(platform, gateway, "orders", examples=40)
    assert operations >= 9
    assert not failures, "\n".join(failures[:10])
