"""The Order aggregate: validation, money and the status flow (pure, no fakes needed)."""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime

import pytest
from chassis.errors import Conflict, InvalidInput
from orders.domain.order import (
    CANCELLED,
    COMPLETED,
    IN_KITCHEN,
    NEXT_STATUS,
    PLACED,
    READY,
    STATUSES,
    LineInput,
    Order,
    SalesTax,
)

from services.orders.tests.unit.fakes import LOCATION, NOW, STAFF, TENANT, SequentialIds

pytestmark = pytest.mark.unit

SOUP = LineInput("Soup", 2, 500)


def place(lines=(SOUP,), tip_cents: int = 0, placed_at: datetime = NOW) -> Order:
    return Order.place(tenant_id=TENANT, location_id=LOCATION, server_staff_id=STAFF, lines=list(lines),
                       tip_cents=tip_cents, placed_at=placed_at, new_id=SequentialIds())


def test_a_placed_order_takes_its_ids_and_time_from_the_caller():
    order = place([SOUP, LineInput("  Bread ", 1, 300, "grocery", 50)], tip_cents=100)
    assert order.order_id == uuid.UUID(int=1)
    assert [line.line_id for line in order.lines] == [uuid.UUID(int=2), uuid.UUID(int=3)]
    assert order.lines[1].name == "Bread"
    assert (order.status, order.placed_at, order.total_cents) == (PLACED, NOW, 100)


@pytest.mark.parametrize(("lines", "tip", "field"), [
    ([], 0, "lines"),
    ([SOUP], -1, "tip_cents"),
    ([SOUP, LineInput(" ", 1, 100)], 0, "lines[1].name"),
    ([LineInput("Soup", 1, 100, "caviar")], 0, "lines[0].category"),
    ([LineInput("Soup", 0, 100)], 0, "lines[0].quantity"),
    ([LineInput("Soup", 1, -1)], 0, "lines[0].unit_price_cents"),
    ([LineInput("Soup", 2, 100, discount_cents=201)], 0, "lines[0].discount_cents"),
    ([LineInput("Soup", 2, 100, discount_cents=-1)], 0, "lines[0].discount_cents"),
])
def test_bad_input_names_the_field(lines, tip, field):
    with pytest.raises(InvalidInput) as error:
        place(lines, tip_cents=tip)
    assert error.value.field == field


def test_a_naive_time_is_a_programming_error():
    with pytest.raises(ValueError):
        place(placed_at=NOW.replace(tzinfo=None))


def test_tax_sets_totals_and_each_line():
    order = place([SOUP, LineInput("Lager", 1, 700, "alcohol")], tip_cents=325)
    order.apply_tax(SalesTax(1700, 150, {str(order.lines[0].line_id): 80, str(order.lines[1].line_id): 70}, "sales-9"))
    assert (order.subtotal_cents, order.tax_cents, order.total_cents) == (1700, 150, 1700 + 150 + 325)
    assert [line.tax_cents for line in order.lines] == [80, 70]
    assert order.tax_rules_version == "sales-9"


LEGAL = {(PLACED, IN_KITCHEN), (PLACED, READY), (IN_KITCHEN, READY), (READY, COMPLETED),
         (PLACED, CANCELLED), (IN_KITCHEN, CANCELLED), (READY, CANCELLED)}


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(STATUSES, STATUSES)))
def test_every_move(current, wanted):
    order = place()
    order.status = current
    if (current, wanted) in LEGAL:
        change = order.move_to(wanted)
        assert (change.previous, change.current, order.status) == (current, wanted, wanted)
    else:
        with pytest.raises(Conflict) as error:
            order.move_to(wanted)
        assert error.value.field == "status" and current in error.value.message
        assert order.status == current


def test_the_flow_table_matches_the_legal_moves():
    assert {(a, b) for a, nexts in NEXT_STATUS.items() for b in nexts} | {
        (s, CANCELLED) for s in (PLACED, IN_KITCHEN, READY)} == LEGAL


def test_an_unknown_status_is_bad_input():
    with pytest.raises(InvalidInput) as error:
        place().move_to("eaten")
    assert error.value.field == "status"


@pytest.mark.parametrize("final", [COMPLETED, CANCELLED])
def test_a_finished_order_cannot_be_cancelled(final):
    order = place()
    order.status = final
    with pytest.raises(Conflict) as error:
        order.cancel()
    assert final in error.value.message and error.value.field == "status"
