"""The tax service's queries, one repository per table family, each working in a unit of work's session.

The paycheck ledger has its own module (`ledger_repo.py`: idempotent inserts and the YTD sums).
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from tax.adapters.orm import (
    EmployerSutaRate,
    EmployerTaxSettings,
    LocationTaxArea,
    PayrollTaxRule,
    RuleRevision,
    SalesTaxRate,
    TaxAreaJurisdiction,
)


class RuleRevisionRepository:
    """Changes to a rule domain's tables ("payroll" or "sales"); the newest id is the current revision."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, domain: str) -> int:
        return self.session.scalar(select(func.max(RuleRevision.id)).where(RuleRevision.domain == domain)) or 0

    def lock(self, domain: str) -> None:
        """One change per domain at a time (until the transaction ends): two admins closing the same
        open row would both succeed otherwise."""
        self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"tax.rules.{domain}"})

    def add(self, domain: str, actor: str, note: str) -> int:
        revision = RuleRevision(domain=domain, created_by=actor, note=note)
        self.session.add(revision)
        self.session.flush()
        return revision.id


class PayrollRuleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _at_revision(revision: int):
        """The rows that made up the tables as of `revision`."""
        return (PayrollTaxRule.revision_added <= revision) & or_(
            PayrollTaxRule.revision_retired.is_(None), PayrollTaxRule.revision_retired > revision)

    def at_revision(self, revision: int, jurisdiction: str | None = None, tax: str | None = None,
                    key: str | None = None) -> list[PayrollTaxRule]:
        query = select(PayrollTaxRule).where(self._at_revision(revision))
        for column, value in ((PayrollTaxRule.jurisdiction, jurisdiction), (PayrollTaxRule.tax, tax),
                              (PayrollTaxRule.key, key)):
            if value:
                query = query.where(column == value)
        return list(self.session.scalars(query.order_by(PayrollTaxRule.jurisdiction, PayrollTaxRule.tax,
                                                        PayrollTaxRule.key, PayrollTaxRule.effective_from)))

    def rows_at(self, revision: int) -> list[dict[str, Any]]:
        """The engine's rows as of `revision` (what the rules cache loads)."""
        return [row.as_row() for row in self.at_revision(revision)]

    def current(self) -> list[PayrollTaxRule]:
        """Rows not retired by a later change."""
        return list(self.session.scalars(select(PayrollTaxRule).where(PayrollTaxRule.revision_retired.is_(None))))

    def add(self, row: PayrollTaxRule) -> None:
        self.session.add(row)


class SalesRateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, jurisdiction_id: str | None = None) -> list[SalesTaxRate]:
        """Rate rows not retired by a later change, by jurisdiction and start."""
        query = select(SalesTaxRate).where(SalesTaxRate.revision_retired.is_(None))
        if jurisdiction_id:
            query = query.where(SalesTaxRate.jurisdiction_id == jurisdiction_id)
        return list(self.session.scalars(query.order_by(SalesTaxRate.jurisdiction_id, SalesTaxRate.effective_from)))

    def rows_at(self, revision: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(rate rows, area rows) as of `revision`, in the engine's shape (what the rates cache loads)."""
        at = (SalesTaxRate.revision_added <= revision) & or_(
            SalesTaxRate.revision_retired.is_(None), SalesTaxRate.revision_retired > revision)
        rates = self.session.scalars(select(SalesTaxRate).where(at)
                                     .order_by(SalesTaxRate.jurisdiction_id, SalesTaxRate.effective_from))
        return [row.as_row() for row in rates], self.area_rows()

    def area_rows(self) -> list[dict[str, Any]]:
        """Which jurisdictions each tax area lies in (the engine calls a tax area its location_id)."""
        return [{"location_id": r.tax_area, "jurisdiction_id": r.jurisdiction_id, "source": r.source}
                for r in self.session.scalars(select(TaxAreaJurisdiction).order_by(TaxAreaJurisdiction.id))]

    def area_exists(self, tax_area: str) -> bool:
        return self.session.scalars(select(TaxAreaJurisdiction.id)
                                    .where(TaxAreaJurisdiction.tax_area == tax_area)).first() is not None

    def add(self, row: SalesTaxRate) -> None:
        self.session.add(row)


class LocationTaxAreaRepository:
    """A tenant's locations and the tax area each is taxed in."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def tax_area_of(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> str | None:
        return self.session.scalars(select(LocationTaxArea.tax_area).where(
            LocationTaxArea.tenant_id == tenant_id, LocationTaxArea.location_id == location_id,
            LocationTaxArea.deleted_at.is_(None))).first()

    def get(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> LocationTaxArea | None:
        """The row, even soft-deleted (setting an area again revives it)."""
        return self.session.scalars(select(LocationTaxArea).where(
            LocationTaxArea.tenant_id == tenant_id, LocationTaxArea.location_id == location_id)).first()

    def add(self, row: LocationTaxArea) -> None:
        self.session.add(row)


class EmployerSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: uuid.UUID) -> EmployerTaxSettings | None:
        return self.session.get(EmployerTaxSettings, tenant_id)

    def suta_rates(self, tenant_id: uuid.UUID) -> list[EmployerSutaRate]:
        return list(self.session.scalars(select(EmployerSutaRate).where(EmployerSutaRate.tenant_id == tenant_id)
                                         .order_by(EmployerSutaRate.state, EmployerSutaRate.effective_from)))

    def add(self, row: EmployerTaxSettings) -> None:
        self.session.add(row)

    def replace_suta_rates(self, tenant_id: uuid.UUID, rates: list[EmployerSutaRate]) -> None:
        self.session.execute(delete(EmployerSutaRate).where(EmployerSutaRate.tenant_id == tenant_id))
        self.session.add_all(rates)
