"""OrderRepository, IdempotencyRepository and OrdersUnitOfWork against real PostgreSQL: rows <-> domain
(lines, modifiers, history, versions), changes written at commit, the unique keys as a domain exception,
the listing's keyset pages, the idempotency store, the report query, the outbox."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from auraconnect.orders.v1 import events_pb2
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain.idempotency import StoredResponse
from orders.domain.listing import OrderFilter
from orders.domain.order import (
    CANCELLED,
    SENT,
    AppliedDiscount,
    CheckDetails,
    IdempotencyKeyTaken,
    LineInput,
    Modifier,
    Order,
    SalesTax,
)
from sqlalchemy import text

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 12, 30, tzinfo=UTC)


@pytest.fixture
def uow(orders_db):
    sessions, _ = orders_db
    return lambda: OrdersUnitOfWork(sessions, "/auraconnect/orders")


ACTOR = str(uuid.UUID(int=7))


def new_order(tenant: uuid.UUID, location: uuid.UUID | None = None, key: str | None = None,
              placed_at: datetime = NOW, tip: int = 100, details: CheckDetails | None = None) -> Order:
    burger = LineInput("Burger", 1, 1550, item_id=uuid.uuid4(), modifiers=(Modifier("m-1", "Cheddar", 150),),
                       seat=2, course="main", notes="no onions", kitchen_tags=("grill", "hot"),
                       prep_time_seconds=600, menu_category_id=uuid.UUID(int=7))
    order = Order.place(tenant_id=tenant, location_id=location or uuid.uuid4(), server_staff_id=uuid.uuid4(),
                        lines=[LineInput("Soup", 2, 500), LineInput("Lager", 1, 700, "alcohol", 100), burger],
                        tip_cents=tip, placed_at=placed_at, new_id=uuid.uuid4, idempotency_key=key,
                        details=details)
    order.apply_tax(SalesTax(1600, 140, {str(order.lines[0].line_id): 80, str(order.lines[1].line_id): 60}, "s-1"))
    order.lines[1].discounts = (AppliedDiscount("rule-1", "Happy hour", 100),)
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
        u.orders.get(tenant, order.order_id, for_update=True).move_to(SENT, actor_id=ACTOR, at=NOW,
                                                                      new_id=uuid.uuid4)
        # no commit: rolled back
    with uow() as u:
        assert u.orders.get(tenant, order.order_id).status == "open"
        u.orders.get(tenant, order.order_id, for_update=True).cancel(actor_id=ACTOR, at=NOW, new_id=uuid.uuid4)
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
        u.orders.get(tenant, cancelled.order_id, for_update=True).cancel(actor_id=ACTOR, at=NOW, new_id=uuid.uuid4)
        u.commit()
    save(uow, new_order(tenant, here, placed_at=NOW + timedelta(days=1)))  # outside the period
    save(uow, new_order(uuid.uuid4(), here))  # another tenant
    with uow() as u:
        sales = u.orders.sales_by_location(tenant, NOW.replace(hour=0, minute=0), NOW + timedelta(hours=1))
    assert [(s.location_id, s.orders, s.tip_cents, s.total_cents) for s in sales] == [
        (here, 2, 350, kept[0].total_cents + kept[1].total_cents), (there, 1, 100, kept[2].total_cents)]


def test_a_check_lives_through_service_and_reads_back_with_its_history(uow):
    tenant = uuid.uuid4()
    order = save(uow, new_order(tenant, details=CheckDetails("dine_in", "counter", "12", 2, "birthday")))
    later = NOW + timedelta(minutes=5)
    with uow() as u:
        check = u.orders.get(tenant, order.order_id, for_update=True)
        check.hold_course("main", actor_id=ACTOR, at=later, new_id=uuid.uuid4)
        check.add_lines([LineInput("Fries", 1, 450, course="main")], actor_id=ACTOR, at=later, new_id=uuid.uuid4)
        check.void_line(check.lines[0].line_id, reason="wrong soup", actor_id=ACTOR, at=later, new_id=uuid.uuid4)
        check.move_to(SENT, actor_id=ACTOR, at=later, new_id=uuid.uuid4)
        check.fire_course("main", actor_id=ACTOR, at=later, new_id=uuid.uuid4)
        u.commit()
        expected = check
    with uow() as u:
        loaded = u.orders.get(tenant, order.order_id)
    assert loaded == expected
    assert (loaded.table, loaded.guest_count, loaded.version, loaded.status) == ("12", 2, 6, SENT)
    assert loaded.lines[2].modifiers == (Modifier("m-1", "Cheddar", 150),)
    assert loaded.lines[2].kitchen_tags == ("grill", "hot") and loaded.lines[3].addition is False
    assert loaded.lines[1].discounts == (AppliedDiscount("rule-1", "Happy hour", 100),)
    assert loaded.lines[2].menu_category_id == uuid.UUID(int=7) and loaded.lines[0].discounts == ()
    assert loaded.lines[0].void_reason == "wrong soup" and loaded.held_courses == set()
    assert [h.kind for h in loaded.history] == ["status", "course_held", "lines_added",
                                                "line_voided", "status", "course_fired"]


def test_channel_and_external_id_enter_once(uow):
    tenant = uuid.uuid4()
    pos = CheckDetails("takeout", "pos:square", external_id="sq-1")
    first = save(uow, new_order(tenant, details=pos))
    with pytest.raises(IdempotencyKeyTaken):
        save(uow, new_order(tenant, details=pos))
    save(uow, new_order(tenant, details=CheckDetails("takeout", "pos:toast", external_id="sq-1")))
    with uow() as u:
        assert u.orders.get_by_external_id(tenant, "pos:square", "sq-1") == first


def test_listing_pages_newest_first_by_keyset(uow):
    tenant, here = uuid.uuid4(), uuid.uuid4()
    made = [save(uow, new_order(tenant, here, placed_at=NOW + timedelta(minutes=m),
                                details=CheckDetails(table="12" if m % 2 else "7"))) for m in range(5)]
    with uow() as u:
        first = u.orders.list(tenant, OrderFilter(location_ids=(here,)), 2)
    assert [o.order_id for o in first] == [made[4].order_id, made[3].order_id]
    save(uow, new_order(tenant, here, placed_at=NOW + timedelta(hours=1)))  # inserted between pages
    with uow() as u:
        rest = u.orders.list(tenant, OrderFilter(location_ids=(here,), after=(first[-1].placed_at,
                                                                                first[-1].order_id)), 10)
        twelve = u.orders.list(tenant, OrderFilter(table="12", status="open", channel="counter",
                                                   business_date=NOW.date()), 10)
    assert [o.order_id for o in rest] == [made[2].order_id, made[1].order_id, made[0].order_id]
    assert {o.order_id for o in twelve} == {made[1].order_id, made[3].order_id}


def test_the_idempotency_store_keeps_the_first_answer(uow):
    tenant = uuid.uuid4()
    stored = StoredResponse(tenant, "k-1", "hash", 201, {"order_id": "x", "lines": []}, NOW, uuid.uuid4())
    with uow() as u:
        u.idempotency.add(stored)
        u.commit()
    with uow() as u, pytest.raises(IdempotencyKeyTaken):
        u.idempotency.add(stored)
    with uow() as u:
        assert u.idempotency.get(tenant, "k-1") == stored
        assert u.idempotency.get(uuid.uuid4(), "k-1") is None
        assert u.idempotency.purge(NOW + timedelta(seconds=1)) >= 1
        u.commit()
    with uow() as u:
        assert u.idempotency.get(tenant, "k-1") is None


def test_two_concurrent_edits_of_one_check_both_land(uow):
    """The row lock serializes them: the second reads the first's lines and version (no lost update)."""
    import threading

    tenant = uuid.uuid4()
    order = save(uow, new_order(tenant))
    first_has_lock, results = threading.Event(), {}

    def edit(name: str, hold: bool) -> None:
        with uow() as u:
            check = u.orders.get(tenant, order.order_id, for_update=True)
            if hold:
                first_has_lock.set()
                threading.Event().wait(0.5)  # the other edit waits on the row lock meanwhile
            check.add_lines([LineInput(name, 1, 100)], actor_id=ACTOR, at=NOW, new_id=uuid.uuid4)
            results[name] = check.version
            u.commit()

    first = threading.Thread(target=edit, args=("Tea", True))
    first.start()
    first_has_lock.wait(5)
    edit("Coffee", False)
    first.join(5)
    with uow() as u:
        loaded = u.orders.get(tenant, order.order_id)
    assert [line.name for line in loaded.lines][-2:] == ["Tea", "Coffee"]
    assert results == {"Tea": order.version + 1, "Coffee": order.version + 2} and loaded.version == order.version + 2
