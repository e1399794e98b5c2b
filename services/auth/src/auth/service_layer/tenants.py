"""Tenants (restaurant groups) and their locations.

Creating a tenant is a platform-operator action (entrypoints/create_tenant.py): it creates the
tenant, its first location and its first admin in one unit of work. A tenant's own admins then
manage its locations and users through the API.
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, utc_now
from chassis.errors import Conflict, InvalidInput, NotFound
from chassis.identity import Identity
from chassis.rbac import PLATFORM_OPERATOR_ROLE
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from auth.adapters.orm import Location, Tenant
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


@dataclass
class NewTenant:
    slug: str
    name: str
    location: LocationInput
    admin_email: str
    admin_password: str
    admin_name: str = ""
    # The platform operator's own tenant: its first admin is also the platform operator (see
    # chassis.rbac.PLATFORM_ROLES); further operators are granted with grant_platform_operator.
    platform_operator: bool = False


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


def _created(tenant: Tenant, location: Location, admin_id: str, admin_email: str) -> dict:
    return {"tenant_id": str(tenant.id), "tenant_slug": tenant.slug, "location_id": str(location.id),
            "admin_user_id": admin_id, "admin_email": admin_email}


def create_tenant(uow: UnitOfWorkFactory, actor: Actor, new: NewTenant, *, clock: Clock = utc_now) -> dict:
    """All or nothing: one unit of work holds the tenant, location, admin, audit and events.
    Returns the new ids (tenant_id, tenant_slug, location_id, admin_user_id, admin_email)."""
    with uow() as tx:
        tenant, location, admin = _create_tenant(tx, actor, new, clock())
        created = _created(tenant, location, str(admin.id), admin.email)
        tx.commit()
    return created


def _create_tenant(tx: UnitOfWork, actor: Actor, new: NewTenant, now):
    tenant = Tenant(slug=validation.slug(new.slug), name=validation.text(new.name, "name"),
                    platform_operator=new.platform_operator)
    if not tx.tenants.add(tenant):
        raise Conflict("a tenant with this slug already exists", field="slug")
    first = tx.locations.add(_location_row(tenant.id, new.location, "location."))
    audit.record(tx, actor, AuditRecord("tenant.created", tenant.id, "tenant", str(tenant.id),
                                        details={"slug": tenant.slug,
                                                 "platform_operator": str(new.platform_operator).lower()}), now)
    roles = ["admin", PLATFORM_OPERATOR_ROLE] if new.platform_operator else ["admin"]
    admin = users.add_user(tx, tenant, actor, None, None, users.NewUser(
        new.admin_email, new.admin_name or "Administrator", new.admin_password, roles, []), now)
    return tenant, first, admin


def ensure_tenant(uow: UnitOfWorkFactory, actor: Actor, new: NewTenant, *, clock: Clock = utc_now) -> dict:
    """create_tenant, unless a live tenant with the slug exists: then its first location and its user
    with the admin e-mail (idempotent, for the demo seed)."""
    with uow() as tx:
        tenant = tx.tenants.by_slug(new.slug)
        if tenant is None:
            tenant, location, admin = _create_tenant(tx, actor, new, clock())
            created = _created(tenant, location, str(admin.id), admin.email)
        else:
            location = tx.locations.first_created(tenant.id)
            admin = tx.users.by_email(tenant.id, new.admin_email)
            created = _created(tenant, location, str(admin.id), new.admin_email)
        tx.commit()
    return created


def set_platform_operator(uow: UnitOfWorkFactory, actor: Actor, tenant_slug: str, email: str, grant: bool, *,
                          clock: Clock = utc_now) -> dict:
    """The operator's command: grants (or takes back) the platform operator role of a user of a
    platform-operator tenant. Nobody can do this through the API."""
    with uow() as tx:
        tenant = tx.tenants.by_slug(validation.slug(tenant_slug))
        if tenant is None:
            raise NotFound("no such tenant", field="tenant")
        if not tenant.platform_operator:
            raise InvalidInput("is not a platform-operator tenant", field="tenant")
        user = tx.users.by_email(tenant.id, validation.email(email))
        if user is None or user.deleted_at is not None:
            raise NotFound("no such user", field="email")
        roles = sorted(set(user.roles) | {PLATFORM_OPERATOR_ROLE} if grant else set(user.roles) - {PLATFORM_OPERATOR_ROLE})
        if roles != sorted(user.roles):
            now = clock()
            audit.record(tx, actor, AuditRecord("user.roles_changed", tenant.id, "user", str(user.id),
                                                details={"from": ",".join(user.roles), "to": ",".join(roles)}), now)
            user.roles = roles
            user.updated_at = now
            users.stage_update(tx, user, ["roles"], actor, now)
        shown = users.to_dict(user)
        tx.commit()
    return shown


def get_tenant(uow: UnitOfWorkFactory, caller: Identity) -> dict:
    with uow() as tx:
        return tenant_dict(live_tenant(tx, caller.tenant_uuid))


def update_tenant(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, name: str, *,
                  clock: Clock = utc_now) -> dict:
    with uow() as tx:
        now = clock()
        tenant = live_tenant(tx, caller.tenant_uuid)
        tenant.name = validation.text(name, "name")
        tenant.updated_at = now
        audit.record(tx, actor, AuditRecord("tenant.updated", tenant.id, "tenant", str(tenant.id)), now)
        shown = tenant_dict(tenant)
        tx.commit()
    return shown


def list_locations(uow: UnitOfWorkFactory, caller: Identity) -> list[dict]:
    with uow() as tx:
        return [location_dict(row) for row in tx.locations.of_tenant(caller.tenant_uuid)
                if caller.may_access_location(str(row.id))]


def _visible_location(tx: UnitOfWork, caller: Identity, location_id: str) -> Location:
    location = location_in_tenant(tx, caller.tenant_uuid, parse_uuid(location_id, "location_id"))
    if not caller.may_access_location(str(location.id)):
        raise NotFound("no such location", field="location_id")
    return location


def get_location(uow: UnitOfWorkFactory, caller: Identity, location_id: str) -> dict:
    with uow() as tx:
        return location_dict(_visible_location(tx, caller, location_id))


def add_location(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, data: LocationInput, *,
                 clock: Clock = utc_now) -> dict:
    with uow() as tx:
        live_tenant(tx, caller.tenant_uuid)
        location = tx.locations.add(_location_row(caller.tenant_uuid, data))
        audit.record(tx, actor, AuditRecord("location.created", caller.tenant_uuid, "location", str(location.id)),
                     clock())
        shown = location_dict(location)
        tx.commit()
    return shown


def update_location(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, location_id: str, name: str | None,
                    address: str | None, time_zone: str | None, state: str | None, *,
                    clock: Clock = utc_now) -> dict:
    with uow() as tx:
        now = clock()
        location = _visible_location(tx, caller, location_id)
        if name is not None:
            location.name = validation.text(name, "name")
        if address is not None:
            location.address = validation.text(address, "address", 500, required=False)
        if time_zone is not None:
            location.time_zone = validation.time_zone(time_zone)
        if state is not None:
            location.state = validation.state(state)
        location.updated_at = now
        audit.record(tx, actor, AuditRecord("location.updated", caller.tenant_uuid, "location", str(location.id)),
                     now)
        shown = location_dict(location)
        tx.commit()
    return shown


def delete_location(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, location_id: str, *,
                    clock: Clock = utc_now) -> None:
    with uow() as tx:
        now = clock()
        location = _visible_location(tx, caller, location_id)
        location.deleted_at = now
        audit.record(tx, actor, AuditRecord("location.deleted", caller.tenant_uuid, "location", str(location.id)),
                     now)
        tx.commit()
