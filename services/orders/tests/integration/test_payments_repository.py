"""PaymentsRepository and SettlementRepository against real PostgreSQL (migration 0006): a ledger
written and read back (payments, split parts, refunds), the refund cap and last-4 checks in the
database, a POS payment and a settlement file entering once, the day's payments."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.domain import splits
from orders.domain.order import IdempotencyKeyTaken, LineInput, Order, SalesTax
from orders.domain.payments import Payment, PaymentRequest, RefundRequest
from orders.domain.reconciliation import SettlementImport, SettlementLine
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 14, 20, 0, tzinfo=UTC)
DAY = date(2026, 3, 14)


@pytest.fixture
def uow(orders_db):
    sessions, _ = orders_db
    return lambda: OrdersUnitOfWork(sessions, "/auraconnect/orders")


def placed(uow) -> Order:
    order = Order.place(tenant_id=uuid.uuid4(), location_id=uuid.uuid4(), server_staff_id=uuid.uuid4(),
                        lines=[LineInput("Burger", 1, 1000, seat=1), LineInput("Salad", 1, 500, seat=2)],
                        tip_cents=0, placed_at=NOW, new_id=uuid.uuid4)
    order.apply_tax(SalesTax(1500, 120, {str(order.lines[0].line_id): 80, str(order.lines[1].line_id): 40}, "s"))
    with uow() as u:
        u.orders.add(order)
        u.commit()
    return order


def take(ledger, order: Order, **request) -> Payment:
    return ledger.take(PaymentRequest(**request), payment_id=uuid.uuid4(), tenant_id=order.tenant_id,
                       order_id=order.order_id, location_id=order.location_id,
                       server_staff_id=order.server_staff_id, business_date=DAY, paid_at=NOW, actor_id="a")


CARD = {"tender": "card", "card_brand": "visa", "card_last4": "4242", "processor_reference": "ch_db"}


def test_a_ledger_is_written_and_read_back_whole(uow):
    order = placed(uow)
    with uow() as u:
        ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
        ledger.split(splits.by_seat(order.total_cents, [splits.SeatedAmount(1, 1080), splits.SeatedAmount(2, 540)],
                                    uuid.uuid4))
        u.payments.save(order.tenant_id, order.order_id, ledger, NOW)
        u.commit()
    with uow() as u:
        ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
        seat1, seat2 = ledger.splits
        cash = take(ledger, order, tender="cash", tendered_cents=2000, split_id=seat1.split_id)
        card = take(ledger, order, **CARD, tip_cents=150, split_id=seat2.split_id)
        u.payments.save(order.tenant_id, order.order_id, ledger, NOW)
        u.commit()
    with uow() as u:
        ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
        ledger.refund(RefundRequest(card.payment_id, "cold", amount_cents=540, tip_cents=50), [],
                      refund_id=uuid.uuid4(), tenant_id=order.tenant_id, order_id=order.order_id,
                      location_id=order.location_id, business_date=DAY, refunded_at=NOW, actor_id="m")
        u.payments.save(order.tenant_id, order.order_id, ledger, NOW)
        u.commit()
    with uow() as u:
        back = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
    # Both were paid at NOW: same time, then by id (whatever order the random ids give).
    payments = sorted(back.payments, key=lambda p: p.split_label)
    assert [(p.payment_id, p.amount_cents, p.change_cents, p.split_label) for p in payments] == [
        (cash.payment_id, 1080, 920, "seat 1"), (card.payment_id, 540, 0, "seat 2")]
    assert (payments[1].refunded_cents, payments[1].refunded_tip_cents, payments[1].card_last4) == (540, 50, "4242")
    assert [(r.amount_cents, r.tip_cents) for r in back.refunds] == [(540, 50)]
    assert back.paid_in_full and [part.seat for part in back.splits] == [1, 2]
    with uow() as u:
        assert {p.payment_id for p in u.payments.for_day(order.tenant_id, order.location_id, DAY)} == {
            cash.payment_id, card.payment_id}
        assert len(u.payments.refunds_for_day(order.tenant_id, order.location_id, DAY)) == 1


def test_the_database_refuses_a_refund_above_the_payment_and_a_full_card_number(uow, orders_db):
    order = placed(uow)
    with uow() as u:
        ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
        payment = take(ledger, order, **CARD)
        u.payments.save(order.tenant_id, order.order_id, ledger, NOW)
        u.commit()
    sessions, _ = orders_db
    for statement in ("UPDATE payments SET refunded_cents = amount_cents + 1 WHERE id = :id",
                      "UPDATE payments SET card_last4 = '4242424242424242' WHERE id = :id"):
        with sessions() as session, pytest.raises(IntegrityError):
            session.execute(text(statement), {"id": payment.payment_id})
            session.commit()


def test_a_pos_payment_and_a_settlement_file_enter_once(uow):
    order = placed(uow)
    for attempt in range(2):
        with uow() as u:
            ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
            if attempt:
                ledger.payments = []  # as if the first had not been seen: the unique index decides
            take(ledger, order, tender="external", amount_cents=100, external_reference="sq-1")
            if attempt:
                with pytest.raises(IdempotencyKeyTaken):
                    u.payments.save(order.tenant_id, order.order_id, ledger, NOW)
            else:
                u.payments.save(order.tenant_id, order.order_id, ledger, NOW)
                u.commit()
    with uow() as u:
        assert u.payments.by_external_reference(order.tenant_id, "external", "sq-1").amount_cents == 100
    settlement = SettlementImport(uuid.uuid4(), order.tenant_id, order.location_id, DAY, "abc", 1, "m", NOW)
    lines = [SettlementLine(1, "ch_db", 1620, 0, NOW)]
    with uow() as u:
        u.settlements.add(settlement, lines, uuid.uuid4)
        u.commit()
    with uow() as u, pytest.raises(IdempotencyKeyTaken):
        u.settlements.add(SettlementImport(uuid.uuid4(), order.tenant_id, order.location_id, DAY, "abc", 1, "m",
                                           NOW), lines, uuid.uuid4)
    with uow() as u:
        assert u.settlements.find(order.tenant_id, order.location_id, DAY, "abc") == settlement
        found, rows = u.settlements.latest(order.tenant_id, order.location_id, DAY)
    assert found == settlement and rows == lines
