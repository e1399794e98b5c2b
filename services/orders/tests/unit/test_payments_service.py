"""Payment use cases against fakes: splits, tenders, closing, events, refunds, idempotency,
RecordPayment and reconciliation."""
from __future__ import annotations

import uuid

import pytest
from auraconnect.orders.v1 import events_pb2
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.domain.order import CLOSED, SERVED
from orders.domain.payments import PaymentRequest
from orders.service_layer import checks, payments, reconciliation
from orders.service_layer.checks import CheckPeers, Idempotency, LineRequest
from orders.service_layer.payments import SplitRequest

from services.orders.tests.unit.fakes import LOCATION, MANAGER, OTHER_LOCATION, identity

pytestmark = pytest.mark.unit

REFUNDER = MANAGER | {"orders:refund", "orders:reconcile"}
SERVER = frozenset({"orders:create", "orders:read"})
# Table 12: seat 1 a burger (1350 + 108 tax), seat 2 a salad (900 + 72), a shared fries (500 + 40).
LINES = [LineRequest(name="Burger", unit_price_cents=1350, seat=1), LineRequest(name="Salad", unit_price_cents=900,
                                                                                 seat=2),
         LineRequest(name="Fries", unit_price_cents=500)]
CARD = {"tender": "card", "card_brand": "visa", "card_last4": "4242", "processor_reference": "ch_t12"}


@pytest.fixture
def peers(tax, clock, ids) -> CheckPeers:
    return CheckPeers(clock=clock, new_id=ids, tax=tax)


def served_check(uow, peers, status=SERVED, tip_cents=0):
    order = checks.place_order(lambda: uow, identity(), location_id=str(LOCATION), lines=LINES, peers=peers,
                               tip_cents=tip_cents).order
    for step in ("sent", "ready", "served")[:("open", "sent", "ready", "served").index(status)]:
        checks.change_status(lambda: uow, identity(), str(order.order_id), step, peers=peers)
    return uow.orders.saved[order.order_id]


def pay(uow, peers, order, who=None, key=checks.NO_KEY, **request):
    return payments.take_payment(lambda: uow, who or identity(permissions=SERVER), str(order.order_id),
                                 PaymentRequest(**request), peers=peers, key=key)


def events(uow, kind):
    return [e.message for e in uow.events if isinstance(e.message, kind)]


def test_table_12_split_by_seat_cash_with_change_and_card_with_tip_closes_the_check(uow, peers):
    order = served_check(uow, peers)
    assert order.total_cents == 2750 + 220
    split = payments.split_check(lambda: uow, identity(permissions=SERVER), str(order.order_id),
                                 SplitRequest("seat"), peers=peers)
    seat1, seat2 = split.body["splits"]
    assert (seat1["amount_cents"], seat2["amount_cents"]) == (1458 + 324, 972 + 216)  # fries (540) shared 1458:972
    assert seat1["amount_cents"] + seat2["amount_cents"] == order.total_cents
    cash = pay(uow, peers, order, tender="cash", tendered_cents=2000, split_id=uuid.UUID(seat1["split_id"]))
    assert cash.body["payment"]["change_cents"] == 2000 - 1782 and cash.body["balance_cents"] == 1188
    assert uow.orders.saved[order.order_id].status == SERVED
    card = pay(uow, peers, order, **CARD, tip_cents=250, split_id=uuid.UUID(seat2["split_id"]))
    assert card.body["paid_in_full"] and card.body["order"]["status"] == CLOSED
    closed = uow.orders.saved[order.order_id]
    assert closed.history[-1].to_status == CLOSED and closed.history[-1].reason == "paid in full"
    recorded = events(uow, events_pb2.OrderPaymentRecorded)
    assert [(e.payment.tender, e.payment.tip_cents, e.balance_cents) for e in recorded] == [
        ("cash", 0, 1188), ("card", 250, 0)]
    assert recorded[1].payment.card_last4 == "4242" and recorded[1].payment.seat == 2
    [paid] = events(uow, events_pb2.OrderPaid)
    assert (paid.total_cents, paid.paid_cents, paid.tip_cents, paid.business_date) == (2970, 2970, 250, "2026-03-14")
    assert [(t.tender, t.amount_cents) for t in paid.tenders] == [("cash", 1782), ("card", 1188)]
    [moved] = events(uow, events_pb2.OrderStatusChanged)[-1:]
    assert moved.reason == "paid in full"


def test_a_check_paid_before_it_is_served_closes_when_served(uow, peers):
    order = served_check(uow, peers, status="sent")
    pay(uow, peers, order, **CARD)
    assert uow.orders.saved[order.order_id].status == "sent"
    checks.change_status(lambda: uow, identity(), str(order.order_id), "ready", peers=peers)
    checks.change_status(lambda: uow, identity(), str(order.order_id), "served", peers=peers)
    assert uow.orders.saved[order.order_id].status == CLOSED


def test_a_replay_answers_the_first_payment_and_another_body_is_422(uow, peers):
    order = served_check(uow, peers)
    key = Idempotency.of("pay-1", "POST /orders/x/payments", {"a": 1})
    first = pay(uow, peers, order, key=key, **CARD, amount_cents=1000)
    again = pay(uow, peers, order, key=key, **CARD, amount_cents=1000)
    assert again.replayed and again.body == first.body
    assert len(uow.payments.saved[order.order_id].payments) == 1
    with pytest.raises(InvalidInput) as error:
        pay(uow, peers, order, key=Idempotency.of("pay-1", "POST /orders/x/payments", {"a": 2}), **CARD)
    assert error.value.field == "Idempotency-Key"
    with pytest.raises(NotFound):  # a replay is authorized like a fresh request
        pay(uow, peers, order, who=identity(location_ids=(str(OTHER_LOCATION),), permissions=SERVER), key=key,
            **CARD, amount_cents=1000)


