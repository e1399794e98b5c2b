"""Tips given with payments (OrderPaymentRecorded) and refunded tips (OrderRefunded), against fakes:
credited once per payment, taken off once per refund, never below zero."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.orders.v1 import payments_pb2
from auraconnect.payroll.v1 import events_pb2
from chassis.consumer import PermanentEventError
from chassis.events import EventEnvelope
from chassis.timestamps import to_timestamp
from payroll.domain.tips import PAYMENT
from payroll.entrypoints.consumer import SUBSCRIPTIONS
from payroll.service_layer import tips
from payroll_fakes import FakePayrollUnitOfWork, FixedClock

TENANT, LOCATION, SERVER = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
PAID_AT = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)
REFUNDED_AT = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)


def envelope(kind, subject: str) -> EventEnvelope:
    return EventEnvelope(event_id=str(uuid.uuid4()), event_type=kind.DESCRIPTOR.full_name,
                         source="/auraconnect/orders", time=PAID_AT, subject=subject)


def paid(tip_cents: int, payment_id: str | None = None, order_id: str | None = None, **changes):
    fields = {"payment_id": payment_id or str(uuid.uuid4()), "order_id": order_id or str(uuid.uuid4()),
              "tenant_id": TENANT, "location_id": LOCATION, "server_staff_id": SERVER, "tender": "card",
              "amount_cents": 5000, "tip_cents": tip_cents, "paid_at": to_timestamp(PAID_AT), **changes}
    payment = payments_pb2.Payment(**fields)
    event = order_events.OrderPaymentRecorded(tenant_id=TENANT, order_id=payment.order_id, payment=payment)
    return event, envelope(order_events.OrderPaymentRecorded, payment.order_id)


def refunded(payment_id: str, tip_cents: int, refund_id: str | None = None, tenant: str = TENANT):
    event = order_events.OrderRefunded(tenant_id=tenant, order_id=str(uuid.uuid4()), refund_id=refund_id or str(
        uuid.uuid4()), payment_id=payment_id, tip_cents=tip_cents, amount_cents=0, reason="wrong tip")
    return event, envelope(order_events.OrderRefunded, event.order_id)


def credit(uow, event, env) -> None:
    with uow:
        tips.record_tip_from_payment(uow, event, env)
        uow.commit()


def refund(uow, event, env) -> None:
    with uow:
        tips.reverse_refunded_tip(uow, event, env, clock=FixedClock(REFUNDED_AT))
        uow.commit()


@pytest.fixture
def uow() -> FakePayrollUnitOfWork:
    return FakePayrollUnitOfWork()


def test_a_payment_tip_is_credited_to_the_checks_server_once(uow):
    event, env = paid(800)
    credit(uow, event, env)
    credit(uow, event, envelope(order_events.OrderPaymentRecorded, event.order_id))  # redelivered, new event id
    [record] = uow.tips.rows.values()
    assert (str(record.staff_id), record.tip_cents, record.source, record.earned_at) == (SERVER, 800, PAYMENT, PAID_AT)
    assert str(record.payment_id) == event.payment.payment_id and str(record.order_id) == event.order_id
    [recorded] = uow.events_of(events_pb2.TipRecorded)
    assert (recorded.staff_id, recorded.tip_cents, recorded.order_id) == (SERVER, 800, event.order_id)


def test_two_payments_of_one_check_credit_two_tips_beside_the_orders_own(uow):
    order_id = str(uuid.uuid4())
    credit(uow, *paid(300, order_id=order_id))
    credit(uow, *paid(500, order_id=order_id))
    assert sorted(r.tip_cents for r in uow.tips.rows.values()) == [300, 500]
    assert uow.tips.for_order(uuid.UUID(order_id)) is None  # the order's own tip is another record


def test_a_payment_without_tip_or_without_a_server_credits_nothing(uow):
    credit(uow, *paid(0))
    credit(uow, *paid(500, server_staff_id=str(uuid.UUID(int=0))))
    assert uow.tips.rows == {} and uow.events == []


def test_malformed_ids_are_parked(uow):
    with pytest.raises(PermanentEventError):
        credit(uow, *paid(500, server_staff_id="nope"))
    with pytest.raises(PermanentEventError):
        refund(uow, *refunded("not-a-payment", 100))


def test_a_refunded_tip_is_taken_off_once_and_a_full_refund_voids_the_record(uow):
    event, env = paid(800)
    credit(uow, event, env)
    [record] = uow.tips.rows.values()
    first = refunded(event.payment.payment_id, 300)
    refund(uow, *first)
    refund(uow, first[0], envelope(order_events.OrderRefunded, first[0].order_id))  # redelivered
    assert record.tip_cents == 500 and record.deleted_at is None
    refund(uow, *refunded(event.payment.payment_id, 900))  # more than is left: what is left
    assert record.tip_cents == 0 and record.deleted_at == REFUNDED_AT
    assert uow.tips.for_staff(record.tenant_id, record.staff_id) == []
    reversed_ = uow.events_of(events_pb2.TipReversed)
    assert [(e.tip_cents, e.order_status, e.staff_id) for e in reversed_] == [(300, "refunded", SERVER),
                                                                            (500, "refunded", SERVER)]


def test_a_refund_without_tip_of_an_uncredited_payment_or_another_tenant_changes_nothing(uow):
    event, env = paid(800)
    credit(uow, event, env)
    refund(uow, *refunded(event.payment.payment_id, 0))
    refund(uow, *refunded(str(uuid.uuid4()), 200))
    refund(uow, *refunded(event.payment.payment_id, 200, tenant=str(uuid.uuid4())))
    assert [r.tip_cents for r in uow.tips.rows.values()] == [800]
    assert uow.events_of(events_pb2.TipReversed) == []


def test_the_consumer_subscribes_to_payments_and_refunds():
    assert SUBSCRIPTIONS[order_events.OrderPaymentRecorded.DESCRIPTOR.full_name].handler is tips.record_tip_from_payment
    assert SUBSCRIPTIONS[order_events.OrderRefunded.DESCRIPTOR.full_name].handler is tips.reverse_refunded_tip


def test_payment_tips_go_into_tip_pools_like_order_tips():
    from payroll.service_layer.tip_pools import POOLED_SOURCES

    assert PAYMENT in POOLED_SOURCES
