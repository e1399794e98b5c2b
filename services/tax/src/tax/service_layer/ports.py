"""What the tax use cases need from outside, as Protocols: the bootstrap container supplies the real
adapters (PostgreSQL repositories in the unit of work, rule caches over Redis), tests supply fakes.

Use cases open a unit of work from a factory (`with uow() as work:`); besides chassis.uow.UnitOfWork,
it carries the repositories below as attributes (see `TaxUnitOfWork`).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from tax.adapters.orm import (
    EmployerSutaRate,
    EmployerTaxSettings,
    LocationTaxArea,
    PayrollTaxRule,
    SalesTaxRate,
)
from tax.domain.ledger import PaycheckRecord
from tax.domain.payroll import RuleBook
from tax.domain.sales import RateTable

# ---------------------------------------------------------------- caches and notifications


class PayrollRuleSource(Protocol):
    def book(self) -> RuleBook:
        """The RuleBook of the current payroll rules revision."""


class SalesRateSource(Protocol):
    def get(self) -> RateTable:
        """The rate tables of the current sales revision."""


class RevisionPublisher(Protocol):
    def publish(self, revision: int) -> None:
        """After the commit that added `revision`: every replica's cache moves to it."""


# ---------------------------------------------------------------- repositories


class LedgerRepository(Protocol):
    def insert_paycheck(self, record: PaycheckRecord, source: str, event_id: str | None) -> str | None:
        """None when inserted now, else the content hash stored for that paycheck_id."""

    def ytd_sums(self, tenant_id: uuid.UUID, tax_year: int, employee_ids: Iterable[uuid.UUID],
                 through: date | None) -> dict[uuid.UUID, dict[str, dict[str, Decimal]]]: ...

    def totals(self, tenant_id: uuid.UUID, employee_id: uuid.UUID, tax_year: int,
               through: date | None) -> dict[str, Decimal]: ...

    def knows_worker(self, tenant_id: uuid.UUID, employee_id: uuid.UUID) -> bool: ...

    def records_for(self, tenant_id: uuid.UUID, employee_id: uuid.UUID, tax_year: int) -> list[PaycheckRecord]: ...


class EmployerSettingsRepository(Protocol):
    def get(self, tenant_id: uuid.UUID) -> EmployerTaxSettings | None: ...

    def suta_rates(self, tenant_id: uuid.UUID) -> list[EmployerSutaRate]: ...

    def add(self, row: EmployerTaxSettings) -> None: ...

    def replace_suta_rates(self, tenant_id: uuid.UUID, rates: list[EmployerSutaRate]) -> None: ...


class RuleRevisionRepository(Protocol):
    def current(self, domain: str) -> int: ...

    def lock(self, domain: str) -> None: ...

    def add(self, domain: str, actor: str, note: str) -> int: ...


class PayrollRuleRepository(Protocol):
    def at_revision(self, revision: int, jurisdiction: str | None = None, tax: str | None = None,
                    key: str | None = None) -> list[PayrollTaxRule]: ...

    def rows_at(self, revision: int) -> list[dict[str, Any]]: ...

    def current(self) -> list[PayrollTaxRule]: ...

    def add(self, row: PayrollTaxRule) -> None: ...


class SalesRateRepository(Protocol):
    def current(self, jurisdiction_id: str | None = None) -> list[SalesTaxRate]: ...

    def area_rows(self) -> list[dict[str, Any]]: ...

    def area_exists(self, tax_area: str) -> bool: ...

    def add(self, row: SalesTaxRate) -> None: ...


class LocationTaxAreaRepository(Protocol):
    def tax_area_of(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> str | None: ...

    def get(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> LocationTaxArea | None: ...

    def add(self, row: LocationTaxArea) -> None: ...


class TaxUnitOfWork(Protocol):
    """chassis.uow.UnitOfWork with the tax repositories (the real one: tax.adapters.unit_of_work)."""

    ledger: LedgerRepository
    employer_settings: EmployerSettingsRepository
    revisions: RuleRevisionRepository
    payroll_rules: PayrollRuleRepository
    sales_rates: SalesRateRepository
    locations: LocationTaxAreaRepository

    def commit(self) -> None: ...

    def flush(self) -> None: ...


TaxUnitOfWorkFactory = Callable[[], AbstractContextManager[TaxUnitOfWork]]
