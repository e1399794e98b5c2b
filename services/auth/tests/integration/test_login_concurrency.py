"""Concurrent wrong passwords against the real Redis throttle, through the login use case: the limit
holds however many attempts arrive at once (the check and the count are one atomic step), per
account and per client address. Password verification is slowed down so that every attempt is in
flight at the same time."""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from auth.adapters.throttle import LoginThrottle, ThrottlePolicy
from auth.domain.errors import TooManyAttempts
from auth.service_layer import key_rotation, tenants
from auth.service_layer import sessions as sessions_module
from auth.service_layer.audit import Actor
from auth.service_layer.refresh import RefreshSettings
from auth.service_layer.sessions import Sessions
from auth.service_layer.tokens import TokenSettings
from chassis.errors import Unauthenticated

from services.auth.tests.unit.fakes import FakeKeyRing

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
ATTEMPTS = 20
POLICY = ThrottlePolicy(window_seconds=900, account_max_failures=5, address_max_failures=5, lockout_seconds=900)


@pytest.fixture
def tenant(uow) -> dict:
    slug = f"c{uuid.uuid4().hex[:10]}"
    key_rotation.ensure_active_key(uow, FakeKeyRing())
    return tenants.create_tenant(uow, Actor("operator:test"), tenants.NewTenant(
        slug, "Concurrency", tenants.LocationInput("Main", "America/New_York", "PA"), f"owner@{slug}.example",
        PASSWORD))


@pytest.fixture
def verified(monkeypatch) -> list[str]:
    """Counts password verifications (each one slowed down so the attempts overlap)."""
    calls: list[str] = []
    real = sessions_module.verify_password

    def slow_verify(password_hash, password):
        calls.append(password)
        time.sleep(0.3)
        return real(password_hash, password)

    monkeypatch.setattr(sessions_module, "verify_password", slow_verify)
    return calls


def _sessions(uow, redis) -> Sessions:
    return Sessions(uow, FakeKeyRing(), LoginThrottle(redis, POLICY), TokenSettings("iss", "aud", 900),
                    RefreshSettings(3600, 7200))


def _all_at_once(attempt) -> list[str]:
    """Runs attempt(i) for every i at the same moment; the outcome of each: 401, 429 or 200."""
    start = threading.Barrier(ATTEMPTS)

    def one(i: int) -> str:
        start.wait()
        try:
            attempt(i)
            return "200"
        except Unauthenticated:
            return "401"
        except TooManyAttempts as error:
            assert error.retry_after > 0
            return "429"

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        return list(pool.map(one, range(ATTEMPTS)))


def test_concurrent_wrong_passwords_for_one_account_evaluate_at_most_the_limit(uow, redis, tenant, verified):
    login = _sessions(uow, redis).login
    outcomes = _all_at_once(lambda i: login(tenant["tenant_slug"], tenant["admin_email"], f"wrong-{i}-password",
                                            f"10.1.0.{i}"))
    assert outcomes.count("401") <= POLICY.account_max_failures, outcomes
    assert outcomes.count("401") + outcomes.count("429") == ATTEMPTS, outcomes
    assert len(verified) <= POLICY.account_max_failures, f"{len(verified)} passwords were checked"
    # The account is locked now: even the right password is refused without being checked.
    checked = len(verified)
    with pytest.raises(TooManyAttempts):
        login(tenant["tenant_slug"], tenant["admin_email"], PASSWORD, "10.1.1.1")
    assert len(verified) == checked


def test_concurrent_wrong_passwords_from_one_address_evaluate_at_most_the_limit(uow, redis, tenant, verified):
    login = _sessions(uow, redis).login
    outcomes = _all_at_once(lambda i: login(tenant["tenant_slug"], f"spray-{i}@example.com", "wrong-password",
                                            "10.2.0.1"))
    assert outcomes.count("401") <= POLICY.address_max_failures, outcomes
    assert len(verified) <= POLICY.address_max_failures, f"{len(verified)} passwords were checked"
    # Another address is not affected.
    assert login(tenant["tenant_slug"], tenant["admin_email"], PASSWORD, "10.2.0.2").user_id
