"""The Redis login throttle on a real Redis (its check-and-count is a Lua script): reservations,
failures, locks, the address limit, success and unlock."""
from __future__ import annotations

import time

import pytest
from auth.adapters.throttle import LoginThrottle, ThrottlePolicy, account_key

pytestmark = pytest.mark.integration

POLICY = ThrottlePolicy(window_seconds=900, account_max_failures=3, address_max_failures=5, lockout_seconds=600)


def fail(throttle: LoginThrottle, account: str, address: str) -> int | None:
    """One attempt that gets its slot and fails; what record_failure says."""
    assert throttle.reserve(account, address) is None
    return throttle.record_failure(account, address)


def test_account_locks_at_the_limit_and_unlocks_after_the_delay(redis):
    throttle = LoginThrottle(redis, ThrottlePolicy(900, 3, 50, lockout_seconds=1))
    account = account_key("demo", "a@b.c")
    assert fail(throttle, account, "10.0.0.1") is None
    assert fail(throttle, account, "10.0.0.2") is None
    assert fail(throttle, account, "10.0.0.3") == 1
    assert throttle.reserve(account, "10.0.0.9") == 1  # locked, whatever the address
    assert throttle.locked_for(account) == 1
    time.sleep(1.2)
    assert throttle.reserve(account, "10.0.0.9") is None


def test_reservations_in_flight_count_before_any_failure_is_recorded(redis):
    throttle = LoginThrottle(redis, POLICY)
    account = account_key("demo", "a@b.c")
    assert [throttle.reserve(account, f"10.0.0.{i}") for i in range(3)] == [None, None, None]
    refused = throttle.reserve(account, "10.0.0.4")  # three attempts are being checked: no room
    assert refused is not None and 0 < refused <= POLICY.window_seconds
    # The first failure to come back finds the counter at the limit and locks; the others add nothing.
    assert throttle.record_failure(account, "10.0.0.0") == 600
    assert throttle.record_failure(account, "10.0.0.1") is None
    assert throttle.reserve(account, "10.0.0.5") == 600


def test_success_forgets_the_accounts_failures_and_returns_the_address_slot(redis):
    throttle = LoginThrottle(redis, POLICY)
    account = account_key("demo", "a@b.c")
    fail(throttle, account, "10.0.0.1")
    fail(throttle, account, "10.0.0.1")
    assert throttle.reserve(account, "10.0.0.1") is None
    throttle.record_success(account, "10.0.0.1")
    assert int(redis.get("auth:login:fail:addr:10.0.0.1")) == 2  # only the two failures
    assert fail(throttle, account, "10.0.0.2") is None  # the earlier failures no longer count
    assert fail(throttle, account, "10.0.0.2") is None


def test_admin_unlock_clears_lock_and_count(redis):
    throttle = LoginThrottle(redis, POLICY)
    account = account_key("demo", "a@b.c")
    for address in ("1", "2", "3"):
        fail(throttle, account, address)
    assert throttle.locked_for(account) > 0
    assert throttle.unlock(account)
    assert throttle.locked_for(account) == 0
    assert throttle.reserve(account, "4") is None


def test_address_limit_spans_accounts(redis):
    throttle = LoginThrottle(redis, POLICY)
    for i in range(5):
        fail(throttle, account_key("demo", f"user{i}@x.y"), "10.9.9.9")
    someone = account_key("demo", "someone@x.y")
    assert 0 < throttle.reserve(someone, "10.9.9.9") <= 900
    assert throttle.reserve(someone, "10.9.9.8") is None
    assert redis.get(f"auth:login:fail:acct:{someone}") == b"1"  # a refused attempt took no slot
