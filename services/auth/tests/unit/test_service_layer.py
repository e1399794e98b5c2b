"""Use cases against in-memory fakes (fakes.py): what a change commits, stages and audits, and that
a refused change commits nothing."""
from __future__ import annotations

import base64

import pytest
from auraconnect.auth.v1 import events_pb2
from auth.bootstrap import bootstrap
from auth.config import Settings
from auth.domain.errors import TooManyAttempts
from auth.service_layer import key_rotation, tenants, users
from auth.service_layer.audit import Actor
from auth.service_layer.tenants import LocationInput, NewTenant
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from chassis.identity import Identity
from chassis.rbac import role_permissions

from services.auth.tests.unit.fakes import NOW, Clock, FakeAuthUnitOfWork, FakeKeyRing, FakeThrottle

pytestmark = pytest.mark.unit

ADMIN_PASSWORD = "correct horse battery"
OPERATOR = Actor("operator:test")


def settings() -> Settings:
    return Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", db_schema="auth",
                    auth_key_encryption_key=base64.b64encode(b"k" * 32).decode())


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def demo(uow, clock) -> dict:
    """A tenant with one location and its admin, created as an operator does; events reset after."""
    created = tenants.create_tenant(uow.factory(), OPERATOR, NewTenant(
        "bistro", "Bistro Group", LocationInput("Main", "America/New_York", "PA"), "owner@bistro.example",
        ADMIN_PASSWORD), clock=clock)
    uow.events.clear()
    uow.commits = 0
    return created


def person(demo: dict, role: str, subject: str | None = None) -> Identity:
    return Identity(subject=subject or demo["admin_user_id"], tenant_id=demo["tenant_id"], roles=(role,),
                    permissions=role_permissions(role))


GOOD_PASSWORD = "kitchen-at-dawn-42"


def new_user(email: str, roles: list[str], password: str = GOOD_PASSWORD) -> users.NewUser:
    return users.NewUser(email, "Someone", password, roles, [])


def test_creating_a_tenant_stages_the_admin_and_the_audit_in_one_commit(uow, clock):
    created = tenants.create_tenant(uow.factory(), OPERATOR, NewTenant(
        "grill", "Grill", LocationInput("Main", "America/Chicago", "il"), "Boss@Grill.example", ADMIN_PASSWORD),
        clock=clock)
    assert uow.commits == 1
    assert created["admin_email"] == "boss@grill.example"
    [event] = uow.events_of(events_pb2.UserCreated)
    assert event.user_id == created["admin_user_id"] and list(event.roles) == ["admin"]
    assert uow.audit.actions() == ["tenant.created", "user.created"]
    assert uow.locations.rows[uuid_of(created["location_id"])].state == "IL"


def uuid_of(value: str):
    import uuid

    return uuid.UUID(value)


def test_creating_a_user_stages_the_event_and_the_audit_row(uow, clock, demo):
    admin = person(demo, "admin")
    shown = users.create_user(uow.factory(), admin, Actor(admin.subject, "203.0.113.7"),
                              new_user("Cook@Bistro.example", ["kitchen"]), clock=clock)
    assert shown["email"] == "cook@bistro.example" and shown["roles"] == ["kitchen"]
    assert uow.commits == 1
    [created] = uow.events_of(events_pb2.UserCreated)
    assert (created.user_id, created.actor_id, created.created_at.ToDatetime().isoformat()) == (
        shown["user_id"], admin.subject, NOW.replace(tzinfo=None).isoformat())
    [audited] = uow.events_of(events_pb2.AuditRecorded)
    assert (audited.action, audited.subject_id, audited.client_address) == (
        "user.created", shown["user_id"], "203.0.113.7")
    row = uow.audit.rows[-1]
    assert (row.action, row.tenant_id, row.occurred_at) == ("user.created", uuid_of(demo["tenant_id"]), NOW)
    assert [e.topic for e in uow.events] == ["auth.user.v1", "auth.audit.v1"]


@pytest.mark.parametrize(("change", "error", "field"), [
    (new_user("weak@bistro.example", ["staff"], "password123"), InvalidInput, "password"),
    (new_user("boss2@bistro.example", ["admin"]), PermissionDenied, None),  # a manager cannot make an admin
    (new_user("owner@bistro.example", ["staff"]), Conflict, "email"),
    (users.NewUser("x@bistro.example", "", "kitchen-at-dawn-42", ["staff"], ["not-a-uuid"]), InvalidInput,
     "location_ids[0]"),
])
def test_a_refused_user_commits_nothing(uow, clock, demo, change, error, field):
    manager = person(demo, "manager")
    before = len(uow.users.rows)
    with pytest.raises(error) as raised:
        users.create_user(uow.factory(), manager, Actor(manager.subject), change, clock=clock)
    assert field is None or raised.value.field == field
    assert (uow.commits, uow.events, len(uow.users.rows)) == (0, [], before)
    assert uow.rollbacks == 1


