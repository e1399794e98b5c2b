"""Risk and report repositories against real PostgreSQL (migration head, 0007 included): the
consumer's handlers through chassis' idempotent consumer (a redelivered event is judged once), cases
as rows and back, the queue's keyset pages, settings, the usual-total and card-window queries, and
the day's report rows (menu categories, payments and refunds of the business day)."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from auraconnect.orders.v1 import events_pb2, orders_pb2, payments_pb2
from chassis.consumer import IdempotentConsumer, Subscription
from chassis.events import EventEnvelope
from chassis.timestamps import to_timestamp
from orders.adapters.orm_payments import PaymentRow, RefundRow
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain.order import LineInput, Order, SalesTax
from orders.domain.reports import daily_sales
from orders.domain.risk import Observation, ShiftKey
from orders.service_layer.risk_feed import RiskFeed
from sqlalchemy import text

pytestmark = pytest.mark.integration

EVENING = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)


@pytest.fixture
def uow(orders_db):
    sessions, _ = orders_db
    return lambda: OrdersUnitOfWork(sessions, "/auraconnect/orders")


class Zones:
    def time_zone(self, who, location_id):
        return "America/New_York"


def check(tenant, location, server, number: int, total: int = 2_000) -> orders_pb2.Order:
    return orders_pb2.Order(order_id=str(uuid.UUID(int=number)), tenant_id=str(tenant), location_id=str(location),
                            server_staff_id=str(server), total_cents=total, placed_at=to_timestamp(EVENING))


def record(message, topic="orders.order.v1", event_id=None):
    envelope = EventEnvelope(event_id or str(uuid.uuid4()), message.DESCRIPTOR.full_name, "/auraconnect/orders",
                             EVENING)
    return SimpleNamespace(headers=envelope.to_headers(), value=message.SerializeToString(), topic=topic,
                           partition=0, offset=0, key=b"k")


def test_three_voids_of_paid_checks_flag_the_shift_once_even_when_redelivered(uow):
    tenant, location, server = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    feed = RiskFeed(Zones(), uuid.uuid4, lambda: EVENING)
    consumer = IdempotentConsumer(uow, "unused:9092", "orders-risk-test", ["orders.order.v1"],
                                  {m.DESCRIPTOR.full_name: Subscription(m, h) for m, h in feed.handlers().items()})
    base = uuid.uuid4().int >> 64 << 64
    for n in range(3):
        order = check(tenant, location, server, base + n)
        payment = events_pb2.OrderPaymentRecorded(order=order, payment=payments_pb2.Payment(
            tender="cash", amount_cents=2_000, paid_at=to_timestamp(EVENING), actor_id=str(server)))
        assert consumer.handle(record(payment)) == "handled"
        void = record(events_pb2.OrderVoided(order=order, voided_at=to_timestamp(EVENING + timedelta(minutes=n)),
                                             actor_id="manager", reason="walked out"))
        assert consumer.handle(void) == "handled"
        assert consumer.handle(void) == "duplicate"  # a redelivery judges nothing
    with uow() as u:
        queue = u.risk.queue(tenant, ("open",), None, None, 10)
        flags = u.session.execute(text("SELECT count(*) FROM outbox WHERE topic = 'orders.risk.v1'"
                                       " AND message_key = :k"), {"k": str(queue[0].case_id)}).scalar()
        voids, _ = u.risk.shift_counts(tenant, server, ShiftKey(date(2026, 3, 14), "night"))
    [case] = queue
    assert (case.subject.kind, case.staff_id, case.score, [h.rule for h in case.hits]) == (
        "staff_shift", server, 60, ["voids_per_shift"])
    assert case.hits[0].at == EVENING + timedelta(minutes=2)  # the third void's time, stored and read back
    assert flags == 1 and voids == 3


def test_cases_round_trip_and_the_queue_pages(uow):
    tenant, location = uuid.uuid4(), uuid.uuid4()
    feed = RiskFeed(None, uuid.uuid4, lambda: EVENING)
    order_ids = []
    for n in range(3):
        order = check(tenant, location, uuid.uuid4(), uuid.uuid4().int)
        order_ids.append(order.order_id)
        with uow() as u:
            feed.refunded(u, events_pb2.OrderRefunded(order=order, amount_cents=5 + n,
                                                      refunded_at=to_timestamp(EVENING)), None)
            u.commit()
        with uow() as u:  # flagged a minute apart, so the order of the queue is known
            u.session.execute(text("UPDATE risk_cases SET flagged_at = :at WHERE order_id = :o"),
                              {"at": EVENING + timedelta(minutes=n), "o": uuid.UUID(order.order_id)})
            u.commit()
    with uow() as u:
        first = u.risk.queue(tenant, ("open",), [location], None, 2)
        rest = u.risk.queue(tenant, ("open",), [location], (first[-1].flagged_at, first[-1].case_id), 2)
        assert u.risk.queue(tenant, ("open",), [uuid.uuid4()], None, 5) == []
    assert [str(c.order_id) for c in first + rest] == order_ids[::-1]
    with uow() as u:
        case = u.risk.get(tenant, first[0].case_id, for_update=True)
        case.resolve("dismiss", reason="refund of a tip", actor_id="m-1", at=EVENING, expected_version=case.version)
        u.commit()
    with uow() as u:
        again = u.risk.get(tenant, first[0].case_id)
    assert (again.status, again.resolution_reason, again.resolved_by, again.held) == (
        "dismissed", "refund of a tip", "m-1", False)


def test_settings_and_the_rules_queries(uow):
    tenant, location = uuid.uuid4(), uuid.uuid4()
    with uow() as u:
        assert u.risk.settings(tenant) == ({}, 0)
        assert u.risk.save_settings(tenant, {"flag_threshold": 70}, "admin", EVENING) == 1
        u.commit()
    with uow() as u:
        assert u.risk.settings(tenant) == ({"flag_threshold": 70}, 1)
        assert u.risk.save_settings(tenant, {}, "admin", EVENING) == 2
        u.commit()
    # The location's usual total: closed checks of the 30 days before, the judged one left out.
    with uow() as u:
        for days_ago, total, status in ((1, 1_000, "closed"), (2, 3_000, "closed"), (3, 9_999, "voided"),
                                        (40, 9_999, "closed")):
            order = Order.place(tenant_id=tenant, location_id=location, server_staff_id=uuid.uuid4(),
                                lines=[LineInput("Soup", 1, total)], tip_cents=0,
                                placed_at=EVENING - timedelta(days=days_ago), new_id=uuid.uuid4)
            order.apply_tax(SalesTax(total, 0, {}, "t"))
            order.status = status
            u.orders.add(order)
        u.commit()
    with uow() as u:
        assert u.risk.usual_total(tenant, location, EVENING, 30, uuid.uuid4()) == (2_000, 2)
        for minutes in (0, 4, 9, 30):
            u.risk.observe(uuid.uuid4(), Observation("payment", tenant, location, uuid.uuid4(), uuid.uuid4(), "s",
                                                     EVENING - timedelta(minutes=minutes), amount_cents=100,
                                                     card_ref="visa:4242"), ShiftKey(date(2026, 3, 14), "night"))
        assert u.risk.card_uses(tenant, "visa:4242", EVENING - timedelta(minutes=10), EVENING) == 3
        assert u.risk.card_uses(tenant, "visa:0000", EVENING - timedelta(minutes=10), EVENING) == 0


def test_the_days_report_rows(uow):
    tenant, location, server = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    day = date(2026, 3, 14)
    with uow() as u:
        orders = []
        for lines, status in (([LineInput("Soup", 2, 500), LineInput("Wine", 1, 900, "alcohol", 100)], "closed"),
                              ([LineInput("Cake", 1, 700)], "voided")):
            order = Order.place(tenant_id=tenant, location_id=location, server_staff_id=server, lines=lines,
                                tip_cents=0, placed_at=EVENING, new_id=uuid.uuid4, business_date=day)
            order.apply_tax(SalesTax(sum(x.net_cents for x in order.lines), 0, {}, "t"))
            order.status = status
            u.orders.add(order)
            orders.append(order)
        u.flush()
        payment_id = uuid.uuid4()
        u.session.add(PaymentRow(id=payment_id, tenant_id=tenant, order_id=orders[0].order_id, location_id=location,
                                 tender="card", amount_cents=1_800, tip_cents=200, server_staff_id=server,
                                 business_date=day, paid_at=EVENING, actor_id=str(server)))
        u.session.add(PaymentRow(id=uuid.uuid4(), tenant_id=tenant, order_id=orders[0].order_id,
                                 location_id=location, tender="cash", amount_cents=500, tip_cents=0,
                                 server_staff_id=server, business_date=day + timedelta(days=1), paid_at=EVENING,
                                 actor_id=str(server)))  # another business day: not in this report
        u.flush()
        u.session.add(RefundRow(id=uuid.uuid4(), tenant_id=tenant, order_id=orders[0].order_id, payment_id=payment_id,
                                location_id=location, amount_cents=500, tip_cents=0, reason="cold soup",
                                actor_id="m", business_date=day, refunded_at=EVENING))
        u.commit()
    with uow() as u:
        rows = u.reports.day_rows(tenant, location, day)
    report = daily_sales(location, day, rows)
    assert (report.orders, report.gross_cents, report.discount_cents, report.net_cents) == (1, 1_900, 100, 1_800)
    assert [(c.key, c.quantity) for c in report.by_category] == [("open_price", 3)]
    assert [(t.tender, t.amount_cents, t.tip_cents, t.refunded_cents) for t in report.by_tender] == [
        ("card", 1_800, 200, 500)]
    assert (report.voided_checks, report.voided_check_cents, report.collected_cents) == (1, 700, 1_500)
