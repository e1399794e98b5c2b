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

BUILTIN_ROLES = frozenset(DEFAULT_MATRIX)


def is_permission(name: str) -> bool:
    """A permission name this platform knows (custom roles are built from these only)."""
    return name in ALL_PERMISSIONS


def implies(held: frozenset[str] | set[str], wanted: str) -> bool:
    """`orders:read` covers `orders:read:own`: the unrestricted permission includes one's own records."""
    return wanted in held or (wanted.endswith(":own") and wanted.removesuffix(":own") in held)


def covers(held: frozenset[str] | set[str], wanted) -> bool:
    """The holder has every permission in `wanted` (so granting them is no escalation)."""
    return all(implies(held, permission) for permission in wanted)


def effective_permissions(roles, custom_roles: dict[str, frozenset[str]] | None = None) -> frozenset[str]:
    """Built-in roles from DEFAULT_MATRIX plus a tenant's custom roles (name -> permissions).
    A role name that is neither grants nothing."""
    custom_roles = custom_roles or {}
    result: set[str] = set()
    for role in roles or ():
        result |= role_permissions(role) if role in BUILTIN_ROLES else set(custom_roles.get(role, ()))
    return frozenset(result)


# ---- Platform permissions (issue 13: shared tables are a platform operator's, not a tenant's) ----
# They act on data every tenant shares (the tax service's payroll rules and sales-tax rates). They
# are deliberately outside RESOURCES / ALL_PERMISSIONS / DEFAULT_MATRIX: no built-in tenant role holds
# them and a custom role cannot contain them (is_permission() does not know them). Only the platform
# operator role carries them, and only the auth service grants that role: through its operator CLI, to
# users of a tenant the operator marked as a platform-operator tenant (never through the API).
PLATFORM_RULES_UPDATE = "platform:rules:update"
PLATFORM_OPERATOR_ROLE = "platform_operator"
PLATFORM_ROLES: dict[str, frozenset[str]] = {PLATFORM_OPERATOR_ROLE: frozenset({PLATFORM_RULES_UPDATE})}
PLATFORM_PERMISSIONS = frozenset().union(*PLATFORM_ROLES.values())


def platform_permissions(roles) -> frozenset[str]:
    """The platform permissions `roles` name (auth adds them to a token only in an operator tenant)."""
    return frozenset().union(*(PLATFORM_ROLES.get(role, frozenset()) for role in roles or ()))
