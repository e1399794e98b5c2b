"""Login throttling in the auth service (Redis): per account and per client address, 429 with
Retry-After; account lockout lifted by an admin; audit of failures; password policy."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.auth_support import add_member, auth_env, fresh_source, login, strong_password

pytestmark = pytest.mark.e2e


def _settings(platform):
    from auth.config import Settings

    return Settings(**{k.lower(): v for k, v in auth_env(platform).items() if k.lower() in Settings.model_fields})


def test_account_lockout_and_admin_unlock(platform, gateway, admin):
    config = _settings(platform)
    slug = platform.demo["tenant_slug"]
    member = add_member(admin, gateway, slug, ["staff"], label="lockme")
    source = fresh_source()
    for _ in range(config.login_account_max_failures):
        assert login(gateway, slug, member.email, "wrong-password-1", source).status_code == 401
    # Locked: even the right password is refused, with a Retry-After close to the lockout delay.
    locked = login(gateway, slug, member.email, member.password, fresh_source())
    assert locked.status_code == 429, locked.text
    assert 0 < int(locked.headers["retry-after"]) <= config.login_lockout_seconds
    shown = admin.get(f"/api/auth/v1/users/{member.user_id}").json()
    assert shown["locked_for_seconds"] > 0
    assert admin.post(f"/api/auth/v1/users/{member.user_id}/unlock").status_code == 204
    assert login(gateway, slug, member.email, member.password, source).status_code == 200
    # The audit trail has the failures, the lock and the unlock; never the password.
    entries = admin.get("/api/auth/v1/audit", params={"subject_id": member.user_id}).json()["entries"]
    actions = [e["action"] for e in entries]
    assert actions.count("login.failed") == config.login_account_max_failures
    assert {"login.locked", "user.unlocked", "login.succeeded"} <= set(actions)
    assert member.password not in str(entries) and "wrong-password-1" not in str(entries)


def test_unknown_accounts_are_throttled_like_known_ones(platform, gateway):
    """No answer tells whether an account exists: an unknown e-mail locks the same way."""
    config = _settings(platform)
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    statuses = [login(gateway, platform.demo["tenant_slug"], email, "whatever-123", fresh_source()).status_code
                for _ in range(config.login_account_max_failures + 1)]
    assert statuses == [401] * config.login_account_max_failures + [429]


def test_per_address_throttle(platform, gateway):
    config = _settings(platform)
    source = fresh_source()
    slug = platform.demo["tenant_slug"]
    # Many accounts, one address: each account stays under its own limit, the address does not.
    for i in range(config.login_address_max_failures):
        response = login(gateway, slug, f"spray-{i}-{uuid.uuid4().hex[:6]}@example.com", "Spray-Attempt-1", source)
        assert response.status_code == 401, (i, response.text)
    blocked = login(gateway, slug, platform.demo["admin_email"], platform.admin_password, source)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # Another address is unaffected.
    assert login(gateway, slug, platform.demo["admin_email"], platform.admin_password, fresh_source()).status_code == 200


@pytest.mark.parametrize("password, reason", [
    ("short1!", "at least"),
    ("password123!", "too common"),
    ("Qwertyuiop", "too common"),
    ("aaaaaaaaaaaa", "repetitive"),
    ("1234567890", "too common"),
])
def test_password_policy_names_the_field_and_writes_nothing(admin, password, reason):
    email = f"weak-{uuid.uuid4().hex[:8]}@example.com"
    response = admin.post("/api/auth/v1/users", json={"email": email, "password": password, "roles": ["staff"]})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "password"
    assert reason in response.json()["message"]
    assert email not in admin.get("/api/auth/v1/users").text


def test_password_equal_to_email_is_refused(admin):
    email = f"sameaspassword{uuid.uuid4().hex[:6]}@example.com"
    response = admin.post("/api/auth/v1/users", json={"email": email, "password": email, "roles": ["staff"]})
    assert response.status_code == 422 and response.json()["field"] == "password"


def test_login_failure_is_indistinguishable(platform, gateway, admin):
    slug = platform.demo["tenant_slug"]
    member = add_member(admin, gateway, slug, ["kitchen"], label="indist")
    wrong_password = login(gateway, slug, member.email, strong_password(), fresh_source())
    unknown_user = login(gateway, slug, f"x{member.email}", strong_password(), fresh_source())
    unknown_tenant = login(gateway, "no-such-tenant", member.email, strong_password(), fresh_source())
    assert wrong_password.status_code == unknown_user.status_code == unknown_tenant.status_code == 401
    assert wrong_password.json() == unknown_user.json() == unknown_tenant.json()


def _at_once(count: int, attempt) -> list:
    """attempt(i) for every i, all released at the same moment (threads, one client each)."""
    start = threading.Barrier(count)

    def one(i: int):
        start.wait()
        return attempt(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_concurrent_wrong_passwords_are_evaluated_at_most_the_limit(platform, gateway, admin):
    """20 wrong passwords at once: the throttle reserves an attempt before the password is checked,
    so at most the limit are evaluated (401) and the rest are refused (429 + Retry-After). One client
    address, far below the gateway's own per-address login rate (LOGIN_RATE_PER_MINUTE, 60)."""
    config = _settings(platform)
    slug = platform.demo["tenant_slug"]
    member = add_member(admin, gateway, slug, ["staff"], label="race")
    source = fresh_source()
    responses = _at_once(20, lambda i: login(gateway, slug, member.email, f"wrong-password-{i}", source))
    statuses = sorted(r.status_code for r in responses)
    evaluated = statuses.count(401)
    assert 1 <= evaluated <= config.login_account_max_failures, statuses
    assert statuses.count(429) == 20 - evaluated, statuses
    for refused in (r for r in responses if r.status_code == 429):  # the auth service's answer, not Envoy's
        assert int(refused.headers["retry-after"]) > 0 and "message" in refused.json()
    failures = admin.get("/api/auth/v1/audit", params={"subject_id": member.user_id, "action": "login.failed"})
    assert len(failures.json()["entries"]) == evaluated
    assert login(gateway, slug, member.email, member.password, fresh_source()).status_code == 429  # locked


