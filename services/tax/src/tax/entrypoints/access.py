"""Who may do what on the tax API, beyond one permission per route (chassis.http.require)."""
from __future__ import annotations

from chassis.errors import PermissionDenied
from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Depends

# Calculating withholding reads nothing private; payroll runs (payroll:create) and managers checking a
# figure (payroll:read) both need it.
CALCULATE = ("payroll:read", "payroll:create")


def require_any(*permissions: str):
    def dependency(identity: Identity = Depends(current_identity)) -> Identity:
        if not any(identity.has(p) for p in permissions):
            raise PermissionDenied(f"missing permission {' or '.join(permissions)}")
        return identity

    return dependency


def may_read_employee(identity: Identity, employee_id: str) -> None:
    """payroll:read, or payroll:read:own for one's own figures and forms (staff see their own W-2)."""
    if identity.has("payroll:read"):
        return
    if identity.subject.lower() == employee_id.lower() and identity.has("payroll:read:own"):
        return
    raise PermissionDenied("missing permission payroll:read")


def may_change_rules(identity: Identity, operator_tenants: frozenset[str]) -> None:
    """settings:update, and (when configured) being an admin of a platform operator tenant: rule rows
    are shared by every tenant."""
    if not identity.has("settings:update"):
        raise PermissionDenied("missing permission settings:update")
    if operator_tenants and identity.tenant_id.lower() not in operator_tenants:
        raise PermissionDenied("tax rules are platform data: only an operator tenant's admin may change them")
