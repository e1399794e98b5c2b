"""Signing-key rotation under a running load through Envoy: zero failed requests.

The load keeps using a token signed by the old key and keeps refreshing to get tokens signed by
whatever key is active, while `rotate_keys` publishes the next key, waits out Envoy's JWKS cache
and switches. Every request must succeed, and both keys must have been seen.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter

import jwt
import pytest

from tests.e2e.auth_support import client, login, run_auth_command

pytestmark = pytest.mark.e2e

MAX_SECONDS = 240  # the load loop stops by itself, whatever happens


def _jwks_cache_seconds(platform) -> int:
    return int(re.search(r"cache_duration: (\d+)s", (platform.layout.state_dir / "envoy.yaml").read_text()).group(1))


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_key_rotation_with_zero_failed_requests(platform, gateway):
    demo = platform.demo
    signed = login(gateway, demo["tenant_slug"], demo["admin_email"], platform.admin_password).json()
    old_token, refresh_token = signed["access_token"], signed["refresh_token"]
    old_kid = _kid(old_token)
    statuses: Counter = Counter()
    failures: list[str] = []
    kids_used: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        nonlocal refresh_token
        deadline = time.monotonic() + MAX_SECONDS
        current = old_token
        with client(gateway) as http:
            i = 0
            while not stop.is_set() and time.monotonic() < deadline:
                i += 1
                if i % 5 == 0:  # a fresh token, signed by the key active right now
                    response = http.post("/api/auth/v1/refresh", json={"refresh_token": refresh_token})
                    statuses[response.status_code] += 1
                    if response.status_code != 200:
                        failures.append(f"refresh {response.status_code} {response.text[:200]}")
                        continue
                    refresh_token, current = response.json()["refresh_token"], response.json()["access_token"]
                for token in (current, old_token):
                    kids_used.add(_kid(token))
                    response = http.get("/api/auth/v1/me", headers={"Authorization": f"Bearer {token}"})
                    statuses[response.status_code] += 1
                    if response.status_code != 200:
                        failures.append(f"me {response.status_code} kid={_kid(token)} {response.text[:200]}")
                time.sleep(0.05)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    try:
        cache = _jwks_cache_seconds(platform)
        time.sleep(1)
        result = json.loads(run_auth_command(platform, "rotate_keys", "--publish-delay", str(cache + 3),
                                             timeout=cache + 120).stdout.strip().splitlines()[-1])
        new_kid = result["active"]
        assert result["previous"] == old_kid and new_kid != old_kid
        # Keep going until tokens of the new key have been used for a while.
        time.sleep(min(cache, 10) + 2)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not failures, failures[:5]
    assert statuses[200] > 50, statuses
    assert {old_kid, new_kid} <= kids_used, kids_used
    with client(gateway) as http:
        published = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
    assert {old_kid, new_kid} <= published  # the old key stays until its tokens have expired
    fresh = login(gateway, demo["tenant_slug"], demo["admin_email"], platform.admin_password).json()
    assert _kid(fresh["access_token"]) == new_kid
