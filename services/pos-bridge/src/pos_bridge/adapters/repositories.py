"""Queries of pos-bridge's aggregates, one repository each, working inside a unit of work's session.

Reads leave soft-deleted rows out; a repository never commits."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_bridge.adapters.orm import PosConnection


class ConnectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, connection: PosConnection) -> None:
        self.session.add(connection)

    def for_tenant(self, tenant_id: uuid.UUID, location_id: uuid.UUID | None = None) -> list[PosConnection]:
        """The tenant's live connections, of one location when `location_id` is given."""
        query = select(PosConnection).where(PosConnection.tenant_id == tenant_id, PosConnection.deleted_at.is_(None))
        if location_id is not None:
            query = query.where(PosConnection.location_id == location_id)
        return list(self.session.scalars(query.order_by(PosConnection.created_at, PosConnection.id)))
