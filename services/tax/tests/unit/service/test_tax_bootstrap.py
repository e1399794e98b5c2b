"""bootstrap() takes fakes for every part, and the use cases run on them without a database or Redis."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from chassis.errors import InvalidInput, NotFound
from chassis.uow import FakeUnitOfWork
from tax.bootstrap import TaxContainer, bootstrap
from tax.config import Settings
from tax.domain.sales import build_rate_table
from tax.rules import load_rulebook
from tax.rules.sales_data import load_sales_rows
from tax.service_layer import ledger, sales, withholding

REQUEST = {"pay_date": "2026-03-06", "pay_frequency": "biweekly", "payment_type": "regular", "wages": "2000.00",
           "work_state": "TX", "federal": {"form_version": "2020", "filing_status": "single"},
           "ytd": {"wages": "0.00"}, "employer": {"suta_rate": "0.027", "suta_wage_base": "9000.00"}}


class FakeLedger:
    def __init__(self) -> None:
        self.sums: dict = {}

    def ytd_sums(self, tenant_id, tax_year, employee_ids, through):
        return {e: self.sums[e] for e in employee_ids if e in self.sums}

    def knows_worker(self, tenant_id, employee_id) -> bool:
        return False


class FakeEmployerSettings:
    def get(self, tenant_id):
        return None

    def suta_rates(self, tenant_id):
        return []


class FakeLocations:
    def __init__(self) -> None:
        self.areas: dict = {}

    def tax_area_of(self, tenant_id, location_id):
        return self.areas.get((tenant_id, location_id))


class FakeTaxUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("/auraconnect/tax")
        self.ledger = FakeLedger()
        self.employer_settings = FakeEmployerSettings()
        self.locations = FakeLocations()
        self.opened = 0

    def _begin(self) -> None:
        super()._begin()
        self.opened += 1


class FixedRules:
    def book(self):
        return load_rulebook()


class FixedRates:
    def __init__(self) -> None:
        rows = load_sales_rows()
        self.table = build_rate_table(rows.jurisdiction_rates, rows.location_jurisdictions)

    def get(self):
        return self.table


@pytest.fixture
def fake() -> FakeTaxUnitOfWork:
    return FakeTaxUnitOfWork()


@pytest.fixture
def container(fake) -> TaxContainer:
    config = Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="tax")
    return bootstrap(config, uow=lambda: fake, clock=lambda: datetime(2026, 3, 6, tzinfo=UTC),
                     payroll_rules=FixedRules(), sales_rates=FixedRates())


def test_fakes_replace_the_database(container):
    assert container.engine is None
    assert container.clock() == datetime(2026, 3, 6, tzinfo=UTC)


def test_a_complete_pay_run_opens_no_unit_of_work(container, fake):
    """The batch path's cost: requests with ytd and employer go straight to the engine."""
    requests = withholding.JsonRequests([REQUEST, REQUEST | {"wages": "3000.00"}])
    calculated = withholding.calculate(container.uow, container.payroll_rules, uuid.uuid4(), requests, batch=True)
    assert len(calculated.results) == 2 and fake.opened == 0


def test_missing_ytd_comes_from_the_ledger_in_one_unit_of_work(container, fake):
    body = {k: v for k, v in REQUEST.items() if k not in ("ytd", "employer")} | {"employee_id": str(uuid.uuid4())}
    calculated = withholding.calculate(container.uow, container.payroll_rules, uuid.uuid4(),
                                       withholding.JsonRequests([body]))
    assert calculated.ytd_from_ledger == [True] and fake.opened == 1 and fake.commits == 0


def test_bad_employee_ids_name_the_request(container):
    body = {k: v for k, v in REQUEST.items() if k != "ytd"} | {"employee_id": "emp-7"}
    with pytest.raises(InvalidInput) as error:
        withholding.calculate(container.uow, container.payroll_rules, uuid.uuid4(),
                              withholding.JsonRequests([REQUEST, body]), batch=True)
    assert error.value.field == "requests[1].employee_id"


def test_sales_tax_at_a_location_with_no_area_is_not_found(container):
    with pytest.raises(NotFound):
        sales.calculate_for_location(container.uow, container.sales_rates, uuid.uuid4(),
                                     {"location_id": str(uuid.uuid4()), "lines": []})
    with pytest.raises(InvalidInput) as error:
        sales.calculate_for_location(container.uow, container.sales_rates, uuid.uuid4(), {"location_id": "x"})
    assert error.value.field == "location_id"


def test_an_unknown_worker_has_no_ytd_report(container):
    with pytest.raises(NotFound):
        ledger.ytd_report(container.uow, uuid.uuid4(), uuid.uuid4(), 2026)
