"""schemathesis against the auth service's OpenAPI document, through the gateway (see fuzz_support)."""
from __future__ import annotations

import pytest

from tests.e2e.fuzz_support import server_errors

pytestmark = pytest.mark.e2e


def test_no_server_errors(platform, gateway):
    operations, failures = server_errors(platform, gateway, "auth", examples=40)
    assert operations >= 20
    assert not failures, "\n".join(failures[:10])
