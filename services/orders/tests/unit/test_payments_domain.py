"""The money rules of a check, pure: splits never lose a cent, cash change, card details (never a
card number), refund caps, and settlement matching."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from chassis.errors import Conflict, InvalidInput
from hypothesis import given
from hypothesis import strategies as st
from orders.domain import reconciliation as rec
from orders.domain import splits
from orders.domain.payments import (
    CARD,
    CASH,
    EXTERNAL,
    GIFT_CARD,
    Ledger,
    LineCharge,
    PaymentRequest,
    RefundRequest,
    looks_like_card_number,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 14, 20, 0, tzinfo=UTC)
DAY = date(2026, 3, 14)
TENANT, ORDER, LOCATION, SERVER = (uuid.UUID(int=n) for n in (0xA, 0xB, 0xC, 0xD))


class Ids:
    def __init__(self) -> None:
        self.n = 1000

    def __call__(self) -> uuid.UUID:
        self.n += 1
        return uuid.UUID(int=self.n)


def take(ledger: Ledger, **request):
    return ledger.take(PaymentRequest(**request), payment_id=uuid.uuid4(), tenant_id=TENANT, order_id=ORDER,
                       location_id=LOCATION, server_staff_id=SERVER, business_date=DAY, paid_at=NOW, actor_id="a")


def give_back(ledger: Ledger, lines=(), **request):
    return ledger.refund(RefundRequest(**{"reason": "cold", **request}), list(lines), refund_id=uuid.uuid4(),
                         tenant_id=TENANT, order_id=ORDER, location_id=LOCATION, business_date=DAY,
                         refunded_at=NOW, actor_id="m")


CARD_PAYMENT = {"tender": CARD, "card_brand": "visa", "card_last4": "4242", "processor_reference": "ch_1"}


# ---------------------------------------------------------------- splits
@given(st.integers(-10**6, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocate_never_loses_or_invents_a_cent(total, weights):
    shares = splits.allocate(total, weights)
    assert sum(shares) == total and len(shares) == len(weights)
    if total >= 0 and sum(weights):
        exact = [total * w / sum(weights) for w in weights]
        assert all(abs(share - e) < 1 for share, e in zip(shares, exact, strict=True))


@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 8)), st.integers(0, 50_000)), min_size=1,
                max_size=20).filter(lambda lines: any(seat for seat, _ in lines)), st.integers(0, 5_000))
def test_a_split_by_seat_adds_up_to_the_total(lines, extra):
    seated = [splits.SeatedAmount(seat, amount) for seat, amount in lines]
    total = sum(amount for _, amount in lines) + extra  # the opening tip and tax rounding on top
    parts = splits.by_seat(total, seated, Ids())
    assert sum(p.amount_cents for p in parts) == total
    assert [p.seat for p in parts] == sorted({seat for seat, _ in lines if seat})


def test_table_12_by_seat_shares_the_unseated_lines_in_proportion():
    seated = [splits.SeatedAmount(1, 3000), splits.SeatedAmount(2, 1000), splits.SeatedAmount(None, 1001)]
    parts = splits.by_seat(5001, seated, Ids())
    assert [(p.label, p.amount_cents) for p in parts] == [("seat 1", 3751), ("seat 2", 1250)]


def test_evenly_gives_the_odd_cents_to_the_first_parts():
    assert [p.amount_cents for p in splits.evenly(1000, 3, Ids())] == [334, 333, 333]
    with pytest.raises(InvalidInput) as error:
        splits.evenly(1000, 1, Ids())
    assert error.value.field == "ways"


def test_by_amount_must_add_up_and_no_seat_means_no_seat_split():
    assert [p.amount_cents for p in splits.by_amounts(1000, [600, 400], Ids())] == [600, 400]
    for amounts, field in (([600, 300], "amounts"), ([1100, -100], "amounts[1]")):
        with pytest.raises(InvalidInput) as error:
            splits.by_amounts(1000, amounts, Ids())
        assert error.value.field == field
    with pytest.raises(Conflict) as error:
        splits.by_seat(1000, [splits.SeatedAmount(None, 1000)], Ids())
    assert error.value.field == "by"


def test_a_split_check_is_paid_part_by_part_and_not_beyond_a_part():
    ledger = Ledger(1000)
    ledger.split(splits.evenly(1000, 2, Ids()))
    first, second = ledger.splits
    with pytest.raises(InvalidInput) as error:
        take(ledger, tender=CASH, tendered_cents=500)
    assert error.value.field == "split_id"
    payment = take(ledger, tender=CASH, tendered_cents=2000, split_id=first.split_id)
    assert (payment.amount_cents, payment.change_cents, payment.split_label) == (500, 1500, "part 1 of 2")
    with pytest.raises(Conflict) as error:
        take(ledger, tender=CASH, tendered_cents=500, split_id=first.split_id)
    assert error.value.field == "split_id"
    with pytest.raises(Conflict) as error:
        ledger.split(splits.evenly(1000, 4, Ids()))  # paid parts cannot be re-cut
    assert error.value.field == "by"
    take(ledger, **CARD_PAYMENT, split_id=second.split_id, tip_cents=100)
    assert ledger.paid_in_full and ledger.balance_cents == 0 and ledger.tip_cents == 100


def test_a_check_changed_after_the_split_must_be_split_again():
    ledger = Ledger(1000)
    ledger.split(splits.evenly(1000, 2, Ids()))
    ledger.total_cents = 1200  # a line was added
    with pytest.raises(Conflict) as error:
        take(ledger, tender=CASH, tendered_cents=600, split_id=ledger.splits[0].split_id)
    assert error.value.field == "split_id" and ledger.split_stale


# ---------------------------------------------------------------- tenders
def test_cash_gives_change_and_pays_at_most_what_is_owed():
    ledger = Ledger(3781)
    payment = take(ledger, tender=CASH, tendered_cents=5000)
    assert (payment.amount_cents, payment.tip_cents, payment.change_cents) == (3781, 0, 1219)
    assert ledger.paid_in_full


def test_cash_short_of_the_bill_is_a_partial_payment_and_a_tip_comes_off_the_change():
    ledger = Ledger(3000)
    assert take(ledger, tender=CASH, tendered_cents=1000).amount_cents == 1000
    payment = take(ledger, tender=CASH, tendered_cents=2500, tip_cents=300)
    assert (payment.amount_cents, payment.change_cents, ledger.balance_cents) == (2000, 200, 0)


@pytest.mark.parametrize(("request_", "field"), [
    ({"tender": CASH}, "tendered_cents"),
    ({"tender": CASH, "tendered_cents": 500, "amount_cents": 600}, "tendered_cents"),
    ({"tender": CASH, "tendered_cents": 500, "card_last4": "1234"}, "card_last4"),
    ({"tender": "cheque"}, "tender"),
    ({"tender": CARD, "card_brand": "visa", "processor_reference": "ch_1"}, "card_last4"),
    ({"tender": CARD, "card_last4": "4242", "processor_reference": "ch_1"}, "card_brand"),
    ({"tender": CARD, "card_brand": "visa", "card_last4": "4242"}, "processor_reference"),
    ({**CARD_PAYMENT, "card_last4": "42"}, "card_last4"),
    ({**CARD_PAYMENT, "card_last4": "4242424242424242"}, "card_last4"),
    ({**CARD_PAYMENT, "processor_reference": "4242 4242 4242 4242"}, "processor_reference"),
    ({**CARD_PAYMENT, "tendered_cents": 100}, "tendered_cents"),
    ({"tender": GIFT_CARD}, "processor_reference"),
    ({"tender": EXTERNAL}, "external_reference"),
    ({"tender": EXTERNAL, "external_reference": "pos-5555-5555-5555-4444"}, "external_reference"),
    ({**CARD_PAYMENT, "tip_cents": -1}, "tip_cents"),
])
def test_bad_payments_name_the_field(request_, field):
    with pytest.raises(InvalidInput) as error:
        take(Ledger(1000), **request_)
    assert error.value.field == field


def test_a_card_is_its_brand_last4_and_reference_with_a_tip_on_top():
    ledger = Ledger(2000)
    payment = take(ledger, **CARD_PAYMENT, amount_cents=1500, tip_cents=300)
    assert (payment.card_brand, payment.card_last4, payment.amount_cents, payment.tip_cents) == ("visa", "4242", 1500,
                                                                                                 300)
    assert ledger.balance_cents == 500 and not ledger.paid_in_full
    with pytest.raises(Conflict) as error:
        take(ledger, **CARD_PAYMENT, amount_cents=600)
    assert error.value.field == "amount_cents"


@pytest.mark.parametrize(("text", "pan"), [("4242424242424242", True), ("5555-5555-5555-4444", True),
                                           ("ref 3782 822463 10005 ok", True), ("4242424242424241", False),
                                           ("ch_3N4242", False), ("20260314123456", False), ("", False)])
def test_card_numbers_are_recognised_by_length_and_luhn(text, pan):
    assert looks_like_card_number(text) is pan


def test_a_paid_check_takes_nothing_more():
    ledger = Ledger(1000)
    take(ledger, **CARD_PAYMENT)
    with pytest.raises(Conflict) as error:
        take(ledger, tender=CASH, tendered_cents=100)
    assert error.value.field == "amount_cents"


# ---------------------------------------------------------------- refunds
LINE_A, LINE_B = uuid.UUID(int=0x1A), uuid.UUID(int=0x1B)
CHARGES = [LineCharge(LINE_A, 1350), LineCharge(LINE_B, 756)]


def test_refunds_are_capped_by_what_the_payment_took_amount_and_tip_apart():
    ledger = Ledger(2106)
    payment = take(ledger, **CARD_PAYMENT, tip_cents=400)
    refund = give_back(ledger, CHARGES, payment_id=payment.payment_id, line_ids=(LINE_B,), tip_cents=100)
    assert (refund.amount_cents, refund.tip_cents, payment.refunded_cents, payment.refunded_tip_cents) == (
        756, 100, 756, 100)
    with pytest.raises(Conflict) as error:
        give_back(ledger, payment_id=payment.payment_id, amount_cents=1351)
    assert error.value.field == "amount_cents"
    with pytest.raises(Conflict) as error:
        give_back(ledger, payment_id=payment.payment_id, tip_cents=301)
    assert error.value.field == "tip_cents"
    with pytest.raises(Conflict) as error:
        give_back(ledger, CHARGES, payment_id=payment.payment_id, line_ids=(LINE_B,))
    assert error.value.field == "line_ids[0]"
    give_back(ledger, payment_id=payment.payment_id, amount_cents=1350, tip_cents=300)
    assert payment.refundable_cents == 0 and payment.refundable_tip_cents == 0
    assert ledger.refunded_cents == 2106 and ledger.balance_cents == 0  # a refund does not reopen the check


def test_a_line_refund_beyond_the_payment_is_refused_naming_the_lines():
    ledger = Ledger(2106)
    ledger.split(splits.by_amounts(2106, [1000, 1106], Ids()))
    payment = take(ledger, **CARD_PAYMENT, split_id=ledger.splits[0].split_id)
    with pytest.raises(Conflict) as error:
        give_back(ledger, CHARGES, payment_id=payment.payment_id, line_ids=(LINE_A,))
    assert error.value.field == "line_ids"


@pytest.mark.parametrize(("request_", "field"), [
    ({"payment_id": uuid.UUID(int=9)}, "payment_id"),
    ({"reason": " "}, "reason"),
    ({}, "amount_cents"),
    ({"amount_cents": 10, "line_ids": (LINE_A,)}, "amount_cents"),
    ({"line_ids": (uuid.UUID(int=0x99),)}, "line_ids[0]"),
    ({"line_ids": (LINE_A, LINE_A)}, "line_ids"),
])
def test_bad_refunds_name_the_field(request_, field):
    ledger = Ledger(2106)
    payment = take(ledger, **CARD_PAYMENT)
    with pytest.raises(InvalidInput) as error:
        give_back(ledger, CHARGES, **{"payment_id": payment.payment_id, **request_})
    assert error.value.field == field


# ---------------------------------------------------------------- settlement files and matching
FILE = b"""processor_reference,amount,tip,settled_at
ch_1,20.00,3.00,2026-03-15T02:00:00Z
ch_2,15.50,,2026-03-15T02:00:00Z
ch_9,5.00,0,
"""


def test_a_settlement_file_is_parsed_in_cents():
    lines = rec.parse_settlement(FILE, location_id=LOCATION, business_date=DAY)
    assert [(x.processor_reference, x.amount_cents, x.tip_cents) for x in lines] == [
        ("ch_1", 2000, 300), ("ch_2", 1550, 0), ("ch_9", 500, 0)]
    assert lines[0].settled_at == datetime(2026, 3, 15, 2, tzinfo=UTC) and lines[2].settled_at is None
    cents = rec.parse_settlement(b"PROCESSOR_REFERENCE,AMOUNT_CENTS\nch_1,2000\n", location_id=LOCATION,
                                 business_date=DAY)
    assert cents[0].amount_cents == 2000


@pytest.mark.parametrize(("content", "field"), [
    (b"reference,amount\nx,1\n", "file.processor_reference"),
    (b"processor_reference,total\nx,1\n", "file.amount"),
    (b"processor_reference,amount\nx,abc\n", "rows[1].amount"),
    (b"processor_reference,amount\nx,1.001\n", "rows[1].amount"),
    (b"processor_reference,amount\nx,1\nx,2\n", "rows[2].processor_reference"),
    (b"processor_reference,amount\n4242424242424242,1\n", "rows[1].processor_reference"),
    (b"processor_reference,amount,business_date\nx,1,2026-03-13\n", "rows[1].business_date"),
    (b"processor_reference,amount,settled_at\nx,1,yesterday\n", "rows[1].settled_at"),
    (b"\xff\xfe", "file"),
])
def test_a_bad_settlement_file_names_the_row_and_column(content, field):
    with pytest.raises(InvalidInput) as error:
        rec.parse_settlement(content, location_id=LOCATION, business_date=DAY)
    assert error.value.field == field


def test_matching_finds_matched_mismatched_and_missing_on_either_side():
    ledger = Ledger(10**6)
    one = take(ledger, **CARD_PAYMENT, amount_cents=2000, tip_cents=300)
    two = take(ledger, **{**CARD_PAYMENT, "processor_reference": "ch_2"}, amount_cents=1500)
    take(ledger, **{**CARD_PAYMENT, "processor_reference": "ch_3"}, amount_cents=700)
    take(ledger, tender=CASH, tendered_cents=999)  # never reaches a processor
    lines = rec.parse_settlement(FILE, location_id=LOCATION, business_date=DAY)
    result = rec.reconcile(ledger.payments, lines, tolerance_cents=0)
    by = {row.reference: row for row in result.rows}
    assert {ref: row.status for ref, row in by.items()} == {
        "ch_1": rec.MATCHED, "ch_2": rec.MISMATCH, "ch_9": rec.MISSING_IN_RECORDS, "ch_3": rec.MISSING_IN_SETTLEMENT}
    assert by["ch_2"].difference_cents == 50 and by["ch_2"].payment_id == two.payment_id
    assert "amount settled 15.50 vs recorded 15.00 (+0.50)" in by["ch_2"].explanation
    assert by["ch_1"].payment_id == one.payment_id and not result.balanced
    tolerant = rec.reconcile(ledger.payments, lines, tolerance_cents=50)
    assert {r.reference: r.status for r in tolerant.rows}["ch_2"] == rec.MATCHED


def test_a_refunded_payment_is_matched_net_of_its_refund():
    ledger = Ledger(10**6)
    payment = take(ledger, **CARD_PAYMENT, amount_cents=2500, tip_cents=300)
    give_back(ledger, payment_id=payment.payment_id, amount_cents=500)
    lines = rec.parse_settlement(FILE, location_id=LOCATION, business_date=DAY)[:1]
    assert [r.status for r in rec.reconcile(ledger.payments, lines, 0).rows] == [rec.MATCHED]
    with pytest.raises(InvalidInput) as error:
        rec.reconcile(ledger.payments, lines, -1)
    assert error.value.field == "tolerance_cents"
