"""The difference between two versions of a POS order, as orders follows it: lines added, removed
and changed by the POS's line ids; payments newly completed."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pos_bridge.domain.codec import order_from_json, order_to_json, payment_to_json
from pos_bridge.domain.model import LineItem, Modifier, Money, Order, OrderState, Payment
from pos_bridge.domain.order_diff import line_changes, new_payments

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 29, 12, tzinfo=UTC)


def usd(cents: int) -> Money:
    return Money(cents, "USD")


def line(line_id: str, quantity: int = 1, price: int = 1000, **changes) -> LineItem:
    return replace(LineItem(line_id, "CAT1", "Burger", Decimal(quantity), usd(price)), **changes)


def order(*lines: LineItem, payments=()) -> Order:
    return Order("toast", "O1", "R1", OrderState.OPEN, AT, AT, line_items=lines, payments=tuple(payments))


def test_the_same_lines_are_no_change():
    assert not line_changes(order(line("A"), line("B")), order(line("A"), line("B")))


def test_added_removed_and_changed_lines_by_the_pos_line_id():
    changes = line_changes(order(line("A"), line("B"), line("C")),
                           order(line("A", quantity=3), line("C"), line("D")))
    assert changes.summary() == {"added": ["D"], "removed": ["B"], "changed": ["A"]}
    assert changes.changed[0].quantity == 3 and changes.added[0].id == "D"


@pytest.mark.parametrize("changed", [
    {"unit_price": usd(1100)}, {"name": "Cheeseburger"}, {"note": "no onions"},
    {"modifiers": (Modifier("M1", None, "Bacon", Decimal(1), usd(200)),)},
])
def test_what_changes_our_line_is_a_change(changed):
    assert line_changes(order(line("A")), order(line("A", **changed))).summary()["changed"] == ["A"]


@pytest.mark.parametrize("same", [{"catalog_ref": "CAT2"}, {"total": usd(1234)}])
def test_what_does_not_change_our_line_is_not_a_change(same):
    assert not line_changes(order(line("A")), order(line("A", **same)))


def test_only_newly_completed_payments_are_new():
    paid = Payment("P1", "COMPLETED", usd(1000), usd(200), "card", "VISA", "1111")
    pending = Payment("P2", "PENDING", usd(500))
    before = order(line("A"), payments=[paid, pending])
    after = order(line("A"), payments=[paid, replace(pending, status="COMPLETED"), Payment("P3", "FAILED", usd(1))])
    assert [p.id for p in new_payments(before, after)] == ["P2"]
    assert [p.id for p in new_payments(None, after)] == ["P1", "P2"]   # first time in orders: all completed


def test_payments_survive_the_json_the_order_is_held_in_and_old_json_has_none():
    paid = Payment("P1", "COMPLETED", usd(1000), usd(200), "card", "VISA", "1111", refunded=True)
    held = order(line("A"), payments=[paid])
    assert order_from_json(order_to_json(held)).payments == (paid,)
    old = order_to_json(held)
    del old["payments"]
    assert order_from_json(old).payments == ()
    assert payment_to_json(paid, "O1") == {
        "payment_id": "P1", "order_id": "O1", "status": "COMPLETED", "amount_cents": 1000, "tip_cents": 200,
        "tender": "card", "card_brand": "VISA", "card_last4": "1111", "processor_reference": "P1"}
    assert payment_to_json(Payment("C1", "COMPLETED", usd(5), tender="cash"), "O1")["processor_reference"] == ""
