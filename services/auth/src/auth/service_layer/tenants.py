"""Tenants (restaurant groups) and their locations.

Creating a tenant is a platform-operator action (entrypoints/create_tenant.py): it creates the
tenant, its first location and its first admin in one transaction. A tenant's own admins then
manage its locations and users through the API.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chassis.errors import Conflict, NotFound
from chassis.identity import Identity
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.adapters.orm import Location, Tenant, User
from auth.domain import validation
from auth.service_layer import audit, users
from auth.service_layer.audit import Actor, AuditRecord
from auth.service_layer.directory import live_tenant, location_in_tenant


@dataclass
class LocationInput:
    name: str
    time_zone: str
    state: str
    address: str = ""


def tenant_dict(tenant: Tenant) -> dict:
    return {"tenant_id": str(tenant.id), "slug": tenant.slug, "name": tenant.name,
            "created_at": tenant.created_at.isoformat(), "updated_at": tenant.updated_at.isoformat()}


def location_dict(location: Location) -> dict:
    return {"location_id": str(location.id), "tenant_id": str(location.tenant_id), "name": location.name,
            "address": location.address, "time_zone": location.time_zone, "state": location.state,
            "created_at": location.created_at.isoformat(), "updated_at": location.updated_at.isoformat()}


def _location_row(tenant_id, data: LocationInput, prefix: str = "") -> Location:
    return Location(tenant_id=tenant_id, name=validation.text(data.name, f"{prefix}name"),
                    address=validation.text(data.address, f"{prefix}address", 500, required=False),
                    time_zone=validation.time_zone(data.time_zone, f"{prefix}time_zone"),
                    state=validation.state(data.state, f"{prefix}state"))


def create_tenant(session: Session, actor: Actor, slug: str, name: str, location: LocationInput,
                  admin_email: str, admin_password: str, admin_name: str = "") -> tuple[Tenant, Location, User]:
    """All or nothing: the caller's transaction holds the tenant, location, admin, audit and events."""
    tenant = Tenant(slug=validation.slug(slug), name=validation.text(name, "name"))
    try:
        with session.begin_nested():
            session.add(tenant)
            session.flush()
    except IntegrityError:
        raise Conflict("a tenant with this slug already exists", field="slug") from None
    first = _location_row(tenant.id, location, "location.")
    session.add(first)
    session.flush()
    audit.record(session, actor, AuditRecord("tenant.created", tenant.id, "tenant", str(tenant.id),
                                             details={"slug": tenant.slug}))
    admin = users.add_user(session, tenant, actor, None, None, admin_email, admin_name or "Administrator",
                           admin_password, ["admin"], [])
    return tenant, first, admin


def update_tenant(session: Session, caller: Identity, actor: Actor, name: str) -> Tenant:
    tenant = live_tenant(session, caller.tenant_uuid)
    tenant.name = validation.text(name, "name")
    tenant.updated_at = datetime.now(UTC)
    audit.record(session, actor, AuditRecord("tenant.updated", tenant.id, "tenant", str(tenant.id)))
    return tenant


def list_locations(session: Session, caller: Identity) -> list[Location]:
    rows = session.scalars(select(Location).where(
        Location.tenant_id == caller.tenant_uuid, Location.deleted_at.is_(None)).order_by(Location.name)).all()
    return [row for row in rows if caller.may_access_location(str(row.id))]


def get_location(session: Session, caller: Identity, location_id: str) -> Location:
    location = location_in_tenant(session, caller.tenant_uuid, validation.parse_uuid(location_id, "location_id"))
    if not caller.may_access_location(str(location.id)):
        raise NotFound("no such location", field="location_id")
    return location


def add_location(session: Session, caller: Identity, actor: Actor, data: LocationInput) -> Location:
    live_tenant(session, caller.tenant_uuid)
    location = _location_row(caller.tenant_uuid, data)
    session.add(location)
    session.flush()
    audit.record(session, actor, AuditRecord("location.created", caller.tenant_uuid, "location", str(location.id)))
    return location


def update_location(session: Session, caller: Identity, actor: Actor, location_id: str, name: str | None,
                    address: str | None, time_zone: str | None, state: str | None) -> Location:
    location = get_location(session, caller, location_id)
    if name is not None:
        location.name = validation.text(name, "name")
    if address is not None:
        location.address = validation.text(address, "address", 500, required=False)
    if time_zone is not None:
        location.time_zone = validation.time_zone(time_zone)
    if state is not None:
        location.state = validation.state(state)
    location.updated_at = datetime.now(UTC)
    audit.record(session, actor, AuditRecord("location.updated", caller.tenant_uuid, "location", str(location.id)))
    return location


def delete_location(session: Session, caller: Identity, actor: Actor, location_id: str) -> None:
    location = get_location(session, caller, location_id)
    location.deleted_at = datetime.now(UTC)
    audit.record(session, actor, AuditRecord("location.deleted", caller.tenant_uuid, "location", str(location.id)))


def find_tenant(session: Session, slug: str) -> Tenant | None:
    return session.scalars(select(Tenant).where(Tenant.slug == slug, Tenant.deleted_at.is_(None))).first()


def require_tenant(session: Session, tenant_id) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("no such tenant", field="tenant_id")
    return tenant
