"""The paycheck ledger table: idempotent inserts, YTD sums, one worker's records for a year."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from tax.adapters.orm import PaycheckLedgerEntry as L
from tax.domain.ledger import AMOUNT_FIELDS, PaycheckRecord

_RECORD_COLUMNS = ("tenant_id", "employee_id", "paycheck_id", "pay_date", "tax_year", "worker_type",
                   "employee_display_name", "ssn_last4", "rules_version", "pay_frequency", "payment_type",
                   "work_state", "locality_code", "locality_resident", "nec_state", "finalized_at")


def _sum(expression):
    return func.coalesce(func.sum(expression), 0)


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def insert_paycheck(self, record: PaycheckRecord, source: str, event_id: str | None) -> str | None:
        """Insert once per (tenant, paycheck_id). Returns None when inserted, else the stored content hash."""
        values = {name: getattr(record, name) for name in _RECORD_COLUMNS}
        values |= dict(record.amounts)
        values |= {"id": uuid.uuid4(), "content_hash": record.content_hash(), "source": source, "event_id": event_id}
        inserted = self.session.execute(
            insert(L).values(**values).on_conflict_do_nothing(index_elements=["tenant_id", "paycheck_id"])
            .returning(L.id)).first()
        if inserted is not None:
            return None
        return self.session.scalar(select(L.content_hash).where(L.tenant_id == record.tenant_id,
                                                               L.paycheck_id == record.paycheck_id))

    def ytd_sums(self, tenant_id: uuid.UUID, tax_year: int, employee_ids: Iterable[uuid.UUID],
                 through: date | None) -> dict[uuid.UUID, dict[str, dict[str, Decimal]]]:
        """Per employee and work state, the sums year_to_date() needs, over paychecks paid on or before
        `through` (None: the whole year). One query for a whole pay run."""
        supplemental = case((L.payment_type == "supplemental", L.tw_federal_income_tax), else_=0)
        query = (select(L.employee_id, L.work_state, func.count().label("paychecks"),
                        _sum(L.wages + L.tips).label("wages"), _sum(L.tw_social_security).label("ss_wages"),
                        _sum(L.tw_medicare).label("medicare_wages"), _sum(L.tw_futa).label("futa_wages"),
                        _sum(L.tw_suta).label("suta_wages"), _sum(L.tw_state).label("state_wages"),
                        _sum(supplemental).label("supplemental_wages"), _sum(L.ee_social_security).label("ss_tax"))
                 .where(L.tenant_id == tenant_id, L.tax_year == tax_year, L.worker_type == "employee",
                        L.employee_id.in_(list(employee_ids)))
                 .group_by(L.employee_id, L.work_state))
        if through is not None:
            query = query.where(L.pay_date <= through)
        out: dict[uuid.UUID, dict[str, dict[str, Decimal]]] = {}
        for row in self.session.execute(query).mappings():
            sums = dict(row)
            out.setdefault(sums.pop("employee_id"), {})[sums.pop("work_state")] = sums
        return out

    def totals(self, tenant_id: uuid.UUID, employee_id: uuid.UUID, tax_year: int,
               through: date | None) -> dict[str, Decimal]:
        """Every amount column summed over the employee's paychecks of the year (for the YTD report)."""
        query = (select(*(_sum(getattr(L, name)).label(name) for name in AMOUNT_FIELDS))
                 .where(L.tenant_id == tenant_id, L.employee_id == employee_id, L.tax_year == tax_year,
                        L.worker_type == "employee"))
        if through is not None:
            query = query.where(L.pay_date <= through)
        return dict(self.session.execute(query).mappings().one())

    def knows_worker(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> bool:
        """Whether any paycheck of this worker was recorded for this tenant (in any year)."""
        query = select(L.id).where(L.tenant_id == tenant_id, L.employee_id == employee_id).limit(1)
        return self.session.scalar(query) is not None

    def records_for(self, tenant_id: uuid.UUID, employee_id: uuid.UUID, tax_year: int) -> list[PaycheckRecord]:
        rows = self.session.scalars(select(L).where(L.tenant_id == tenant_id, L.employee_id == employee_id,
                                                    L.tax_year == tax_year).order_by(L.pay_date, L.paycheck_id))
        return [PaycheckRecord(**{name: getattr(row, name) for name in _RECORD_COLUMNS},
                               amounts={name: getattr(row, name) for name in AMOUNT_FIELDS}) for row in rows]
