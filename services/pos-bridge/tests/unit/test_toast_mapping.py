"""Toast <-> the common model: doubles in major units, decimal quantities, `+0000` offsets, modifiers
as nested selections; the spec's POST /orders response example reads faithfully, and a property: any
order Toast can express survives the way out to Toast's format and back."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from chassis.errors import InvalidInput
from hypothesis import given, settings
from hypothesis import strategies as st
from pos_bridge.adapters.timefmt import to_epoch_ms
from pos_bridge.adapters.toast.mapping import money_in, order_from_toast, order_to_toast
from pos_bridge.domain.model import AppliedTax, Discount, LineItem, Modifier, Money, Order, OrderState, Tax, Totals

# Shaped like Toast's orders API v2 Order (toast-orders-api.yaml: Order, Check, Selection, AppliedTaxRate).
TOAST_ORDER = {
    "guid": "b0f4c5a2-7d4e-4c41-9a55-1f0f6f1d2e3a", "entityType": "Order", "externalId": "web-42",
    "createdDate": "2026-03-06T22:30:00.000+0400", "modifiedDate": "2026-03-06T22:35:10.250+0400",
    "checks": [{"guid": "c1", "entityType": "Check", "totalAmount": 21.65, "taxAmount": 1.65,
                "payments": [{"type": "CREDIT", "amount": 21.65, "tipAmount": 4.0}],
                "appliedDiscounts": [{"guid": "d1", "name": "Loyalty", "discountAmount": 2.0}],
                "selections": [{
                    "guid": "s1", "displayName": "Fries", "item": {"guid": "item-fries"}, "quantity": 2,
                    "receiptLinePrice": 8.5,
                    "modifiers": [{"guid": "s1m1", "displayName": "Truffle", "item": {"guid": "opt-truffle"},
                                   "optionGroup": {"guid": "grp-toppings"}, "quantity": 1, "receiptLinePrice": 1.25}],
                    "appliedTaxes": [{"taxRate": {"guid": "tax-city"}, "name": "City", "rate": 8.25,
                                      "taxAmount": 1.65}]}]}],
}


def test_a_toast_order_reads_faithfully():
    order = order_from_toast(TOAST_ORDER, "restaurant-1")
    assert order.created_at == datetime(2026, 3, 6, 18, 30, tzinfo=UTC)   # +0400, no colon
    assert order.version == to_epoch_ms(order.updated_at) and order.external_ref == "web-42"
    [fries] = order.line_items
    assert fries.quantity == Decimal(2) and fries.unit_price == Money(850, "USD")
    assert fries.modifiers == (Modifier("s1m1", "opt-truffle", "Truffle", Decimal(1), Money(125, "USD"), "grp-toppings"),)
    assert fries.applied_taxes == (AppliedTax("tax-city", Money(165, "USD")),)
    assert order.taxes == (Tax("tax-city", "City", Decimal("8.25")),)
    assert order.discounts == (Discount("d1", "Loyalty", Money(200, "USD")),)
    assert order.totals == Totals(Money(2165, "USD"), tax=Money(165, "USD"), tip=Money(400, "USD"))
    assert order_from_toast(order_to_toast(order), "restaurant-1") == order


def test_doubles_must_be_whole_cents():
    assert money_in(0.1, "x", "USD") == Money(10, "USD") and money_in(19.99, "x", "USD") == Money(1999, "USD")
    with pytest.raises(InvalidInput):
        money_in(0.125, "x", "USD")
    with pytest.raises(InvalidInput):
        money_in(True, "x", "USD")


def test_voided_and_closed_orders():
    voided = order_from_toast(TOAST_ORDER | {"voided": True}, "r")
    closed = order_from_toast(TOAST_ORDER | {"closedDate": "2026-03-06T23:00:00.000+0000"}, "r")
    assert voided.state is OrderState.CANCELED and closed.state is OrderState.COMPLETED


# --------------------------------------------------------------------------- the property

guids = st.uuids().map(str)
ms_times = st.integers(946_684_800_000, 4_102_444_800_000).map(
    lambda ms: datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=(ms % 1000) * 1000))
cents = st.integers(0, 10**12).map(lambda n: Money(n, "USD"))
quantities = st.integers(1, 10**6).map(lambda n: Decimal(n) / 1000)


@st.composite
def orders(draw):
    tax_pool = draw(st.lists(st.builds(Tax, guids, st.text(max_size=10),
                                       st.integers(0, 300_000).map(lambda r: Decimal(r) / 10_000)),
                             max_size=3, unique_by=lambda t: t.id))
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        modifiers = tuple(draw(st.lists(st.builds(Modifier, st.none() | guids, st.none() | guids, st.text(max_size=8),
                                                  quantities, cents, st.none() | guids), max_size=3)))
        applied = tuple(AppliedTax(t.id, draw(st.none() | cents)) for t in draw(
            st.lists(st.sampled_from(tax_pool), unique_by=lambda t: t.id))) if tax_pool else ()
        lines.append(LineItem(draw(guids), draw(st.none() | guids), draw(st.text(max_size=12)), draw(quantities),
                              draw(cents), modifiers, applied))
    used = dict.fromkeys(t.tax_ref for line in lines for t in line.applied_taxes)
    state = draw(st.sampled_from([OrderState.OPEN, OrderState.COMPLETED, OrderState.CANCELED]))
    closed = None if state is OrderState.OPEN else draw(
        ms_times if state is OrderState.COMPLETED else st.none() | ms_times)
    updated = draw(ms_times)
    return Order("toast", draw(guids), draw(guids), state, draw(ms_times), updated, version=to_epoch_ms(updated),
                 external_ref=draw(st.none() | st.text(min_size=1, max_size=20)), closed_at=closed,
                 line_items=tuple(lines), taxes=tuple(next(t for t in tax_pool if t.id == ref) for ref in used),
                 discounts=tuple(draw(st.lists(st.builds(Discount, guids, st.text(max_size=8), cents), max_size=2))),
                 totals=draw(st.none() | st.builds(Totals, cents, st.none() | cents, st.none(), st.none() | cents)))


@settings(max_examples=200, deadline=None)
@given(orders())
def test_property_an_order_survives_toast_out_and_in(order):
    wire = json.loads(json.dumps(order_to_toast(order)))
    assert order_from_toast(wire, order.location_ref) == order
