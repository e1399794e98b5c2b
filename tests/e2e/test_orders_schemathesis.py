"""schemathesis against the orders service's OpenAPI document, through the gateway (issue 8, "Bad
input"): whatever it generates (valid or not), the answer is never a 5xx, and a 422 names the field.

Runs as the admin of a throwaway tenant (the fuzzing opens, moves and cancels checks) and from its
own loopback address (so its requests count against nobody else's limits).
"""
from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.auth_support import client, create_tenant, fresh_source, login
from tests.e2e.test_auth_schemathesis import SourceAddressAdapter

pytestmark = pytest.mark.e2e
EXAMPLES = 40


def test_no_server_errors(platform, gateway):
    tenant = create_tenant(platform)
    token = login(gateway, tenant.slug, tenant.email, tenant.password).json()["access_token"]
    with client(gateway, token) as http:
        spec = http.get("/api/orders/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(fresh_source()))
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            response = case.call(base_url=gateway, session=session, headers=headers, timeout=20)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]}\n  reproduce: {case.as_curl_command()}")
            elif response.status_code == 422 and "field" not in response.text and "fields" not in response.text:
                failures.append(f"{case.method} {case.formatted_path} -> 422 without a field: {response.text[:200]}")

        run()
    assert operations >= 9
    assert not failures, "\n".join(failures[:10])
