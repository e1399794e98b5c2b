"""PricingRuleRepository against real PostgreSQL (migration 0003): rules read back exactly as written
(Decimal percents, windows, arrays, dates), location filters, soft delete, tenants apart, and the
use cases that the checks call running on the real unit of work."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain.pricing import (
    BasketLine,
    BuyXGetY,
    LineDiscount,
    PercentOff,
    PricingRule,
    Target,
    TimeWindow,
    deactivated,
)
from orders.service_layer import pricing

pytestmark = pytest.mark.integration


@pytest.fixture
def uow(orders_db):
    sessions, _ = orders_db
    return lambda: OrdersUnitOfWork(sessions, "/auraconnect/orders")


def new_rule(tenant: uuid.UUID, location: uuid.UUID | None = None, **changes) -> PricingRule:
    return PricingRule(**{
        "rule_id": str(uuid.uuid4()), "tenant_id": tenant, "name": "Happy hour", "effect": PercentOff(Decimal("12.5")),
        "location_id": location, "target": Target(frozenset({"i-1"}), frozenset({"drinks"}), frozenset({"bar", "cold"})),
        "windows": (TimeWindow(frozenset({0, 4}), time(16), time(18)), TimeWindow(frozenset({5}), time(22), time(2))),
        "min_quantity": 2, "starts_on": date(2026, 1, 1), "ends_on": date(2026, 12, 31), "priority": 7,
        "exclusive": True, **changes})


def save(uow, *rules: PricingRule) -> None:
    with uow() as u:
        for rule in rules:
            u.pricing_rules.add(rule)
        u.commit()


def test_a_rule_reads_back_as_it_was_written(uow):
    tenant = uuid.uuid4()
    rule = new_rule(tenant, uuid.uuid4())
    plain = new_rule(tenant, effect=BuyXGetY(2, 1, Decimal("50.25")), target=Target(), windows=(), starts_on=None,
                     ends_on=None, exclusive=False, min_quantity=1)
    save(uow, rule, plain)
    with uow() as u:
        assert u.pricing_rules.get(tenant, uuid.UUID(rule.rule_id)) == rule
        assert u.pricing_rules.get(tenant, uuid.UUID(plain.rule_id)) == plain
        assert u.pricing_rules.get(uuid.uuid4(), uuid.UUID(rule.rule_id)) is None  # another tenant's


def test_nothing_is_stored_without_a_commit(uow):
    tenant = uuid.uuid4()
    rule = new_rule(tenant)
    with uow() as u:
        u.pricing_rules.add(rule)
    with uow() as u:
        assert u.pricing_rules.get(tenant, uuid.UUID(rule.rule_id)) is None


def test_lists_filter_by_location_and_activity_and_sort_by_priority(uow):
    tenant, here, there = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    everywhere = new_rule(tenant, priority=1)
    mine = new_rule(tenant, here, priority=9)
    theirs = new_rule(tenant, there, priority=5)
    sleeping = new_rule(tenant, here, priority=3, active=False)
    save(uow, everywhere, mine, theirs, sleeping, new_rule(uuid.uuid4()))
    with uow() as u:
        assert u.pricing_rules.list(tenant) == [mine, theirs, sleeping, everywhere]
        assert u.pricing_rules.list(tenant, here) == [mine, sleeping, everywhere]
        assert u.pricing_rules.active_at(tenant, here) == [mine, everywhere]


def test_update_and_soft_delete(uow):
    tenant = uuid.uuid4()
    rule = new_rule(tenant)
    save(uow, rule)
    with uow() as u:
        current = u.pricing_rules.get(tenant, uuid.UUID(rule.rule_id), for_update=True)
        u.pricing_rules.update(deactivated(current))
        u.commit()
    with uow() as u:
        stored = u.pricing_rules.get(tenant, uuid.UUID(rule.rule_id))
        assert (stored.active, stored.version) == (False, 2)
        assert u.pricing_rules.delete(tenant, uuid.UUID(rule.rule_id), datetime(2026, 3, 1, tzinfo=UTC))
        u.commit()
    with uow() as u:
        assert u.pricing_rules.get(tenant, uuid.UUID(rule.rule_id)) is None
        assert u.pricing_rules.list(tenant) == []
        assert not u.pricing_rules.delete(tenant, uuid.UUID(rule.rule_id))


def test_discounts_for_runs_on_the_real_unit_of_work(uow):
    tenant, here = uuid.uuid4(), uuid.uuid4()
    rule = new_rule(tenant, here, effect=PercentOff(Decimal(20)), target=Target(categories=frozenset({"drinks"})),
                    min_quantity=1, exclusive=False)
    save(uow, rule)
    lines = [BasketLine("a", 2, 700, category="drinks"), BasketLine("b", 1, 1200, category="food")]
    monday_5pm = datetime(2026, 3, 16, 17, 0)
    assert pricing.discounts_for(uow, tenant, here, lines, monday_5pm) == [
        LineDiscount("a", rule.rule_id, "Happy hour", 280)]
    assert pricing.discounts_for(uow, tenant, uuid.uuid4(), lines, monday_5pm) == []
