"""Who may calculate, read an employee's tax figures and forms, and change the platform's rule tables."""
from __future__ import annotations

import uuid

import pytest
from chassis.errors import PermissionDenied
from chassis.identity import Identity
from chassis.rbac import PLATFORM_OPERATOR_ROLE, PLATFORM_ROLES, role_permissions
from tax.entrypoints.access import CALCULATE, may_change_rules, may_read_employee

TENANT = str(uuid.uuid4())


def person(role: str, subject: str | None = None, tenant: str = TENANT) -> Identity:
    return Identity(subject=subject or str(uuid.uuid4()), tenant_id=tenant, roles=(role,),
                    permissions=role_permissions(role))


def test_roles_that_may_calculate():
    allowed = {role for role in ("admin", "manager", "staff", "kitchen")
               if any(person(role).has(p) for p in CALCULATE)}
    assert allowed == {"admin", "manager"}  # staff only hold payroll:read:own


def test_staff_read_only_their_own_figures_and_forms():
    me = str(uuid.uuid4())
    may_read_employee(person("staff", me), me)
    may_read_employee(person("staff", me), me.upper())
    with pytest.raises(PermissionDenied):
        may_read_employee(person("staff", me), str(uuid.uuid4()))
    with pytest.raises(PermissionDenied):
        may_read_employee(person("kitchen", me), me)
    may_read_employee(person("manager"), str(uuid.uuid4()))


def test_shared_rule_tables_are_a_platform_permission_no_tenant_role_holds():
    """Rule rows are shared by every tenant: no tenant role (admin included) may change them."""
    for role in ("admin", "manager", "staff", "kitchen"):
        with pytest.raises(PermissionDenied):
            may_change_rules(person(role))


def test_a_platform_operator_may_change_shared_rule_tables():
    operator = Identity(subject=str(uuid.uuid4()), tenant_id=TENANT, roles=("admin", PLATFORM_OPERATOR_ROLE),
                        permissions=role_permissions("admin") | PLATFORM_ROLES[PLATFORM_OPERATOR_ROLE])
    may_change_rules(operator)
