"""The pricing-read cache (adapters/menu_cache.py) against real PostgreSQL: a menu or pricing-rule
write seen by the next transaction on every worker (two caches stand for two worker processes), one
generation read per transaction, nothing cached across generations."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from orders.adapters.menu_cache import PricingReads
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain.menu import ITEM, Category, ItemSpec, MenuItem, new_override
from orders.domain.pricing import PercentOff, PricingRule
from orders.service_layer.menu import MenuFromUnitOfWork
from sqlalchemy import text

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 12, 30, tzinfo=UTC)


def build(uow, tenant: uuid.UUID) -> MenuItem:
    """A category and a 10.00 item in it."""
    category = Category.create(category_id=uuid.uuid4(), tenant_id=tenant, name="Mains", at=NOW)
    item = MenuItem.create(item_id=uuid.uuid4(), tenant_id=tenant, at=NOW, spec=ItemSpec(
        category_id=category.category_id, name="Burger", price_cents=1000))
    with uow() as u:
        u.menu.add_category(category)
        u.menu.add_item(item)
        u.commit()
    return item


def new_rule(tenant: uuid.UUID, location: uuid.UUID) -> PricingRule:
    return PricingRule(rule_id=str(uuid.uuid4()), tenant_id=tenant, name="Happy hour",
                       effect=PercentOff(Decimal("10")), location_id=location)


def worker(sessions) -> tuple:
    """A unit-of-work factory with a cache of its own, as one HTTP worker process has."""
    class OneWorker(OrdersUnitOfWork):
        pricing_reads = PricingReads()

    return (lambda: OneWorker(sessions, "/auraconnect/orders")), OneWorker.pricing_reads


@pytest.fixture
def sessions(orders_db):
    return orders_db[0]


def price(uow, tenant, location, item) -> int:
    return MenuFromUnitOfWork(uow).priced_item(tenant, location, item.item_id, [], NOW).unit_price_cents


def test_a_price_change_is_seen_by_the_next_order_on_every_worker(sessions):
    (first, first_cache), (second, second_cache) = worker(sessions), worker(sessions)
    tenant, here = uuid.uuid4(), uuid.uuid4()
    item = build(first, tenant)
    assert price(first, tenant, here, item) == price(second, tenant, here, item) == 1000
    assert price(first, tenant, here, item) == 1000 and first_cache.hits >= 1  # served from the cache
    with first() as u:  # the manager's change, through one worker
        override = new_override(tenant, here, ITEM, item.item_id, NOW)
        override.set(price_cents=1250, available=True, at=NOW)
        u.menu.save_override(override)
        u.commit()
    assert price(second, tenant, here, item) == 1250   # the other worker, whose cache held 1000
    assert price(first, tenant, here, item) == 1250
    misses = second_cache.misses
    assert price(second, tenant, here, item) == 1250 and second_cache.misses == misses  # cached again


def test_a_new_pricing_rule_is_seen_by_a_worker_that_cached_the_rules(sessions):
    (first, _), (second, _) = worker(sessions), worker(sessions)
    tenant, here = uuid.uuid4(), uuid.uuid4()
    with second() as u:
        assert u.pricing_rules.active_at(tenant, here) == []   # cached: no rules
    rule = new_rule(tenant, here)
    with first() as u:
        u.pricing_rules.add(rule)
        u.commit()
    with second() as u:
        assert [r.rule_id for r in u.pricing_rules.active_at(tenant, here)] == [rule.rule_id]


def test_any_statement_on_a_pricing_table_starts_a_new_generation(sessions):
    uow, _ = worker(sessions)
    generation = text("SELECT generation FROM menu_generation")
    with uow() as u:
        before = u.session.execute(generation).scalar_one()
        u.session.execute(text("UPDATE menu_items SET name = name WHERE false"))  # a data fix in psql, no rows
        u.commit()
    with uow() as u:
        assert u.session.execute(generation).scalar_one() == before + 1


def test_the_generation_is_read_once_per_transaction(sessions):
    reads = []

    class Counting(PricingReads):
        @staticmethod
        def generation(session):
            memo = session.info.get("orders.menu_generation")
            if memo is None or memo[0] is not session.get_transaction():
                reads.append(1)
            return PricingReads.generation(session)

    class OneWorker(OrdersUnitOfWork):
        pricing_reads = Counting()

    def uow():
        return OneWorker(sessions, "/auraconnect/orders")

    tenant, here = uuid.uuid4(), uuid.uuid4()
    item = build(uow, tenant)
    with uow() as u:
        u.menu.items_for_pricing(tenant, {item.item_id})
        u.menu.items_for_pricing(tenant, {item.item_id})
        u.menu.groups_for_pricing(tenant, set(item.modifier_group_ids))
        u.pricing_rules.active_at(tenant, here)
    with uow() as u:
        u.menu.items_for_pricing(tenant, {item.item_id})
    assert len(reads) == 2
