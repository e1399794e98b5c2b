"""In-memory stand-ins for pos-bridge's adapters: the unit of work and its repositories.

They keep the real ones' contracts (test_wiring.py checks the method signatures)."""
from __future__ import annotations

import uuid

from chassis.uow import FakeUnitOfWork
from pos_bridge.adapters.orm import PosConnection


class FakeConnectionRepository:
    def __init__(self) -> None:
        self.rows: list[PosConnection] = []

    def add(self, connection: PosConnection) -> None:
        connection.id = connection.id or uuid.uuid4()
        self.rows.append(connection)

    def for_tenant(self, tenant_id: uuid.UUID, location_id: uuid.UUID | None = None) -> list[PosConnection]:
        return [c for c in self.rows if c.tenant_id == tenant_id and c.deleted_at is None
                and (location_id is None or c.location_id == location_id)]


class FakePosBridgeUnitOfWork(FakeUnitOfWork):
    """One instance plays every transaction of a test (pass `lambda: uow` as the factory)."""

    def __init__(self) -> None:
        super().__init__("/auraconnect/pos-bridge")
        self.connections = FakeConnectionRepository()
