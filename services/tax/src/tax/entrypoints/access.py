"""Who may do what on the tax API, beyond one permission per route (chassis.http.require / require_any)."""
from __future__ import annotations

from chassis.errors import PermissionDenied
from chassis.http import authorize_own
from chassis.identity import Identity

# Calculating withholding reads nothing private; payroll runs (payroll:create) and managers checking a
# figure (payroll:read) both need it.
CALCULATE = ("payroll:read", "payroll:create")
# Reading an employee's figures and forms: any employee's, or (staff) one's own W-2.
READ_EMPLOYEE = ("payroll:read", "payroll:read:own")


def may_read_employee(identity: Identity, employee_id: str) -> None:
    """payroll:read, or payroll:read:own for one's own figures and forms (the own-record rule,
    Identity.may). Subjects are lower-case UUIDs; a path may spell the id in capitals."""
    authorize_own(identity, "payroll:read", employee_id.lower())


def may_change_rules(identity: Identity, operator_tenants: frozenset[str]) -> None:
    """settings:update, and (when configured) being an admin of a platform operator tenant: rule rows
    are shared by every tenant."""
    if not identity.has("settings:update"):
        raise PermissionDenied("missing permission settings:update")
    if operator_tenants and identity.tenant_id.lower() not in operator_tenants:
        raise PermissionDenied("tax rules are platform data: only an operator tenant's admin may change them")
