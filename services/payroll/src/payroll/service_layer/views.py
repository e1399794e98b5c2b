"""Use-case results as the JSON the REST API answers with (one mapping per aggregate)."""
from __future__ import annotations

from payroll.adapters.orm import TipRecord


def tip_json(record: TipRecord) -> dict:
    return {"tip_record_id": str(record.id), "staff_id": str(record.staff_id),
            "order_id": str(record.order_id) if record.order_id else None, "location_id": str(record.location_id),
            "tip_cents": record.tip_cents, "earned_at": record.earned_at.isoformat(), "source": record.source,
            "note": record.note}


def tips_json(staff_id: str, records: list[TipRecord]) -> dict:
    return {"staff_id": staff_id, "total_tip_cents": sum(r.tip_cents for r in records),
            "tips": [tip_json(r) for r in records]}
