"""Look-ups shared by the use cases, always inside one tenant, in an open unit of work `tx`."""
from __future__ import annotations

import uuid

from chassis.errors import NotFound
from chassis.uow import UnitOfWork

from auth.adapters.orm import Location, Tenant, User
from auth.domain.roles import granted_permissions


def custom_roles(tx: UnitOfWork, tenant_id: uuid.UUID) -> dict[str, frozenset[str]]:
    return tx.roles.permissions_by_name(tenant_id)


def is_operator_tenant(tx: UnitOfWork, tenant_id: uuid.UUID) -> bool:
    """A platform-operator tenant: the only one whose users' platform roles grant anything."""
    tenant = tx.tenants.get(tenant_id)
    return bool(tenant is not None and tenant.platform_operator)


def permissions_of(tx: UnitOfWork, user: User) -> frozenset[str]:
    return granted_permissions(list(user.roles), custom_roles(tx, user.tenant_id),
                               is_operator_tenant(tx, user.tenant_id))


def live_tenant(tx: UnitOfWork, tenant_id: uuid.UUID) -> Tenant:
    tenant = tx.tenants.live(tenant_id)
    if tenant is None:
        raise NotFound("no such tenant", field="tenant_id")
    return tenant


def user_in_tenant(tx: UnitOfWork, tenant_id: uuid.UUID, user_id: uuid.UUID, for_update: bool = False) -> User:
    user = tx.users.in_tenant(tenant_id, user_id, for_update)
    if user is None:
        raise NotFound("no such user", field="user_id")
    return user


def location_in_tenant(tx: UnitOfWork, tenant_id: uuid.UUID, location_id: uuid.UUID) -> Location:
    location = tx.locations.live(tenant_id, location_id)
    if location is None:
        raise NotFound("no such location", field="location_id")
    return location


def check_locations_exist(tx: UnitOfWork, tenant_id: uuid.UUID, location_ids: list[uuid.UUID],
                          field: str = "location_ids") -> None:
    known = tx.locations.existing_ids(tenant_id, location_ids) if location_ids else set()
    for index, location_id in enumerate(location_ids):
        if location_id not in known:
            raise NotFound("no such location", field=f"{field}[{index}]")
