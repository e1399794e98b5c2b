"""The default role → permission matrix: data, one source of truth for every service.

Permissions are named `<resource>:<action>` or `<resource>:<action>:own` (the caller's own records
only; the owning service enforces "own"). Tenant admins may define custom roles from the same names.
"""
from __future__ import annotations

RESOURCES = ("orders", "staff", "payroll", "reports", "settings")
ACTIONS = {"C": "create", "R": "read", "U": "update", "D": "delete"}

# role -> resource -> letters (a trailing " own" restricts to the caller's own records)
DEFAULT_MATRIX: dict[str, dict[str, str]] = {
    "admin": {"orders": "CRUD", "staff": "CRUD", "payroll": "CRUD", "reports": "R", "settings": "CRUD"},
    "manager": {"orders": "CRUD", "staff": "CRU", "payroll": "R", "reports": "R", "settings": "R"},
    "staff": {"orders": "CR", "staff": "R own", "payroll": "R own"},
    "kitchen": {"orders": "R"},
}


def permissions_for_cell(resource: str, cell: str) -> set[str]:
    letters, _, scope = cell.partition(" ")
    suffix = ":own" if scope == "own" else ""
    return {f"{resource}:{ACTIONS[letter]}{suffix}" for letter in letters}


def role_permissions(role: str, matrix: dict[str, dict[str, str]] = DEFAULT_MATRIX) -> frozenset[str]:
    cells = matrix.get(role, {})
    return frozenset(p for resource, cell in cells.items() for p in permissions_for_cell(resource, cell))


def permissions_for_roles(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(role_permissions(role) for role in roles)) if roles else frozenset()


ALL_PERMISSIONS = frozenset(
    f"{resource}:{action}{scope}" for resource in RESOURCES for action in ACTIONS.values() for scope in ("", ":own")
)
