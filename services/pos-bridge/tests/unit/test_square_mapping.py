"""Square <-> the common model: the spec's examples read faithfully, and a property: any order the
common model can hold survives the way out to Square's wire format and back unchanged."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pos_bridge.adapters.square.mapping import (
    event_from_square,
    menu_from_square,
    order_from_square,
    order_to_square,
)
from pos_bridge.domain.model import (
    AppliedTax,
    Discount,
    EventKind,
    LineItem,
    Modifier,
    Money,
    Order,
    OrderState,
    Tax,
    Totals,
)

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "square_examples.json").read_text())


def test_the_spec_create_order_example_reads_faithfully():
    order = order_from_square(EXAMPLES["CreateOrderResponse"]["order"])
    assert order.provider_order_id == "CAISENgvlJ6jLWAzERDzjyHVybY" and order.version == 1
    assert order.location_ref == "057P5VYJ4A5X1" and order.external_ref == "my-order-001"
    assert order.created_at == datetime(2020, 1, 17, 20, 47, 53, 293000, tzinfo=UTC)
    steak, strip = order.line_items[1], order.line_items[0]
    assert steak.quantity == Decimal(2) and steak.unit_price == Money(2200, "USD")
    assert steak.catalog_ref == "BEMYCSMIJL46OCDV4KYIKXIB" and steak.total == Money(4528, "USD")
    assert steak.modifiers[0].name == "Well" and steak.modifiers[0].unit_price == Money(50, "USD")
    assert strip.applied_taxes == (AppliedTax("state-sales-tax", Money(136, "USD")),)
    assert order.taxes == (Tax("state-sales-tax", "State Sales Tax", Decimal(9), False, Money(510, "USD")),)
    assert order.totals == Totals(Money(6176, "USD"), Money(510, "USD"), Money(433, "USD"),
                                  Money(0, "USD"), Money(0, "USD"))


@pytest.mark.parametrize("example", ["CreateOrderResponse", "RetrieveOrderResponse"])
def test_a_spec_order_survives_out_and_in(example):
    order = order_from_square(EXAMPLES[example]["order"])
    assert order_from_square(order_to_square(order)) == order


def test_thin_order_events_read_as_order_events_with_their_version():
    created = event_from_square(EXAMPLES["OrderCreatedEvent"])
    assert created.kind is EventKind.ORDER and created.event_type == "order.created"
    assert created.provider_event_id == "116038d3-2948-439f-8679-fc86dbf80f69"
    assert created.object_id == "eA3vssLHKJrv9H0IdJCM3gNqfdcZY" and created.object_version == 1
    assert created.merchant_ref == "5S9MXCS9Y99KK" and created.location_ref == "FPYCBCHYMXFK1"
    assert event_from_square(EXAMPLES["OrderUpdatedEvent"]).object_version == 2


def test_the_catalog_example_gives_its_tax():
    menu = menu_from_square(EXAMPLES["ListCatalogResponse"]["objects"])
    assert [(t.name, t.rate_percent) for t in menu.taxes] == [("Sales Tax", Decimal("5.0"))]


# --------------------------------------------------------------------------- the property

ids = st.text("ABCDEFGHJKMNPQRSTVWXYZ0123456789", min_size=1, max_size=24)
names = st.text(min_size=0, max_size=30)
currency = st.sampled_from(["USD", "CAD", "EUR", "JPY"])
quantities = st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("99999"), places=5, allow_nan=False)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@st.composite
def money(draw, cur=None):
    return Money(draw(st.integers(min_value=0, max_value=2**53)), cur or draw(currency))


@st.composite
def orders(draw):
    cur = draw(currency)
    m = money(cur)
    taxes = draw(st.lists(st.builds(Tax, ids, names, st.decimals(min_value=0, max_value=100, places=4),
                                    st.booleans(), st.none() | m), max_size=3, unique_by=lambda t: t.id))
    lines = draw(st.lists(st.builds(
        LineItem, ids, st.none() | ids, names, quantities, m,
        st.lists(st.builds(Modifier, st.none() | ids, st.none() | ids, names, quantities, m, st.none()),
                 max_size=3).map(tuple),
        st.lists(st.builds(AppliedTax, ids, st.none() | m), max_size=2).map(tuple),
        st.none() | names, st.none() | m), max_size=4).map(tuple))
    created = draw(times)
    return Order(
        provider="square", provider_order_id=draw(ids), location_ref=draw(ids), state=draw(st.sampled_from(OrderState)),
        created_at=created, updated_at=draw(times), version=draw(st.none() | st.integers(1, 2**31)),
        external_ref=draw(st.none() | ids), closed_at=draw(st.none() | times), line_items=lines, taxes=tuple(taxes),
        discounts=tuple(draw(st.lists(st.builds(Discount, ids, names, m), max_size=2))),
        totals=draw(st.none() | st.builds(Totals, m, st.none() | m, st.none() | m, st.none() | m, st.none() | m)))


@settings(max_examples=200, deadline=None)
@given(orders())
def test_property_an_order_survives_square_out_and_in(order):
    wire = json.loads(json.dumps(order_to_square(order)))   # as it travels: JSON, no Python objects
    assert order_from_square(wire) == order


@settings(max_examples=100, deadline=None)
@given(orders())
def test_property_an_order_survives_storage_as_json(order):
    from pos_bridge.domain.codec import order_from_json, order_to_json

    assert order_from_json(json.loads(json.dumps(order_to_json(order)))) == order
