"""Who may grant what: the rules that stop an administrator of users from escalating privileges.

Pure functions over permission sets; the matrix itself lives in chassis.rbac (one source of truth).
Platform roles (chassis.rbac.PLATFORM_ROLES: the platform operator) are never granted through the
API, whoever asks: only the operator's command grants them, and they carry their permissions only in
a platform-operator tenant.
"""
from __future__ import annotations

from collections.abc import Iterable

from chassis.errors import InvalidInput, PermissionDenied
from chassis.rbac import (
    BUILTIN_ROLES,
    PLATFORM_ROLES,
    covers,
    effective_permissions,
    is_permission,
    platform_permissions,
)

from auth.domain.validation import role_name


def check_custom_role(name: str, permissions: Iterable[str]) -> tuple[str, list[str]]:
    role_name(name)
    permissions = list(permissions)
    if name in BUILTIN_ROLES:
        raise InvalidInput("is a built-in role", field="name")
    if name in PLATFORM_ROLES:
        raise InvalidInput("is a platform role", field="name")
    cleaned = sorted(set(permissions))
    for index, permission in enumerate(permissions):
        if not is_permission(permission):
            raise InvalidInput(f"unknown permission {permission!r}", field=f"permissions[{index}]")
    return name, cleaned


def check_known_roles(roles: list[str], custom_roles: dict[str, frozenset[str]], field: str = "roles") -> list[str]:
    for index, role in enumerate(roles):
        if role not in BUILTIN_ROLES and role not in PLATFORM_ROLES and role not in custom_roles:
            raise InvalidInput(f"unknown role {role!r}", field=f"{field}[{index}]")
    return sorted(set(roles))


def check_may_grant(caller_permissions: frozenset[str], granted: Iterable[str]) -> None:
    """A caller may only hand out permissions it holds itself (so a manager cannot make an admin)."""
    missing = sorted(p for p in set(granted) if not covers(caller_permissions, [p]))
    if missing:
        raise PermissionDenied(f"cannot grant permissions you do not hold: {', '.join(missing)}")


def granted_permissions(roles, custom_roles: dict[str, frozenset[str]], operator_tenant: bool) -> frozenset[str]:
    """What `roles` grant a user: built-in and custom roles, plus platform roles' permissions in a
    platform-operator tenant only (a role name alone, e.g. a stray custom role, never grants them)."""
    granted = effective_permissions(roles, custom_roles)
    return granted | platform_permissions(roles) if operator_tenant else granted


def check_no_new_platform_roles(roles: list[str], held: list[str] | tuple[str, ...] = ()) -> None:
    """Through the API nobody hands out a platform role (not even an operator): the operator's command does."""
    added = sorted(set(roles) & set(PLATFORM_ROLES) - set(held))
    if added:
        raise PermissionDenied(f"{', '.join(added)} is granted by the platform operator's command only")


def check_may_manage(caller_permissions: frozenset[str], target_roles: list[str],
                     custom_roles: dict[str, frozenset[str]], operator_tenant: bool = False) -> None:
    """A caller may change or remove only users with no permission the caller lacks (so only an
    operator manages an operator)."""
    target = granted_permissions(target_roles, custom_roles, operator_tenant)
    if not covers(caller_permissions, target):
        raise PermissionDenied("cannot manage a user who holds permissions you do not hold")
