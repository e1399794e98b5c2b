"""Payroll rules and sales rates as data in PostgreSQL: seeded by migration, versioned, shared through
Redis, changed only by adding effective-dated rows (service layer against the real stores)."""
from __future__ import annotations

from datetime import date

import pytest
from chassis.errors import Conflict, InvalidInput
from sqlalchemy import func, select
from tax.adapters.orm import PayrollTaxRule
from tax.adapters.payroll_rules import PayrollRules, rows_key
from tax.adapters.revisions import revision_key, rule_revision
from tax.adapters.sales_rates import CachedRates
from tax.rules import load_rows, load_rulebook
from tax.service_layer import rules_admin

DATES = [date(2025, 3, 7), date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 6), date(2026, 7, 10)]


class Published:
    """A RevisionPublisher that only remembers (for changes no cache in the test needs to see)."""

    def __init__(self) -> None:
        self.revisions: list[int] = []

    def publish(self, revision: int) -> None:
        self.revisions.append(revision)


def replica(uow, redis, check_seconds: float = 0.0) -> PayrollRules:
    """What one service process holds: its own watch and in-process RuleBook, the shared Redis."""
    return PayrollRules(uow, redis, rule_revision(uow, redis, "payroll", check_seconds))


def current_revision(uow, domain: str) -> int:
    with uow() as work:
        return work.revisions.current(domain)


def test_migration_loads_every_packaged_row_with_its_source(sessions, uow):
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PayrollTaxRule)) == len(load_rows()) == 105
    with uow() as work:
        rows = work.payroll_rules.rows_at(work.revisions.current("payroll"))
    key = lambda r: (r["jurisdiction"], r["tax"], r["key"], r["effective_from"])  # noqa: E731
    assert sorted(rows, key=key) == sorted(load_rows(), key=key)  # value, brackets, JSON null and source intact


def test_rules_from_the_database_have_the_packaged_versions(uow, redis):
    book = replica(uow, redis).book()
    for day in DATES:
        assert book.for_date(day).version == load_rulebook().for_date(day).version


def test_rows_are_shared_through_redis_by_revision(uow, redis):
    first = replica(uow, redis)
    first.book()
    revision = first.revision
    assert int(redis.get(revision_key("payroll"))) == revision
    assert redis.get(rows_key(revision)) is not None
    # A second replica reads the rows from Redis, not PostgreSQL.
    def no_database():
        raise AssertionError("the second replica should not need PostgreSQL")

    second = replica(no_database, redis)
    assert second.book().for_date(DATES[3]).version == first.book().for_date(DATES[3]).version


def test_redis_down_falls_back_to_postgresql(uow):
    import redis as redis_lib

    dead = redis_lib.Redis(host="127.0.0.1", port=1, socket_timeout=0.2, socket_connect_timeout=0.2)
    book = replica(uow, dead).book()
    assert book.for_date(DATES[3]).version == load_rulebook().for_date(DATES[3]).version


SS_BASE_2027 = {"jurisdiction": "US", "tax": "fica", "key": "ss_wage_base", "effective_from": "2027-01-01",
                "effective_to": "2027-12-31", "value": "190800", "source": "test: projected 2027 base"}


def test_adding_a_row_bumps_the_revision_and_every_replica_moves(uow, redis):
    a, b = replica(uow, redis), replica(uow, redis)
    old = a.book().for_date(date(2026, 7, 10)).version
    assert b.book().for_date(date(2026, 7, 10)).version == old
    before = a.revision
    # Philadelphia's FY2027 wage tax (from 2026-07-01) closes the open-ended FY2026 row.
    row = {"jurisdiction": "PA-PHILADELPHIA", "tax": "local_income_tax", "key": "resident_rate",
           "effective_from": "2026-07-01", "effective_to": None, "value": "0.0370",
           "source": "test: City of Philadelphia FY2027 budget"}
    added = rules_admin.add_payroll_rule(uow, row, "admin@test", a.watch)  # publishes after the commit
    assert added["revision"] > before
    assert [c["effective_to"] for c in added["closed"]] == ["2026-06-30"]
    for r in (a, b):  # b learns it through Redis
        book = r.book()
        assert r.revision == added["revision"]
        assert book.for_date(date(2026, 7, 10)).version != old
        assert book.for_date(date(2026, 7, 10)).value("PA-PHILADELPHIA", "local_income_tax", "resident_rate") \
            == __import__("decimal").Decimal("0.0370")
        assert book.for_date(date(2026, 3, 6)).value("PA-PHILADELPHIA", "local_income_tax", "resident_rate") \
            == __import__("decimal").Decimal("0.0374")
    # The tables as of the earlier revision are still there for an audit.
    listed = rules_admin.list_payroll_rules(uow, as_of=date(2026, 7, 10), jurisdiction="PA-PHILADELPHIA",
                                            key="resident_rate", revision=before)
    assert [r["value"] for r in listed["rows"]] == ["0.0374"]
    assert listed["rules_version"] == old


