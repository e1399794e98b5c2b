"""Login (and refresh) are rate limited at the gateway, per client address."""
from __future__ import annotations

import re

import pytest

from tests.e2e.auth_support import client, fresh_source

pytestmark = pytest.mark.e2e


def _per_minute(platform, name: str) -> int:
    config = (platform.layout.state_dir / "envoy.yaml").read_text()
    block = config[config.index(f"stat_prefix: {name}_rate_limit"):]
    return int(re.search(r"entries: \[\{key: remote_address\}\]\s+token_bucket: \{max_tokens: (\d+)", block).group(1))


@pytest.mark.parametrize("route", ["login", "refresh"])
def test_gateway_limits_one_address_and_not_the_others(platform, gateway, route):
    limit = _per_minute(platform, route)
    attacker, bystander = fresh_source(), fresh_source()
    # An empty body is refused by the service (422) without touching any account: only the gateway counts.
    # The bucket refills continuously (limit per minute), so a few more than `limit` may pass.
    with client(gateway, source=attacker) as http:
        passed, limited = 0, None
        for _ in range(limit * 2):
            response = http.post(f"/api/auth/v1/{route}", json={})
            if response.status_code == 429:
                limited = response
                break
            assert response.status_code == 422, response.text
            passed += 1
    assert limited is not None, f"no 429 after {passed} requests"
    assert limit <= passed <= limit * 1.2, passed
    assert limited.headers["retry-after"] == "60"
    with client(gateway, source=bystander) as http:
        assert http.post(f"/api/auth/v1/{route}", json={}).status_code == 422
