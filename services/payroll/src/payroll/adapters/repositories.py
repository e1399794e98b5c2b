"""Queries of payroll's aggregates, one repository each, working inside a unit of work's session.

Reads of live records leave soft-deleted rows out; a repository never commits."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from payroll.adapters.orm import TipRecord


class TipRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: TipRecord) -> None:
        self.session.add(record)

    def get(self, tenant_id: uuid.UUID, tip_record_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        """A live tip record of the tenant; `for_update` locks it until the unit of work ends."""
        query = select(TipRecord).where(TipRecord.id == tip_record_id, TipRecord.tenant_id == tenant_id,
                                        TipRecord.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_order(self, order_id: uuid.UUID) -> TipRecord | None:
        """The tip credited for an order, voided or not (an order credits a tip once, ever)."""
        return self.session.scalars(select(TipRecord).where(TipRecord.order_id == order_id)).first()

    def for_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> list[TipRecord]:
        """A staff member's live tips, oldest first."""
        return list(self.session.scalars(select(TipRecord).where(
            TipRecord.tenant_id == tenant_id, TipRecord.staff_id == staff_id,
            TipRecord.deleted_at.is_(None)).order_by(TipRecord.earned_at, TipRecord.id)))