def test_next_years_row_can_be_loaded_before_the_rest_of_that_year(uow):
    published = Published()
    added = rules_admin.add_payroll_rule(uow, SS_BASE_2027, "admin@test", published)
    assert added["closed"] == [] and published.revisions == [added["revision"]]
    listed = rules_admin.list_payroll_rules(uow, as_of=date(2027, 2, 1), key="ss_wage_base")
    assert [r["value"] for r in listed["rows"]] == ["190800"]


@pytest.mark.parametrize(("change", "field"), [
    ({"effective_from": "2026-13-01"}, "effective_from"),
    ({"value": 0.062}, "value"),  # floats never touch rule data
    ({"brackets": [{"at_least": "0", "base": "0"}]}, "value"),  # value and brackets together
    ({"source": " "}, "source"),
    ({"colour": "red"}, "colour"),
])
def test_malformed_rows_are_refused_naming_the_field(uow, change, field):
    row = {"jurisdiction": "US", "tax": "fica", "key": "ss_rate", "effective_from": "2026-09-01",
           "effective_to": None, "value": "0.063", "source": "test"} | change
    with pytest.raises(InvalidInput) as error:
        rules_admin.add_payroll_rule(uow, row, "admin@test", Published())
    assert error.value.field == field


def test_a_row_the_engine_cannot_use_is_refused_before_it_is_written(uow):
    row = {"jurisdiction": "US", "tax": "fica", "key": "ss_rate", "effective_from": "2026-09-01",
           "effective_to": None, "value": "six percent", "source": "test"}
    revision = current_revision(uow, "payroll")
    published = Published()
    with pytest.raises(InvalidInput) as error:
        rules_admin.add_payroll_rule(uow, row, "admin@test", published)
    assert error.value.field == "value" and "cannot use" in error.value.message
    assert current_revision(uow, "payroll") == revision and published.revisions == []


def test_overlapping_a_closed_period_is_a_conflict(uow):
    row = {"jurisdiction": "US", "tax": "fica", "key": "ss_wage_base", "effective_from": "2026-06-01",
           "effective_to": "2026-12-31", "value": "190000", "source": "test"}
    with pytest.raises(Conflict) as error:
        rules_admin.add_payroll_rule(uow, row, "admin@test", Published())
    assert error.value.field == "effective_from"


def test_sales_rate_row_closes_the_open_period_and_moves_the_cache(uow, redis):
    watch = rule_revision(uow, redis, "sales", 60.0)  # only the publish moves this process at once
    rates = CachedRates(uow, redis, watch)
    old = rates.get()
    current = rules_admin.list_sales_rates(uow, jurisdiction_id="us-pa")["rows"]
    assert [r["effective_to"] for r in current] == [None]
    added = rules_admin.add_sales_rate(uow, {"jurisdiction_id": "us-pa", "rate": "0.0650",
                                             "effective_from": "2027-01-01", "source": "test"}, "admin@test", watch)
    assert added["row"]["name"] == current[0]["name"] and added["row"]["level"] == "state"
    assert [c["effective_to"] for c in added["closed"]] == ["2026-12-31"]
    new = rates.get()
    assert new.version != old.version
    pa = sorted((r for r in new.rates if r.jurisdiction_id == "us-pa"), key=lambda r: r.effective_from)
    assert [(str(r.rate), r.effective_to) for r in pa] == [("0.06", date(2026, 12, 31)), ("0.0650", None)]


def test_sales_rate_errors_name_the_field(uow):
    with pytest.raises(InvalidInput) as error:
        rules_admin.add_sales_rate(uow, {"jurisdiction_id": "us-pa", "rate": "6.5", "effective_from": "2028-01-01",
                                         "source": "test"}, "admin@test", Published())
    assert error.value.field == "rate"
    with pytest.raises(InvalidInput) as error:
        rules_admin.add_sales_rate(uow, {"jurisdiction_id": "us-new", "rate": "0.01",
                                         "effective_from": "2028-01-01", "source": "test"}, "admin@test", Published())
    assert error.value.field == "level"  # the first missing column of a new jurisdiction
