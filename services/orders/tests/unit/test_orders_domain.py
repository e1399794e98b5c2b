"""The Order aggregate (a check): validation, money, the state machine, lines, courses, versions and
history (pure, no fakes needed)."""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

import pytest
from chassis.errors import Conflict, InvalidInput
from orders.domain.order import (
    CANCELLED,
    CLOSED,
    COURSE_FIRED,
    COURSE_HELD,
    FINAL,
    LINE_VOID,
    LINES_ADDED,
    OPEN,
    READY,
    SENT,
    SERVED,
    STATUS_ENTRY,
    STATUSES,
    TRANSITIONS,
    VOIDED,
    CheckDetails,
    LineInput,
    Order,
    PreconditionFailed,
    SalesTax,
)

from services.orders.tests.unit.fakes import LOCATION, NOW, STAFF, TENANT, SequentialIds

pytestmark = pytest.mark.unit

SOUP = LineInput("Soup", 2, 500, course="appetizer")
STEAK = LineInput("Steak", 1, 2900, course="main")
ACTOR = str(STAFF)
LATER = NOW + timedelta(minutes=3)


def place(lines=(SOUP,), tip_cents: int = 0, placed_at: datetime = NOW, details: CheckDetails | None = None,
          ids: SequentialIds | None = None) -> Order:
    return Order.place(tenant_id=TENANT, location_id=LOCATION, server_staff_id=STAFF, lines=list(lines),
                       tip_cents=tip_cents, placed_at=placed_at, new_id=ids or SequentialIds(), details=details)


def in_state(status: str, lines=(SOUP, STEAK)) -> Order:
    order = place(lines)
    order.status = status
    return order


def step(order: Order, method: str, *args, **kwargs):
    return getattr(order, method)(*args, actor_id=ACTOR, at=LATER, new_id=uuid.uuid4, **kwargs)


# ---------------------------------------------------------------- opening
def test_a_placed_order_takes_its_ids_and_time_from_the_caller():
    order = place([SOUP, LineInput("  Bread ", 1, 300, "grocery", 50)], tip_cents=100)
    assert order.order_id == uuid.UUID(int=1)
    assert [line.line_id for line in order.lines] == [uuid.UUID(int=2), uuid.UUID(int=3)]
    assert order.lines[1].name == "Bread"
    assert (order.status, order.placed_at, order.total_cents, order.version) == (OPEN, NOW, 100, 1)
    # One step, one history entry (as one OrderPlaced event): the lines are part of the opening.
    assert [(h.kind, h.to_status, h.version) for h in order.history] == [(STATUS_ENTRY, OPEN, 1)]


def test_an_empty_check_opens_at_version_1_with_its_details():
    order = place([], details=CheckDetails("dine_in", "counter", " 12 ", 2, "window seat"))
    assert (order.table, order.guest_count, order.notes, order.version, order.lines) == ("12", 2, "window seat", 1, [])
    assert order.business_date == NOW.date()


@pytest.mark.parametrize(("lines", "tip", "details", "field"), [
    ([SOUP], -1, None, "tip_cents"),
    ([SOUP], 10**12, None, "tip_cents"),
    ([SOUP, LineInput(" ", 1, 100)], 0, None, "lines[1].name"),
    ([LineInput("x" * 201, 1, 100)], 0, None, "lines[0].name"),
    ([LineInput("So\x00up", 1, 100)], 0, None, "lines[0].name"),
    ([LineInput("Soup", 1, 100, "caviar")], 0, None, "lines[0].category"),
    ([LineInput("Soup", 0, 100)], 0, None, "lines[0].quantity"),
    ([LineInput("Soup", 10_001, 100)], 0, None, "lines[0].quantity"),
    ([LineInput("Soup", 1, -1)], 0, None, "lines[0].unit_price_cents"),
    ([LineInput("Soup", 2, 100, discount_cents=201)], 0, None, "lines[0].discount_cents"),
    ([LineInput("Soup", 2, 100, discount_cents=-1)], 0, None, "lines[0].discount_cents"),
    ([LineInput("Soup", 1, 100, seat=0)], 0, None, "lines[0].seat"),
    ([LineInput("Soup", 1, 100, course="c" * 41)], 0, None, "lines[0].course"),
    ([SOUP], 0, CheckDetails(order_type="drive_thru"), "order_type"),
    ([SOUP], 0, CheckDetails(channel="fax"), "channel"),
    ([SOUP], 0, CheckDetails(guest_count=-1), "guest_count"),
    ([SOUP], 0, CheckDetails(guest_count=501), "guest_count"),
    ([SOUP], 0, CheckDetails(table="t" * 41), "table"),
    ([SOUP], 0, CheckDetails(external_id="abc"), "external_id"),
])
def test_bad_input_names_the_field(lines, tip, details, field):
    with pytest.raises(InvalidInput) as error:
        place(lines, tip_cents=tip, details=details)
    assert error.value.field == field


