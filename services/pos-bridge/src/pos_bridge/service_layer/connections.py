"""POS connections: which POS (Square, Clover, Toast) each location is linked to."""
from __future__ import annotations

from chassis.errors import PermissionDenied
from chassis.identity import Identity
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from pos_bridge.service_layer.views import Connection


def list_connections(uow: UnitOfWorkFactory, identity: Identity,
                     location_id: str | None = None) -> list[Connection]:
    """The caller's tenant's live connections (of one location when given): settings:read."""
    if not identity.has("settings:read"):
        raise PermissionDenied("missing permission settings:read")
    # None lists every location; "" (proto3's unset string) is a missing id, refused like a bad one.
    location = None if location_id is None else parse_uuid(location_id, "location_id")
    with uow() as work:
        return [Connection.of(row) for row in work.connections.for_tenant(identity.tenant_uuid, location)]
