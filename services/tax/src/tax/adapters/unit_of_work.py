"""The tax service's unit of work: one transaction, its repositories, and the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from tax.adapters.ledger_repo import LedgerRepository
from tax.adapters.repositories import (
    EmployerSettingsRepository,
    LocationTaxAreaRepository,
    PayrollRuleRepository,
    RuleRevisionRepository,
    SalesRateRepository,
)


class TaxUnitOfWork(SqlUnitOfWork):
    ledger: LedgerRepository
    employer_settings: EmployerSettingsRepository
    revisions: RuleRevisionRepository
    payroll_rules: PayrollRuleRepository
    sales_rates: SalesRateRepository
    locations: LocationTaxAreaRepository

    def _open(self, session: Session) -> None:
        # Plain objects over the session: creating them costs nothing, and no connection is taken
        # until a repository first queries (a pay run that needs no ledger data never takes one).
        self.ledger = LedgerRepository(session)
        self.employer_settings = EmployerSettingsRepository(session)
        self.revisions = RuleRevisionRepository(session)
        self.payroll_rules = PayrollRuleRepository(session)
        self.sales_rates = SalesRateRepository(session)
        self.locations = LocationTaxAreaRepository(session)