def test_a_naive_time_is_a_programming_error():
    with pytest.raises(ValueError):
        place(placed_at=NOW.replace(tzinfo=None))


def test_tax_sets_totals_and_each_active_line():
    order = place([SOUP, LineInput("Lager", 1, 700, "alcohol")], tip_cents=325)
    order.apply_tax(SalesTax(1700, 150, {str(order.lines[0].line_id): 80, str(order.lines[1].line_id): 70}, "sales-9"))
    assert (order.subtotal_cents, order.tax_cents, order.total_cents) == (1700, 150, 1700 + 150 + 325)
    assert [line.tax_cents for line in order.lines] == [80, 70]
    assert order.tax_rules_version == "sales-9"


# ---------------------------------------------------------------- the state machine
LEGAL = {(OPEN, SENT), (OPEN, CANCELLED), (SENT, READY), (SENT, CANCELLED), (SENT, VOIDED), (READY, SERVED),
         (READY, CANCELLED), (READY, VOIDED), (SERVED, CLOSED), (SERVED, VOIDED)}


def test_the_transition_table_is_the_documented_machine():
    assert {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts} == LEGAL
    assert FINAL == {CLOSED, CANCELLED, VOIDED}


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(STATUSES, STATUSES)))
def test_every_move(current, wanted):
    order = in_state(current)
    version = order.version
    if (current, wanted) in LEGAL:
        change = step(order, "move_to", wanted, reason="why not")
        assert (change.previous, change.current, order.status) == (current, wanted, wanted)
        assert order.version == version + 1
        last = order.history[-1]
        assert (last.kind, last.from_status, last.to_status, last.actor_id, last.reason, last.at, last.version) == (
            STATUS_ENTRY, current, wanted, ACTOR, "why not", LATER, version + 1)
    else:
        with pytest.raises(Conflict) as error:
            step(order, "move_to", wanted, reason="why not")
        assert error.value.field == "status" and f"is {current}" in error.value.message
        assert (order.status, order.version) == (current, version)


@pytest.mark.parametrize(("legacy", "new"), [("in_kitchen", SENT), ("completed", SERVED)])
def test_the_first_flows_names_still_move(legacy, new):
    order = in_state({SENT: OPEN, SERVED: READY}[new])
    assert step(order, "move_to", legacy).current == new


def test_an_unknown_status_is_bad_input():
    with pytest.raises(InvalidInput) as error:
        step(place(), "move_to", "eaten")
    assert error.value.field == "status"


def test_a_void_needs_a_reason_and_a_cancel_may_have_one():
    order = in_state(SERVED)
    with pytest.raises(InvalidInput) as error:
        step(order, "void", reason=" ")
    assert error.value.field == "reason"
    assert step(order, "void", reason="walked out").current == VOIDED
    assert step(in_state(OPEN), "cancel").current == CANCELLED


def test_nothing_to_send_is_a_conflict():
    order = place([])
    with pytest.raises(Conflict) as error:
        step(order, "move_to", SENT)
    assert error.value.field == "lines"
    step(order, "add_lines", [SOUP])
    step(order, "void_line", order.lines[0].line_id, reason="wrong table")
    with pytest.raises(Conflict):
        step(order, "move_to", SENT)


# ---------------------------------------------------------------- lines
@pytest.mark.parametrize("status", STATUSES)
def test_adding_lines_in_every_state(status):
    order = in_state(status)
    version = order.version
    if status in FINAL:
        with pytest.raises(Conflict) as error:
            step(order, "add_lines", [STEAK])
        assert error.value.field == "status" and order.version == version
        return
    [added] = step(order, "add_lines", [STEAK])
    assert added.addition == (status != OPEN)  # after sending, the kitchen gets additions
    assert order.lines[-1] is added and order.version == version + 1
    assert order.history[-1].kind == LINES_ADDED


