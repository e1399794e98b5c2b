import pytest
from auth.domain.roles import check_custom_role, check_known_roles, check_may_grant, check_may_manage
from chassis.errors import InvalidInput, PermissionDenied
from chassis.rbac import (
    ALL_PERMISSIONS,
    DEFAULT_MATRIX,
    covers,
    effective_permissions,
    implies,
    permissions_for_cell,
    role_permissions,
)

pytestmark = pytest.mark.unit


KITCHEN_DISPLAY = {"kitchen:read", "kitchen:update"}
# issue 8: open-price lines, manager discounts; issue 9: refunds, reconciliation, the risk review queue;
# issue 10: kitchen stations and routing rules
MANAGER_ONLY = {"orders:open_price", "orders:discount", "orders:refund", "orders:reconcile", "orders:review_risk",
                "kitchen:configure"}


def test_matrix_is_the_issue_text():
    assert role_permissions("admin") == {f"{r}:{a}" for r in ("orders", "staff", "payroll", "settings")
                                         for a in ("create", "read", "update", "delete")} | {
        "reports:read"} | KITCHEN_DISPLAY | MANAGER_ONLY
    assert role_permissions("manager") == {"orders:create", "orders:read", "orders:update", "orders:delete",
                                           "staff:create", "staff:read", "staff:update", "payroll:read",
                                           "reports:read", "settings:read"} | KITCHEN_DISPLAY | MANAGER_ONLY
    assert role_permissions("staff") == {"orders:create", "orders:read", "staff:read:own", "payroll:read:own"}
    assert role_permissions("kitchen") == {"orders:read"} | KITCHEN_DISPLAY
    assert all(role_permissions(role) <= ALL_PERMISSIONS for role in DEFAULT_MATRIX)


def test_special_actions_are_permissions_without_an_own_form():
    assert {"orders:open_price", "orders:discount"} <= ALL_PERMISSIONS
    assert "orders:open_price:own" not in ALL_PERMISSIONS
    assert permissions_for_cell("orders", "CR +discount") == {"orders:create", "orders:read", "orders:discount"}
    assert "kitchen:configure" in ALL_PERMISSIONS and "kitchen:configure:own" not in ALL_PERMISSIONS
    for bad in ("CR +fly", "R mine", "R +discount"):
        resource = "kitchen" if bad == "R +discount" else "orders"
        with pytest.raises(ValueError):
            permissions_for_cell(resource, bad)


def test_unrestricted_permission_implies_own():
    assert implies(frozenset({"payroll:read"}), "payroll:read:own")
    assert not implies(frozenset({"payroll:read:own"}), "payroll:read")
    assert covers(role_permissions("manager"), role_permissions("staff"))
    assert not covers(role_permissions("manager"), role_permissions("admin"))


def test_custom_roles_add_their_permissions():
    perms = effective_permissions(["kitchen", "host"], {"host": frozenset({"reports:read"})})
    assert perms == {"orders:read", "kitchen:read", "kitchen:update", "reports:read"}
    assert effective_permissions(["ghost"], {}) == frozenset()


def test_manager_cannot_grant_or_manage_admin():
    manager = role_permissions("manager")
    check_may_grant(manager, role_permissions("staff"))
    with pytest.raises(PermissionDenied):
        check_may_grant(manager, role_permissions("admin"))
    with pytest.raises(PermissionDenied):
        check_may_manage(manager, ["admin"], {})
    check_may_manage(manager, ["kitchen"], {})


def test_custom_role_validation_names_the_field():
    with pytest.raises(InvalidInput) as error:
        check_custom_role("host", ["orders:read", "orders:fly"])
    assert error.value.field == "permissions[1]"
    with pytest.raises(InvalidInput) as error:
        check_custom_role("admin", ["orders:read"])
    assert error.value.field == "name"
    with pytest.raises(InvalidInput) as error:
        check_known_roles(["staff", "nope"], {})
    assert error.value.field == "roles[1]"
    assert check_custom_role("host", ["reports:read", "orders:read", "orders:read"]) == (
        "host", ["orders:read", "reports:read"])