def test_deactivating_revokes_sessions_and_a_refused_self_deactivation_commits_nothing(uow, clock, demo):
    admin = person(demo, "admin")
    cook = users.create_user(uow.factory(), admin, Actor(admin.subject), new_user("cook@bistro.example", ["staff"]),
                             clock=clock)
    with pytest.raises(InvalidInput) as raised:
        users.update_user(uow.factory(), admin, Actor(admin.subject), demo["admin_user_id"],
                          users.UserChanges(active=False), clock=clock)
    assert raised.value.field == "active" and uow.commits == 1
    clock.advance(minutes=5)
    shown = users.update_user(uow.factory(), admin, Actor(admin.subject), cook["user_id"],
                              users.UserChanges(active=False, display_name="Former cook"), clock=clock)
    assert shown["active"] is False and uow.commits == 2
    [updated] = uow.events_of(events_pb2.UserUpdated)
    assert sorted(updated.changed_fields) == ["active", "display_name"]
    assert len(uow.events_of(events_pb2.UserDeactivated)) == 1


def test_staff_read_only_themselves(uow, clock, demo):
    admin = person(demo, "admin")
    cook = users.create_user(uow.factory(), admin, Actor(admin.subject), new_user("cook@bistro.example", ["staff"]),
                             clock=clock)
    staff = person(demo, "staff", cook["user_id"])
    assert users.get_user(uow.factory(), staff, cook["user_id"])["email"] == "cook@bistro.example"
    with pytest.raises(PermissionDenied):
        users.get_user(uow.factory(), staff, demo["admin_user_id"])
    with pytest.raises(InvalidInput) as raised:
        users.get_user(uow.factory(), staff, "nope")
    assert raised.value.field == "user_id"


def test_login_refresh_and_reuse_with_fake_throttle_and_key_ring(uow, clock, demo):
    container = bootstrap(settings(), uow=uow.factory(), clock=clock, throttle=FakeThrottle(), keyring=FakeKeyRing())
    assert container.engine is None
    key_rotation.ensure_active_key(container.uow, container.keyring, clock=clock)
    signed = container.sessions.login("Bistro", "OWNER@bistro.example", ADMIN_PASSWORD, "198.51.100.1")
    assert signed.kid == "kid1" and f'"tenant_id": "{demo["tenant_id"]}"' in signed.access_token
    assert uow.audit.actions()[-1] == "login.succeeded"
    rotated = container.sessions.refresh(signed.refresh_token, "198.51.100.1")
    assert rotated.refresh_token != signed.refresh_token
    commits = uow.commits
    # The first token again: reuse. The family is revoked (committed) and the caller gets 401.
    with pytest.raises(Unauthenticated):
        container.sessions.refresh(signed.refresh_token, "198.51.100.1")
    assert uow.commits == commits + 1 and uow.audit.actions()[-1] == "token.reuse_detected"
    with pytest.raises(Unauthenticated):
        container.sessions.refresh(rotated.refresh_token, "198.51.100.1")


def test_failed_logins_lock_the_account_and_an_admin_unlocks_it(uow, clock, demo):
    throttle = FakeThrottle(max_failures=2)
    container = bootstrap(settings(), uow=uow.factory(), clock=clock, throttle=throttle, keyring=FakeKeyRing())
    key_rotation.ensure_active_key(container.uow, container.keyring, clock=clock)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            container.sessions.login("bistro", "owner@bistro.example", "wrong-password-1", "10.0.0.1")
    assert uow.audit.actions()[-3:] == ["login.failed", "login.failed", "login.locked"]
    with pytest.raises(TooManyAttempts):
        container.sessions.login("bistro", "owner@bistro.example", ADMIN_PASSWORD, "10.0.0.2")
    admin = person(demo, "admin")
    assert users.get_user(uow.factory(), admin, demo["admin_user_id"], throttle)["locked_for_seconds"] == 600
    users.unlock(uow.factory(), throttle, admin, Actor(admin.subject), demo["admin_user_id"], clock=clock)
    assert container.sessions.login("bistro", "owner@bistro.example", ADMIN_PASSWORD, "10.0.0.2").user_id


def test_rotation_publishes_waits_activates_and_retires(uow, clock):
    ring = FakeKeyRing()
    first = key_rotation.ensure_active_key(uow.factory(), ring, clock=clock)
    assert key_rotation.ensure_active_key(uow.factory(), ring, clock=clock) == first  # idempotent
    slept: list[float] = []
    result = key_rotation.rotate(uow.factory(), ring, 70, 900, OPERATOR, clock=clock, sleep=slept.append)
    assert slept == [70] and (result["active"], result["previous"]) == ("kid2", first)
    assert [k["kid"] for k in key_rotation.published_jwks(uow.factory(), 900, clock=clock)["keys"]] == [first, "kid2"]
    clock.advance(seconds=900 + 61)  # every token the old key signed has expired (TTL + skew)
    assert [k["kid"] for k in key_rotation.published_jwks(uow.factory(), 900, clock=clock)["keys"]] == ["kid2"]
    assert key_rotation.retire(uow.factory(), 900, OPERATOR, clock=clock) == [first]
    assert uow.audit.actions() == ["signing_key.published", "signing_key.activated", "signing_key.retired"]


def test_a_location_of_another_tenant_is_not_found(uow, clock, demo):
    other = tenants.create_tenant(uow.factory(), OPERATOR, NewTenant(
        "grill", "Grill", LocationInput("Main", "America/Chicago", "IL"), "boss@grill.example", ADMIN_PASSWORD),
        clock=clock)
    with pytest.raises(NotFound):
        tenants.get_location(uow.factory(), person(demo, "admin"), other["location_id"])
    assert [x["location_id"] for x in tenants.list_locations(uow.factory(), person(demo, "staff"))] == [
        demo["location_id"]]