def test_added_lines_name_their_index_in_the_request():
    with pytest.raises(InvalidInput) as error:
        step(place(), "add_lines", [STEAK, LineInput("", 1, 1)])
    assert error.value.field == "lines[1].name"
    with pytest.raises(InvalidInput) as error:
        step(place(), "add_lines", [])
    assert error.value.field == "lines"


@pytest.mark.parametrize("status", STATUSES)
def test_voiding_a_line_in_every_state(status):
    order = in_state(status)
    line = order.lines[0]
    if status in FINAL:
        with pytest.raises(Conflict):
            step(order, "void_line", line.line_id, reason="spilled")
        return
    voided = step(order, "void_line", line.line_id, reason=" spilled ")
    assert (voided.status, voided.void_reason, voided.active) == ("voided", "spilled", False)
    entry = order.history[-1]
    assert (entry.kind, entry.line_id, entry.reason) == (LINE_VOID, line.line_id, "spilled")
    assert line not in order.active_lines


def test_line_void_rules():
    order = place()
    line_id = order.lines[0].line_id
    with pytest.raises(InvalidInput) as error:
        step(order, "void_line", line_id, reason="")
    assert error.value.field == "reason"
    with pytest.raises(InvalidInput) as error:
        step(order, "void_line", uuid.uuid4(), reason="x")
    assert error.value.field == "line_id"
    step(order, "void_line", line_id, reason="x")
    with pytest.raises(Conflict) as error:
        step(order, "void_line", line_id, reason="again")
    assert error.value.field == "line_id"


def test_a_voided_line_costs_nothing():
    order = place([SOUP, STEAK])
    step(order, "void_line", order.lines[0].line_id, reason="x")
    order.apply_tax(SalesTax(2900, 232, {str(order.lines[0].line_id): 80, str(order.lines[1].line_id): 232}, "v"))
    assert [line.tax_cents for line in order.lines] == [0, 232]


# ---------------------------------------------------------------- courses
def test_hold_and_fire_a_course():
    order = place([SOUP, STEAK, LineInput("Fries", 1, 500, course="main")])
    held = step(order, "hold_course", "main")
    assert [line.name for line in held] == ["Steak", "Fries"] and all(line.held for line in held)
    assert order.held_courses == {"main"} and order.history[-1].kind == COURSE_HELD
    [more] = step(order, "add_lines", [LineInput("Salad", 1, 900, course="main")])
    assert more.held  # a line of a held course waits with it
    step(order, "move_to", SENT)
    fired = step(order, "fire_course", "main")  # firing after sending is the usual way
    assert len(fired) == 3 and not any(line.held for line in order.lines)
    assert order.held_courses == set() and order.history[-1].kind == COURSE_FIRED
    assert order.history[-1].course == "main"


@pytest.mark.parametrize("status", STATUSES)
def test_holding_a_course_only_on_an_open_check(status):
    order = in_state(status)
    if status == OPEN:
        step(order, "hold_course", "main")
    else:
        with pytest.raises(Conflict) as error:
            step(order, "hold_course", "main")
        assert status in error.value.message


@pytest.mark.parametrize("status", STATUSES)
def test_firing_a_held_course_until_the_check_is_final(status):
    order = place([SOUP, STEAK])
    step(order, "hold_course", "main")
    order.status = status
    if status in FINAL:
        with pytest.raises(Conflict):
            step(order, "fire_course", "main")
    else:
        assert [line.name for line in step(order, "fire_course", "main")] == ["Steak"]


def test_course_mistakes():
    order = place()
    with pytest.raises(Conflict) as error:
        step(order, "fire_course", "main")
    assert error.value.field == "course"
    step(order, "hold_course", "main")
    with pytest.raises(Conflict):
        step(order, "hold_course", "main")
    with pytest.raises(InvalidInput) as error:
        step(order, "hold_course", " ")
    assert error.value.field == "course"


# ---------------------------------------------------------------- versions
def test_every_step_bumps_the_version_and_a_stale_one_is_refused():
    order = place([SOUP, STEAK])
    seen = order.version
    order.check_version(None)
    order.check_version(seen)
    step(order, "hold_course", "main")
    with pytest.raises(PreconditionFailed) as error:
        order.check_version(seen)
    assert error.value.http_status == 412 and error.value.field == "version"
    assert [h.version for h in order.history] == list(range(1, order.version + 1))


@pytest.mark.parametrize("status", STATUSES)
def test_only_a_closed_check_is_refundable(status):
    assert in_state(status).refundable() == (status == CLOSED)
