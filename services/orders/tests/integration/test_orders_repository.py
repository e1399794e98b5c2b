"""OrderRepository and OrdersUnitOfWork against real PostgreSQL: rows <-> domain, changes written at
commit, the idempotency constraint as a domain exception, the report query, the outbox."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from auraconnect.orders.v1 import events_pb2
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain.order import CANCELLED, IN_KITCHEN, IdempotencyKeyTaken, LineInput, Order, SalesTax
from sqlalchemy import text

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 12, 30, tzinfo=UTC)


@pytest.fixture
def uow(orders_db):
    sessions, _ = orders_db
    return lambda: OrdersUnitOfWork(sessions, "/auraconnect/orders")


def new_order(tenant: uuid.UUID, location: uuid.UUID | None = None, key: str | None = None,
              placed_at: datetime = NOW, tip: int = 100) -> Order:
    order = Order.place(tenant_id=tenant, location_id=location or uuid.uuid4(), server_staff_id=uuid.uuid4(),
                        lines=[LineInput("Soup", 2, 500), LineInput("Lager", 1, 700, "alcohol", 100)],
                        tip_cents=tip, placed_at=placed_at, new_id=uuid.uuid4, idempotency_key=key)
    order.apply_tax(SalesTax(1600, 140, {str(order.lines[0].line_id): 80, str(order.lines[1].line_id): 60}, "s-1"))
    return order


def save(uow, order: Order) -> Order:
    with uow() as u:
        u.orders.add(order)
        u.add_event("orders.order.v1", str(order.order_id), events_pb2.OrderPlaced())
        u.commit()
    return order


def outbox_count(uow, order: Order) -> int:
    with uow() as u:
        return u.session.execute(text("SELECT count(*) FROM outbox WHERE message_key = :k"),
                                 {"k": str(order.order_id)}).scalar_one()


def test_an_order_reads_back_as_it_was_written(uow):
    tenant = uuid.uuid4()
    order = save(uow, new_order(tenant, key="k-1"))
    with uow() as u:
        loaded = u.orders.get(tenant, order.order_id)
        assert loaded == order and loaded.total_cents == 1600 + 140 + 100
        assert u.orders.get_by_idempotency_key(tenant, "k-1") == order
        assert u.orders.get(uuid.uuid4(), order.order_id) is None  # another tenant's
    assert outbox_count(uow, order) == 1


def test_changes_are_written_at_commit_and_only_then(uow):
    tenant = uuid.uuid4()
    order = save(uow, new_order(tenant))
    with uow() as u:
        u.orders.get(tenant, order.order_id, for_update=True).move_to(IN_KITCHEN)
        # no commit: rolled back
    with uow() as u:
        assert u.orders.get(tenant, order.order_id).status == "placed"
        u.orders.get(tenant, order.order_id, for_update=True).cancel()
        u.commit()
    with uow() as u:
        assert u.orders.get(tenant, order.order_id).status == CANCELLED


def test_a_taken_idempotency_key_is_a_domain_exception_and_rolls_back_the_event(uow):
    tenant = uuid.uuid4()
    save(uow, new_order(tenant, key="same"))
    second = new_order(tenant, key="same")
    with pytest.raises(IdempotencyKeyTaken):
        save(uow, second)
    assert outbox_count(uow, second) == 0
    save(uow, new_order(uuid.uuid4(), key="same"))  # another tenant may use the same key


def test_sales_by_location_sums_the_period_and_leaves_out_cancelled(uow):
    tenant, here, there = uuid.uuid4(), uuid.UUID(int=1), uuid.UUID(int=2)
    kept = [save(uow, new_order(tenant, here, tip=100)), save(uow, new_order(tenant, here, tip=250)),
            save(uow, new_order(tenant, there))]
    cancelled = save(uow, new_order(tenant, here))
    with uow() as u:
        u.orders.get(tenant, cancelled.order_id, for_update=True).cancel()
        u.commit()
    save(uow, new_order(tenant, here, placed_at=NOW + timedelta(days=1)))  # outside the period
    save(uow, new_order(uuid.uuid4(), here))  # another tenant
    with uow() as u:
        sales = u.orders.sales_by_location(tenant, NOW.replace(hour=0, minute=0), NOW + timedelta(hours=1))
    assert [(s.location_id, s.orders, s.tip_cents, s.total_cents) for s in sales] == [
        (here, 2, 350, kept[0].total_cents + kept[1].total_cents), (there, 1, 100, kept[2].total_cents)]