def test_wrong_current_passwords_on_change_password_lock_the_account(platform, gateway, admin):
    """A stolen access token cannot guess the password through POST /me/password: its failures count
    against the same account throttle as logins, and lock it the same way."""
    config = _settings(platform)
    slug = platform.demo["tenant_slug"]
    member = add_member(admin, gateway, slug, ["staff"], label="chpw")
    new_password = strong_password()
    with member.http(gateway) as http:
        for i in range(config.login_account_max_failures):
            wrong = http.post("/api/auth/v1/me/password", json={"current_password": f"guess-{i}-password",
                                                                 "new_password": new_password})
            assert wrong.status_code == 422 and wrong.json()["field"] == "current_password", wrong.text
        # Locked: even the right current password is refused now, unchecked, and login too.
        locked = http.post("/api/auth/v1/me/password", json={"current_password": member.password,
                                                              "new_password": new_password})
        assert locked.status_code == 429, locked.text
        assert int(locked.headers["retry-after"]) > 0
    assert login(gateway, slug, member.email, member.password, fresh_source()).status_code == 429
    actions = [e["action"] for e in admin.get("/api/auth/v1/audit", params={"subject_id": member.user_id}
                                              ).json()["entries"]]
    assert actions.count("password_change.failed") == config.login_account_max_failures
    assert "login.locked" in actions
    # An admin lifts the lock; the change then goes through.
    assert admin.post(f"/api/auth/v1/users/{member.user_id}/unlock").status_code == 204
    with member.http(gateway) as http:
        assert http.post("/api/auth/v1/me/password", json={"current_password": member.password,
                                                           "new_password": new_password}).status_code == 204
    assert login(gateway, slug, member.email, new_password, fresh_source()).status_code == 200


def test_concurrent_wrong_current_passwords_are_evaluated_at_most_the_limit(platform, gateway, admin):
    config = _settings(platform)
    member = add_member(admin, gateway, platform.demo["tenant_slug"], ["staff"], label="chpwrace")

    def guess(i: int) -> int:
        with member.http(gateway) as http:
            return http.post("/api/auth/v1/me/password", json={"current_password": f"guess-{i}-password",
                                                                "new_password": strong_password()}).status_code

    statuses = _at_once(20, guess)
    assert 1 <= statuses.count(422) <= config.login_account_max_failures, statuses
    assert statuses.count(429) == 20 - statuses.count(422), statuses
