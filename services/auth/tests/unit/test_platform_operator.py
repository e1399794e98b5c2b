"""The platform operator role: only the operator's command grants it, only in a platform-operator
tenant does it carry the platform permissions, and no tenant admin can hand it out through the API."""
from __future__ import annotations

import pytest
from auth.service_layer import roles, tenants, users
from auth.service_layer.audit import Actor
from auth.service_layer.directory import permissions_of
from auth.service_layer.tenants import LocationInput, NewTenant
from chassis.errors import InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import PLATFORM_OPERATOR_ROLE, PLATFORM_PERMISSIONS, PLATFORM_RULES_UPDATE, role_permissions

from services.auth.tests.unit.fakes import Clock, FakeAuthUnitOfWork

pytestmark = pytest.mark.unit

OPERATOR = Actor("operator:test")
PASSWORD = "correct horse battery"
GOOD_PASSWORD = "kitchen-at-dawn-42"


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()


def tenant(uow, slug: str, platform_operator: bool = False) -> dict:
    return tenants.create_tenant(uow.factory(), OPERATOR, NewTenant(
        slug, slug.title(), LocationInput("Main", "America/New_York", "PA"), f"owner@{slug}.example", PASSWORD,
        platform_operator=platform_operator), clock=Clock())


def admin_of(created: dict, uow=None) -> Identity:
    permissions = role_permissions("admin")
    if uow is not None:  # what the token would carry
        permissions = permissions_of(uow, uow.users.get(_uuid(created["admin_user_id"])))
    return Identity(subject=created["admin_user_id"], tenant_id=created["tenant_id"], roles=("admin",),
                    permissions=permissions)


def _uuid(value: str):
    import uuid

    return uuid.UUID(value)


def test_a_tenant_admin_cannot_grant_the_operator_role(uow):
    demo = tenant(uow, "bistro")
    admin = admin_of(demo)
    with pytest.raises(PermissionDenied):
        users.create_user(uow.factory(), admin, Actor(admin.subject), users.NewUser(
            "op@bistro.example", "Op", GOOD_PASSWORD, [PLATFORM_OPERATOR_ROLE], []))
    staff = users.create_user(uow.factory(), admin, Actor(admin.subject), users.NewUser(
        "cook@bistro.example", "Cook", GOOD_PASSWORD, ["staff"], []))
    with pytest.raises(PermissionDenied):
        users.update_user(uow.factory(), admin, Actor(admin.subject), staff["user_id"],
                          users.UserChanges(roles=["staff", PLATFORM_OPERATOR_ROLE]))
    with pytest.raises(InvalidInput) as raised:  # nor smuggle it in as a custom role of that name
        roles.create_role(uow.factory(), admin, Actor(admin.subject), PLATFORM_OPERATOR_ROLE, "", ["orders:read"])
    assert raised.value.field == "name"
    with pytest.raises(InvalidInput):
        roles.create_role(uow.factory(), admin, Actor(admin.subject), "rules", "", [PLATFORM_RULES_UPDATE])


def test_no_tenant_role_carries_platform_permissions(uow):
    demo = tenant(uow, "bistro")
    assert not permissions_of(uow, uow.users.get(_uuid(demo["admin_user_id"]))) & PLATFORM_PERMISSIONS


def test_the_operator_tenants_first_admin_is_the_operator_and_nobody_grants_it_through_the_api(uow):
    platform = tenant(uow, "platform", platform_operator=True)
    operator = admin_of(platform, uow)
    assert PLATFORM_RULES_UPDATE in operator.permissions
    with pytest.raises(PermissionDenied):  # not even the operator hands it out through the API
        users.create_user(uow.factory(), operator, Actor(operator.subject), users.NewUser(
            "second@platform.example", "Second", GOOD_PASSWORD, ["admin", PLATFORM_OPERATOR_ROLE], []))
    # The operator's command does, in an operator tenant only.
    second = users.create_user(uow.factory(), operator, Actor(operator.subject), users.NewUser(
        "second@platform.example", "Second", GOOD_PASSWORD, ["admin"], []))
    granted = tenants.set_platform_operator(uow.factory(), OPERATOR, "platform", "second@platform.example", True)
    assert PLATFORM_OPERATOR_ROLE in granted["roles"]
    assert PLATFORM_RULES_UPDATE in permissions_of(uow, uow.users.get(_uuid(second["user_id"])))
    assert uow.audit.actions()[-1] == "user.roles_changed"
    # A plain admin of the operator tenant cannot touch an operator (it lacks the platform permission).
    plain = users.create_user(uow.factory(), operator, Actor(operator.subject), users.NewUser(
        "plain@platform.example", "Plain", GOOD_PASSWORD, ["admin"], []))
    plain_admin = Identity(subject=plain["user_id"], tenant_id=platform["tenant_id"], roles=("admin",),
                           permissions=role_permissions("admin"))
    with pytest.raises(PermissionDenied):
        users.update_user(uow.factory(), plain_admin, Actor(plain_admin.subject), second["user_id"],
                          users.UserChanges(active=False))
    # An operator keeps the role through an unrelated change of roles, and the command takes it back.
    users.update_user(uow.factory(), operator, Actor(operator.subject), second["user_id"],
                      users.UserChanges(roles=["manager", PLATFORM_OPERATOR_ROLE]))
    revoked = tenants.set_platform_operator(uow.factory(), OPERATOR, "platform", "second@platform.example", False)
    assert revoked["roles"] == ["manager"]


def test_the_command_refuses_a_tenant_that_is_not_an_operator_tenant(uow):
    tenant(uow, "bistro")
    with pytest.raises(InvalidInput) as raised:
        tenants.set_platform_operator(uow.factory(), OPERATOR, "bistro", "owner@bistro.example", True)
    assert raised.value.field == "tenant"
    # Even a role name slipped into a row of an ordinary tenant grants nothing there.
    user = uow.users.by_email(uow.tenants.by_slug("bistro").id, "owner@bistro.example")
    user.roles = ["admin", PLATFORM_OPERATOR_ROLE]
    assert not permissions_of(uow, user) & PLATFORM_PERMISSIONS
