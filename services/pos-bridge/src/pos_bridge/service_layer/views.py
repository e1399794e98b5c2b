"""What use cases return: plain values copied from rows inside the unit of work.

A unit of work left without commit (every read) rolls back, and a rollback expires the rows it
loaded: touching one afterwards fails. So use cases never hand out rows; entrypoints map these
values to JSON or protobuf."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from pos_bridge.adapters.orm import PosConnection


@dataclass(frozen=True)
class Connection:
    connection_id: uuid.UUID
    location_id: uuid.UUID
    provider: str  # square | clover | toast
    active: bool

    @classmethod
    def of(cls, row: PosConnection) -> Connection:
        return cls(row.id, row.location_id, row.provider, row.active)

    def as_json(self) -> dict:
        return {"connection_id": str(self.connection_id), "location_id": str(self.location_id),
                "provider": self.provider, "active": self.active}
