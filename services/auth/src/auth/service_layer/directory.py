"""Look-ups shared by the use cases, always inside one tenant."""
from __future__ import annotations

import uuid

from chassis.errors import NotFound
from chassis.rbac import effective_permissions
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.adapters.orm import Location, Role, Tenant, User


def custom_roles(session: Session, tenant_id: uuid.UUID) -> dict[str, frozenset[str]]:
    rows = session.execute(select(Role.name, Role.permissions).where(
        Role.tenant_id == tenant_id, Role.deleted_at.is_(None))).all()
    return {name: frozenset(permissions) for name, permissions in rows}


def permissions_of(session: Session, user: User) -> frozenset[str]:
    return effective_permissions(list(user.roles), custom_roles(session, user.tenant_id))


def live_tenant(session: Session, tenant_id: uuid.UUID) -> Tenant:
    tenant = session.scalars(select(Tenant).where(Tenant.id == tenant_id, Tenant.deleted_at.is_(None))).first()
    if tenant is None:
        raise NotFound("no such tenant", field="tenant_id")
    return tenant


def user_in_tenant(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID, for_update: bool = False) -> User:
    query = select(User).where(User.id == user_id, User.tenant_id == tenant_id, User.deleted_at.is_(None))
    user = session.scalars(query.with_for_update() if for_update else query).first()
    if user is None:
        raise NotFound("no such user", field="user_id")
    return user


def location_in_tenant(session: Session, tenant_id: uuid.UUID, location_id: uuid.UUID) -> Location:
    location = session.scalars(select(Location).where(
        Location.id == location_id, Location.tenant_id == tenant_id, Location.deleted_at.is_(None))).first()
    if location is None:
        raise NotFound("no such location", field="location_id")
    return location


def check_locations_exist(session: Session, tenant_id: uuid.UUID, location_ids: list[uuid.UUID],
                          field: str = "location_ids") -> None:
    known = set(session.scalars(select(Location.id).where(
        Location.tenant_id == tenant_id, Location.id.in_(location_ids), Location.deleted_at.is_(None))))
    for index, location_id in enumerate(location_ids):
        if location_id not in known:
            raise NotFound("no such location", field=f"{field}[{index}]")
