"""Roles: the built-in matrix (read-only, from chassis.rbac) and a tenant's custom roles."""
from __future__ import annotations

from datetime import UTC, datetime

from chassis.errors import Conflict, NotFound
from chassis.identity import Identity
from chassis.rbac import BUILTIN_ROLES, DEFAULT_MATRIX, role_permissions
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.adapters.orm import Role, User
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


def list_roles(session: Session, caller: Identity) -> list[dict]:
    custom = session.scalars(select(Role).where(Role.tenant_id == caller.tenant_uuid, Role.deleted_at.is_(None))
                             .order_by(Role.name)).all()
    return [builtin_dict(name) for name in DEFAULT_MATRIX] + [to_dict(r) for r in custom]


def _custom(session: Session, caller: Identity, name: str, for_update: bool = False) -> Role:
    query = select(Role).where(Role.tenant_id == caller.tenant_uuid, Role.name == name, Role.deleted_at.is_(None))
    role = session.scalars(query.with_for_update() if for_update else query).first()
    if role is None:
        raise NotFound("no such custom role", field="name")
    return role


def get_role(session: Session, caller: Identity, name: str) -> dict:
    if name in BUILTIN_ROLES:
        return builtin_dict(name)
    return to_dict(_custom(session, caller, name))


def create_role(session: Session, caller: Identity, actor: Actor, name: str, description: str,
                permissions: list[str]) -> Role:
    name, permissions = check_custom_role(name, permissions)
    check_may_grant(caller.permissions, permissions)
    role = Role(tenant_id=caller.tenant_uuid, name=name, description=text(description, "description", 500, False),
                permissions=permissions)
    try:
        with session.begin_nested():
            session.add(role)
            session.flush()
    except IntegrityError:
        raise Conflict("a role with this name already exists", field="name") from None
    audit.record(session, actor, AuditRecord("role.created", caller.tenant_uuid, "role", name,
                                             details={"permissions": ",".join(permissions)}))
    return role


def update_role(session: Session, caller: Identity, actor: Actor, name: str, description: str | None,
                permissions: list[str] | None) -> Role:
    role = _custom(session, caller, name, for_update=True)
    # Changing a role changes everyone holding it: the caller must hold what it had and what it gets.
    check_may_grant(caller.permissions, role.permissions)
    if description is not None:
        role.description = text(description, "description", 500, False)
    if permissions is not None:
        _, cleaned = check_custom_role(name, permissions)
        check_may_grant(caller.permissions, cleaned)
        if cleaned != sorted(role.permissions):
            audit.record(session, actor, AuditRecord(
                "role.permissions_changed", caller.tenant_uuid, "role", name,
                details={"from": ",".join(sorted(role.permissions)), "to": ",".join(cleaned)}))
            role.permissions = cleaned
    role.updated_at = datetime.now(UTC)
    return role


def delete_role(session: Session, caller: Identity, actor: Actor, name: str) -> None:
    role = _custom(session, caller, name, for_update=True)
    check_may_grant(caller.permissions, role.permissions)
    holders = session.scalar(select(func.count()).select_from(User).where(
        User.tenant_id == caller.tenant_uuid, User.deleted_at.is_(None), User.roles.any(name)))
    if holders:
        raise Conflict(f"the role is assigned to {holders} user(s); remove it from them first", field="name")
    role.deleted_at = datetime.now(UTC)
    audit.record(session, actor, AuditRecord("role.deleted", caller.tenant_uuid, "role", name))
