"""Who may do what on the tax API, beyond one permission per route (chassis.http.require / require_any)."""
from __future__ import annotations

from chassis.errors import PermissionDenied
from chassis.http import authorize_own
from chassis.identity import Identity
from chassis.rbac import PLATFORM_RULES_UPDATE

# Calculating withholding reads nothing private; payroll runs (payroll:create) and managers checking a
# figure (payroll:read) both need it.
CALCULATE = ("payroll:read", "payroll:create")
# Reading an employee's figures and forms: any employee's, or (staff) one's own W-2.
READ_EMPLOYEE = ("payroll:read", "payroll:read:own")


def may_read_employee(identity: Identity, employee_id: str) -> None:
    """payroll:read, or payroll:read:own for one's own figures and forms (the own-record rule,
    Identity.may). Subjects are lower-case UUIDs; a path may spell the id in capitals."""
    authorize_own(identity, "payroll:read", employee_id.lower())


def may_change_rules(identity: Identity) -> None:
    """The rule tables (payroll rules, sales-tax rates) are shared by every tenant: changing them is a
    platform permission that no tenant role holds, only auth's platform operator role (granted by the
    operator's command to users of a platform-operator tenant, never through the API)."""
    if not identity.has(PLATFORM_RULES_UPDATE):
        raise PermissionDenied(f"tax rules are platform data: missing permission {PLATFORM_RULES_UPDATE}")
