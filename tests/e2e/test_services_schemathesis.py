"""schemathesis against payroll, tax and pos-bridge through the gateway (issue 13, "Fuzzing"; auth and
orders have their own files): whatever it generates, never a 5xx, and a 422 names the field."""
from __future__ import annotations

import pytest

from tests.e2e.fuzz_support import server_errors

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("service", ["payroll", "tax", "pos-bridge"])
def test_no_server_errors(platform, gateway, service):
    operations, failures = server_errors(platform, gateway, service, examples=25)
    assert operations >= 3
    assert not failures, "\n".join(failures[:10])
