"""Clover <-> the common model: long cents, tax rate x 100,000, epoch milliseconds, one line item per
unit, and a property: any order Clover can express survives the way out to Clover's format and back."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from chassis.errors import InvalidInput
from hypothesis import given, settings
from hypothesis import strategies as st
from pos_bridge.adapters.clover.mapping import order_from_clover, order_to_clover, rate_in, rate_out
from pos_bridge.adapters.timefmt import to_epoch_ms
from pos_bridge.domain.model import AppliedTax, Discount, LineItem, Modifier, Money, Order, OrderState, Tax, Totals

# Shaped like Clover's GET /v3/merchants/{mId}/orders/{id}?expand=lineItems,lineItems.modifications,...
# (field names from clover-android-sdk's v3 Order, LineItem, Modification and TaxRate classes).
CLOVER_ORDER = {
    "id": "ZR5T0S2C3WHCA", "currency": "USD", "total": 2462, "state": "open", "externalReferenceId": "table-9",
    "createdTime": 1732870800123, "modifiedTime": 1732870860456, "merchant": {"id": "MERCH0000001"},
    "lineItems": {"elements": [
        {"id": "L1", "item": {"id": "ITEMBURGER01"}, "name": "Burger", "price": 1050,
         "modifications": {"elements": [{"id": "M1", "name": "Cheese", "amount": 100,
                                         "modifier": {"id": "MODCHEESE001", "modifierGroup": {"id": "GRPADDONS01"}}}]},
         "taxRates": {"elements": [{"id": "TAXSTATE0001", "name": "State", "rate": 797500}]}},
        {"id": "L2", "item": {"id": "ITEMBURGER01"}, "name": "Burger", "price": 1050,
         "modifications": {"elements": [{"id": "M2", "name": "Cheese", "amount": 100,
                                         "modifier": {"id": "MODCHEESE001", "modifierGroup": {"id": "GRPADDONS01"}}}]},
         "taxRates": {"elements": [{"id": "TAXSTATE0001", "name": "State", "rate": 797500}]}},
        {"id": "L3", "item": {"id": "ITEMSALMON01"}, "name": "Salmon (lb)", "price": 1800, "unitQty": 1250},
    ]},
    "discounts": {"elements": [{"id": "D1", "name": "Happy hour", "amount": -500}]},
}


def test_a_clover_order_reads_faithfully():
    order = order_from_clover(CLOVER_ORDER)
    assert order.location_ref == "MERCH0000001" and order.external_ref == "table-9"
    assert order.created_at == datetime(2024, 11, 29, 9, 0, 0, 123000, tzinfo=UTC)
    assert order.version == 1732870860456 and to_epoch_ms(order.updated_at) == 1732870860456
    burger, salmon = order.line_items
    assert (burger.id, burger.quantity, burger.unit_price) == ("L1", Decimal(2), Money(1050, "USD"))
    assert burger.modifiers == (Modifier("M1", "MODCHEESE001", "Cheese", Decimal(1), Money(100, "USD"), "GRPADDONS01"),)
    assert salmon.quantity == Decimal("1.25")
    assert order.taxes == (Tax("TAXSTATE0001", "State", Decimal("7.975")),)
    assert order.discounts == (Discount("D1", "Happy hour", Money(500, "USD")),)
    assert order.totals == Totals(Money(2462, "USD"))


def test_two_units_go_out_as_two_lines():
    out = order_to_clover(order_from_clover(CLOVER_ORDER))
    lines = out["lineItems"]["elements"]
    assert [line.get("id") for line in lines] == ["L1", None, "L3"]   # Clover names the second unit's line
    assert lines[2]["unitQty"] == 1250 and lines[0]["taxRates"]["elements"][0]["rate"] == 797500


def test_rates_and_what_clover_cannot_say():
    assert rate_in(797500) == Decimal("7.975") and rate_out(Decimal("7.975")) == 797500
    with pytest.raises(InvalidInput):
        rate_out(Decimal("7.123456"))
    canceled = Order("clover", "O", "M", OrderState.CANCELED, datetime.now(UTC), datetime.now(UTC))
    with pytest.raises(InvalidInput):
        order_to_clover(canceled)


# --------------------------------------------------------------------------- the property

ids = st.text("ABCDEFGHJKMNPQRSTVWXYZ0123456789", min_size=13, max_size=13)
ms_times = st.integers(946_684_800_000, 4_102_444_800_000).map(
    lambda ms: datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=(ms % 1000) * 1000))
quantities = st.integers(1, 4).map(Decimal) | st.integers(1, 99_999).filter(lambda n: n % 1000).map(
    lambda n: Decimal(n) / 1000)


@st.composite
def orders(draw):
    cur = draw(st.sampled_from(["USD", "CAD"]))
    cents = st.integers(0, 10**9).map(lambda n: Money(n, cur))
    tax_pool = draw(st.lists(st.builds(Tax, ids, st.text(max_size=12),
                                       st.integers(0, 30 * 100_000).map(lambda r: Decimal(r) / 100_000)),
                             max_size=3, unique_by=lambda t: t.id))
    lines = []
    for index in range(draw(st.integers(0, 4))):
        mod_names = draw(st.lists(st.text(max_size=8), max_size=3, unique=True))
        modifiers = tuple(Modifier(draw(ids), draw(st.none() | ids), name, Decimal(draw(st.integers(1, 3))),
                                   draw(cents), draw(st.none() | ids)) for name in mod_names)
        applied = tuple(AppliedTax(t.id) for t in draw(st.lists(st.sampled_from(tax_pool), unique_by=lambda t: t.id))
                        ) if tax_pool else ()
        # A distinct name per line: Clover cannot tell two adjacent identical lines from two units of one.
        lines.append(LineItem(draw(ids), draw(st.none() | ids), f"item {index}", draw(quantities), draw(cents),
                              modifiers, applied, draw(st.none() | st.text(max_size=10))))
    used = [t.tax_ref for line in lines for t in line.applied_taxes]
    taxes = tuple(next(t for t in tax_pool if t.id == ref) for ref in dict.fromkeys(used))
    updated = draw(ms_times)
    return Order("clover", draw(ids), draw(ids), draw(st.sampled_from([OrderState.OPEN, OrderState.COMPLETED])),
                 draw(ms_times), updated, version=to_epoch_ms(updated), external_ref=draw(st.none() | ids),
                 line_items=tuple(lines), taxes=taxes,
                 discounts=tuple(draw(st.lists(st.builds(Discount, ids, st.text(max_size=8), cents), max_size=2))),
                 totals=draw(st.none() | st.builds(Totals, cents)))


@settings(max_examples=200, deadline=None)
@given(orders())
def test_property_an_order_survives_clover_out_and_in(order):
    wire = json.loads(json.dumps(order_to_clover(order)))
    assert order_from_clover(wire) == order
