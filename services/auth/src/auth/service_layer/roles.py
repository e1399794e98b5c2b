"""Roles: the built-in matrix (read-only, from chassis.rbac) and a tenant's custom roles."""
from __future__ import annotations

from chassis.bootstrap import Clock, utc_now
from chassis.errors import Conflict, NotFound
from chassis.identity import Identity
from chassis.rbac import BUILTIN_ROLES, DEFAULT_MATRIX, role_permissions
from chassis.uow import UnitOfWork, UnitOfWorkFactory

from auth.adapters.orm import Role
from auth.domain.roles import check_custom_role, check_may_grant
from auth.domain.validation import text
from auth.service_layer import audit
from auth.service_layer.audit import Actor, AuditRecord


def builtin_dict(name: str) -> dict:
    return {"name": name, "builtin": True, "description": f"built-in role ({_matrix_text(name)})",
            "permissions": sorted(role_permissions(name))}


def _matrix_text(name: str) -> str:
    return ", ".join(f"{resource} {cell}" for resource, cell in DEFAULT_MATRIX[name].items())


def to_dict(role: Role) -> dict:
    return {"name": role.name, "builtin": False, "description": role.description,
            "permissions": sorted(role.permissions), "role_id": str(role.id),
            "created_at": role.created_at.isoformat(), "updated_at": role.updated_at.isoformat()}


def list_roles(uow: UnitOfWorkFactory, caller: Identity) -> list[dict]:
    with uow() as tx:
        return [builtin_dict(name) for name in DEFAULT_MATRIX] + [
            to_dict(r) for r in tx.roles.of_tenant(caller.tenant_uuid)]


def _custom(tx: UnitOfWork, caller: Identity, name: str, for_update: bool = False) -> Role:
    role = tx.roles.by_name(caller.tenant_uuid, name, for_update)
    if role is None:
        raise NotFound("no such custom role", field="name")
    return role


def get_role(uow: UnitOfWorkFactory, caller: Identity, name: str) -> dict:
    if name in BUILTIN_ROLES:
        return builtin_dict(name)
    with uow() as tx:
        return to_dict(_custom(tx, caller, name))


def create_role(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, name: str, description: str,
                permissions: list[str], *, clock: Clock = utc_now) -> dict:
    name, permissions = check_custom_role(name, permissions)
    check_may_grant(caller.permissions, permissions)
    role = Role(tenant_id=caller.tenant_uuid, name=name, description=text(description, "description", 500, False),
                permissions=permissions)
    with uow() as tx:
        if not tx.roles.add(role):
            raise Conflict("a role with this name already exists", field="name")
        audit.record(tx, actor, AuditRecord("role.created", caller.tenant_uuid, "role", name,
                                            details={"permissions": ",".join(permissions)}), clock())
        shown = to_dict(role)
        tx.commit()
    return shown


def update_role(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, name: str, description: str | None,
                permissions: list[str] | None, *, clock: Clock = utc_now) -> dict:
    with uow() as tx:
        now = clock()
        role = _custom(tx, caller, name, for_update=True)
        # Changing a role changes everyone holding it: the caller must hold what it had and what it gets.
        check_may_grant(caller.permissions, role.permissions)
        if description is not None:
            role.description = text(description, "description", 500, False)
        if permissions is not None:
            _, cleaned = check_custom_role(name, permissions)
            check_may_grant(caller.permissions, cleaned)
            if cleaned != sorted(role.permissions):
                audit.record(tx, actor, AuditRecord(
                    "role.permissions_changed", caller.tenant_uuid, "role", name,
                    details={"from": ",".join(sorted(role.permissions)), "to": ",".join(cleaned)}), now)
                role.permissions = cleaned
        role.updated_at = now
        shown = to_dict(role)
        tx.commit()
    return shown


def delete_role(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, name: str, *,
                clock: Clock = utc_now) -> None:
    with uow() as tx:
        role = _custom(tx, caller, name, for_update=True)
        check_may_grant(caller.permissions, role.permissions)
        holders = tx.users.count_holding(caller.tenant_uuid, name)
        if holders:
            raise Conflict(f"the role is assigned to {holders} user(s); remove it from them first", field="name")
        now = clock()
        role.deleted_at = now
        audit.record(tx, actor, AuditRecord("role.deleted", caller.tenant_uuid, "role", name), now)
        tx.commit()
