"""schemathesis through the gateway, the same way for every service: whatever it generates (valid or
not), the answer is never a 5xx, and a 422 names the offending field.

Runs as the admin of a throwaway tenant (fuzzing creates, renames and deletes things) and from its own
loopback address (so its failed logins and rate-limited calls throttle nobody else)."""
from __future__ import annotations

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from requests.adapters import HTTPAdapter

from tests.e2e.auth_support import client, create_tenant, fresh_source, login


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


def server_errors(platform, gateway: str, service: str, examples: int) -> tuple[int, list[str]]:
    """(operations fuzzed, failures) for `service`'s whole OpenAPI document."""
    tenant = create_tenant(platform)
    token = login(gateway, tenant.slug, tenant.email, tenant.password).json()["access_token"]
    with client(gateway, token) as http:
        spec = http.get(f"/api/{service}/v1/openapi.json").json()
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
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            response = case.call(base_url=gateway, session=session, headers=headers, timeout=20)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]}\n  reproduce: {case.as_curl_command()}")
            elif response.status_code == 422 and "field" not in response.text and "fields" not in response.text:
                failures.append(f"{case.method} {case.formatted_path} -> 422 without a field: {response.text[:200]}")

        run()
    return operations, failures
