"""POST /me/password on fakes (in-memory unit of work, throttle and key ring): a wrong current password
counts against the account throttle like a failed login, and locks the account the same way, so a
stolen access token cannot be used to guess the password."""
from __future__ import annotations

import base64

import pytest
from auth.bootstrap import bootstrap
from auth.config import Settings
from auth.domain.errors import TooManyAttempts
from auth.entrypoints.http_api import build_app
from auth.service_layer import tenants, users
from auth.service_layer.audit import Actor
from auth.service_layer.tenants import LocationInput, NewTenant
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from fastapi.testclient import TestClient

from services.auth.tests.unit.fakes import Clock, FakeAuthUnitOfWork, FakeKeyRing, FakeThrottle

pytestmark = pytest.mark.unit

PASSWORD = "correct horse battery"
NEW_PASSWORD = "ladle-and-whisk-at-noon"
MAX_FAILURES = 3


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()


@pytest.fixture
def throttle() -> FakeThrottle:
    return FakeThrottle(max_failures=MAX_FAILURES)


@pytest.fixture
def container(uow, throttle):
    config = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", db_schema="auth",
                      redis_url="redis://127.0.0.1:1/0",
                      auth_key_encryption_key=base64.b64encode(b"k" * 32).decode())
    return bootstrap(config, uow=uow.factory(), clock=Clock(), throttle=throttle, keyring=FakeKeyRing())


@pytest.fixture
def owner(uow, container) -> dict:
    return tenants.create_tenant(uow.factory(), Actor("operator:test"), NewTenant(
        "bistro", "Bistro Group", LocationInput("Main", "America/New_York", "PA"), "owner@bistro.example",
        PASSWORD), clock=container.clock)


@pytest.fixture
def http(container, owner) -> TestClient:
    client = TestClient(build_app(container.config, container), raise_server_exceptions=False)
    identity = Identity(subject=owner["admin_user_id"], tenant_id=owner["tenant_id"], roles=("admin",),
                        permissions=role_permissions("admin"))
    client.headers["authorization"] = bearer_for_tests(identity, "auth")
    return client


def change(http: TestClient, current: str):
    return http.post("/api/auth/v1/me/password", json={"current_password": current, "new_password": NEW_PASSWORD})


def test_wrong_current_passwords_lock_the_account_like_failed_logins(http, uow, container):
    for i in range(MAX_FAILURES):
        wrong = change(http, f"guess-{i}-password")
        assert wrong.status_code == 422 and wrong.json()["field"] == "current_password", wrong.text
    locked = change(http, PASSWORD)  # even the right password: the account is locked
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["retry-after"]) > 0
    with pytest.raises(TooManyAttempts):
        container.sessions.login("bistro", "owner@bistro.example", PASSWORD, "10.0.0.9")
    actions = uow.audit.actions()
    assert actions.count("password_change.failed") == MAX_FAILURES
    assert "login.locked" in actions and "user.password_changed" not in actions


def test_a_right_current_password_resets_the_count(http, uow, throttle, owner):
    for i in range(MAX_FAILURES - 1):
        assert change(http, f"guess-{i}-password").status_code == 422
    assert change(http, PASSWORD).status_code == 204
    assert throttle.failures == {} and not throttle.locked
    assert "user.password_changed" in uow.audit.actions()


def test_an_unlocked_account_may_change_its_password_again(http, uow, throttle, owner, container):
    for i in range(MAX_FAILURES):
        change(http, f"guess-{i}-password")
    admin = Identity(subject=owner["admin_user_id"], tenant_id=owner["tenant_id"], roles=("admin",),
                     permissions=role_permissions("admin"))
    users.unlock(uow.factory(), throttle, admin, Actor(admin.subject), owner["admin_user_id"], clock=container.clock)
    assert change(http, PASSWORD).status_code == 204
