"""payroll's unit of work: one transaction, its repositories and the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from payroll.adapters.repositories import TipRepository


class PayrollUnitOfWork(SqlUnitOfWork):
    tips: TipRepository

    def _open(self, session: Session) -> None:
        self.tips = TipRepository(session)
