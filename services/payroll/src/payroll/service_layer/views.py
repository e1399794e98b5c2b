"""What use cases return: plain values copied from rows inside the unit of work.

A unit of work left without commit (every read) rolls back, and a rollback expires the rows it
loaded: touching one afterwards fails. So use cases never hand out rows; entrypoints map these
values to JSON or protobuf."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from payroll.adapters.orm import TipRecord


@dataclass(frozen=True)
class Tip:
    tip_record_id: uuid.UUID
    staff_id: uuid.UUID
    order_id: uuid.UUID | None
    location_id: uuid.UUID
    tip_cents: int
    earned_at: datetime
    source: str
    note: str

    @classmethod
    def of(cls, record: TipRecord) -> Tip:
        return cls(record.id, record.staff_id, record.order_id, record.location_id, record.tip_cents,
                   record.earned_at, record.source, record.note)

    def as_json(self) -> dict:
        return {"tip_record_id": str(self.tip_record_id), "staff_id": str(self.staff_id),
                "order_id": str(self.order_id) if self.order_id else None, "location_id": str(self.location_id),
                "tip_cents": self.tip_cents, "earned_at": self.earned_at.isoformat(), "source": self.source,
                "note": self.note}


def tips_json(staff_id: str, tips: list[Tip]) -> dict:
    return {"staff_id": staff_id, "total_tip_cents": sum(t.tip_cents for t in tips),
            "tips": [t.as_json() for t in tips]}