def test_a_cancelled_check_takes_no_payment_and_a_server_cannot_refund(uow, peers):
    order = served_check(uow, peers, status="sent")
    payment = pay(uow, peers, order, **CARD, amount_cents=500).body["payment"]
    with pytest.raises(PermissionDenied):
        payments.refund(lambda: uow, identity(permissions=SERVER), str(order.order_id), payment["payment_id"],
                        "cold", peers=peers, amount_cents=100)
    checks.cancel_order(lambda: uow, identity(), str(order.order_id), "walked out", peers=peers)
    with pytest.raises(Conflict) as error:
        pay(uow, peers, order, **CARD)
    assert error.value.field == "status"


def test_refund_one_line_with_its_tip_stages_order_refunded_and_caps_hold(uow, peers):
    order = served_check(uow, peers)
    payment = pay(uow, peers, order, **CARD, tip_cents=400).body["payment"]
    fries = order.lines[2]
    outcome = payments.refund(lambda: uow, identity(permissions=REFUNDER), str(order.order_id),
                              payment["payment_id"], "cold fries", peers=peers, line_ids=[str(fries.line_id)],
                              tip_cents=100)
    assert outcome.status == 201 and outcome.body["refund"]["amount_cents"] == 540
    [refunded] = events(uow, events_pb2.OrderRefunded)
    assert (refunded.amount_cents, refunded.tip_cents, list(refunded.line_ids), refunded.tender) == (
        540, 100, [str(fries.line_id)], "card")
    assert refunded.server_staff_id == str(order.server_staff_id) and refunded.business_date == "2026-03-14"
    with pytest.raises(Conflict) as error:
        payments.refund(lambda: uow, identity(permissions=REFUNDER), str(order.order_id), payment["payment_id"],
                        "again", peers=peers, amount_cents=2970 - 540 + 1)
    assert error.value.field == "amount_cents"
    assert uow.orders.saved[order.order_id].status == CLOSED  # a refund leaves the check closed


def test_record_payment_is_idempotent_by_external_reference(uow, peers):
    order = served_check(uow, peers)
    service = identity(permissions=frozenset({"orders:create", "orders:read"}))
    request = PaymentRequest("", amount_cents=1000, external_reference="sq-pay-1")
    first = payments.record_external_payment(lambda: uow, service, str(order.order_id), request, peers=peers)
    again = payments.record_external_payment(lambda: uow, service, str(order.order_id), request, peers=peers)
    assert (first.created, again.created) == (True, False)
    assert first.payment.payment_id == again.payment.payment_id and first.payment.tender == "external"
    assert again.balance_cents == 1970 and len(events(uow, events_pb2.OrderPaymentRecorded)) == 1
    with pytest.raises(InvalidInput) as error:
        payments.record_external_payment(lambda: uow, service, str(order.order_id), PaymentRequest(""), peers=peers)
    assert error.value.field == "external_reference"


def test_a_settlement_imported_twice_changes_nothing_and_the_mismatch_is_explained(uow, peers):
    order = served_check(uow, peers)
    pay(uow, peers, order, **CARD, amount_cents=2000, tip_cents=300)
    pay(uow, peers, order, **{**CARD, "processor_reference": "ch_t12b"})
    manager = identity(permissions=REFUNDER)
    content = b"processor_reference,amount,tip\nch_t12,20.00,3.00\nch_t12b,9.90,0\n"
    first = reconciliation.import_settlement(lambda: uow, manager, str(LOCATION), "2026-03-14", content, peers=peers)
    again = reconciliation.import_settlement(lambda: uow, manager, str(LOCATION), "2026-03-14", content, peers=peers)
    assert (first.created, again.created) == (True, False) and again.settlement == first.settlement
    assert len(uow.settlements.saved) == 1
    report = reconciliation.day_report(lambda: uow, manager, str(LOCATION), "2026-03-14")
    statuses = {row.reference: row.status for row in report.reconciliation.rows}
    assert statuses == {"ch_t12": "matched", "ch_t12b": "amount_mismatch"}
    [mismatch] = [row for row in report.reconciliation.rows if row.status == "amount_mismatch"]
    assert mismatch.difference_cents == 990 - 970 and "+0.20" in mismatch.explanation
    with pytest.raises(PermissionDenied):
        reconciliation.import_settlement(lambda: uow, identity(permissions=SERVER), str(LOCATION), "2026-03-14",
                                         content, peers=peers)
    with pytest.raises(InvalidInput) as error:
        reconciliation.day_report(lambda: uow, manager, str(LOCATION), "2026-02-30")
    assert error.value.field == "business_date"


def test_a_payment_and_a_refund_are_dated_by_the_locations_local_day(uow, peers):
    from dataclasses import replace
    from datetime import date

    from services.orders.tests.unit.fakes import NOW, FakeDirectory, FixedClock

    order = served_check(uow, peers)
    late = replace(peers, clock=FixedClock(NOW.replace(hour=2)),  # 02:00 UTC: the evening before in New York
                   directory=FakeDirectory(zones={str(LOCATION): "America/New_York"}))
    paid = pay(uow, late, order, **CARD, tip_cents=100).body["payment"]
    assert paid["business_date"] == date(2026, 3, 13).isoformat()
    refunded = payments.refund(lambda: uow, identity(permissions=REFUNDER), str(order.order_id), paid["payment_id"],
                               "x", peers=late, tip_cents=100)
    assert refunded.body["refund"]["business_date"] == "2026-03-13"
