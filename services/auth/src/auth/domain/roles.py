"""Who may grant what: the rules that stop an administrator of users from escalating privileges.

Pure functions over permission sets; the matrix itself lives in chassis.rbac (one source of truth).
"""
from __future__ import annotations

from collections.abc import Iterable

from chassis.errors import InvalidInput, PermissionDenied
from chassis.rbac import BUILTIN_ROLES, covers, effective_permissions, is_permission

from auth.domain.validation import role_name


def check_custom_role(name: str, permissions: Iterable[str]) -> tuple[str, list[str]]:
    role_name(name)
    permissions = list(permissions)
    if name in BUILTIN_ROLES:
        raise InvalidInput("is a built-in role", field="name")
    cleaned = sorted(set(permissions))
    for index, permission in enumerate(permissions):
        if not is_permission(permission):
            raise InvalidInput(f"unknown permission {permission!r}", field=f"permissions[{index}]")
    return name, cleaned


def check_known_roles(roles: list[str], custom_roles: dict[str, frozenset[str]], field: str = "roles") -> list[str]:
    for index, role in enumerate(roles):
        if role not in BUILTIN_ROLES and role not in custom_roles:
            raise InvalidInput(f"unknown role {role!r}", field=f"{field}[{index}]")
    return sorted(set(roles))


def check_may_grant(caller_permissions: frozenset[str], granted: Iterable[str]) -> None:
    """A caller may only hand out permissions it holds itself (so a manager cannot make an admin)."""
    missing = sorted(p for p in set(granted) if not covers(caller_permissions, [p]))
    if missing:
        raise PermissionDenied(f"cannot grant permissions you do not hold: {', '.join(missing)}")


def check_may_manage(caller_permissions: frozenset[str], target_roles: list[str],
                     custom_roles: dict[str, frozenset[str]]) -> None:
    """A caller may change or remove only users with no permission the caller lacks."""
    target = effective_permissions(target_roles, custom_roles)
    if not covers(caller_permissions, target):
        raise PermissionDenied("cannot manage a user who holds permissions you do not hold")
