"""The default role → permission matrix: data, one source of truth for every service.

Permissions are named `<resource>:<action>` or `<resource>:<action>:own` (the caller's own records
only; the owning service enforces "own"). Tenant admins may define custom roles from the same names.

A matrix cell reads `"<CRUD letters>[ own][ +<special action>...]"`: the letters grant create, read,
update, delete (restricted to one's own records by " own"); each `+name` grants one of the resource's
special actions (`SPECIAL_ACTIONS`), which have no own-record form. E.g. `"CRUD +open_price +discount"`.
"""
from __future__ import annotations

RESOURCES = ("orders", "kitchen", "staff", "payroll", "reports", "settings")
ACTIONS = {"C": "create", "R": "read", "U": "update", "D": "delete"}
# Actions beyond CRUD, per resource: orders:open_price (a line priced by hand, not from the menu),
# orders:discount (a manager's discount with a reason), orders:refund (money given back: a manager's
# call), orders:reconcile (import a settlement file and read the reconciliation of a business day),
# orders:review_risk (read the risk review queue and confirm or dismiss its cases: a manager's job,
# never the staff member the case is about); kitchen:configure (the kitchen display's stations and
# routing rules: managers, not cooks).
SPECIAL_ACTIONS: dict[str, tuple[str, ...]] = {"orders": ("open_price", "discount", "refund", "reconcile",
                                                          "review_risk"),
                                               "kitchen": ("configure",)}

# role -> resource -> cell (see the module docstring). The kitchen resource is the kitchen display's:
# kitchen:read reads tickets and stations, kitchen:update bumps tickets (expo's bump moves a sent check
# to ready), kitchen:configure sets up stations and routing rules.
DEFAULT_MATRIX: dict[str, dict[str, str]] = {
    "admin": {"orders": "CRUD +open_price +discount +refund +reconcile +review_risk", "kitchen": "RU +configure",
              "staff": "CRUD", "payroll": "CRUD", "reports": "R", "settings": "CRUD"},
    "manager": {"orders": "CRUD +open_price +discount +refund +reconcile +review_risk", "kitchen": "RU +configure",
                "staff": "CRU", "payroll": "R", "reports": "R", "settings": "R"},
    "staff": {"orders": "CR", "staff": "R own", "payroll": "R own"},
    "kitchen": {"orders": "R", "kitchen": "RU"},
}


def permissions_for_cell(resource: str, cell: str) -> set[str]:
    letters, *words = cell.split()
    specials = [word[1:] for word in words if word.startswith("+")]
    unknown = [name for name in specials if name not in SPECIAL_ACTIONS.get(resource, ())]
    if unknown or any(word != "own" and not word.startswith("+") for word in words):
        raise ValueError(f"bad matrix cell for {resource}: {cell!r}")
    suffix = ":own" if "own" in words else ""
    return ({f"{resource}:{ACTIONS[letter]}{suffix}" for letter in letters}
            | {f"{resource}:{name}" for name in specials})


def role_permissions(role: str, matrix: dict[str, dict[str, str]] = DEFAULT_MATRIX) -> frozenset[str]:
    cells = matrix.get(role, {})
    return frozenset(p for resource, cell in cells.items() for p in permissions_for_cell(resource, cell))


def permissions_for_roles(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    return frozenset().union(*(role_permissions(role) for role in roles)) if roles else frozenset()


ALL_PERMISSIONS = frozenset(
    f"{resource}:{action}{scope}" for resource in RESOURCES for action in ACTIONS.values() for scope in ("", ":own")
) | frozenset(f"{resource}:{action}" for resource, actions in SPECIAL_ACTIONS.items() for action in actions)

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
