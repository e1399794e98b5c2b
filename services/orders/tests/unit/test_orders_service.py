"""Check use cases against fakes: what each one stages, commits and refuses."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from auraconnect.orders.v1 import events_pb2, orders_pb2
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orders.domain.order import (
    CANCELLED,
    CLOSED,
    OPEN,
    READY,
    SENT,
    SERVED,
    STATUSES,
    VOIDED,
    CheckDetails,
    LineInput,
    Order,
    PreconditionFailed,
)
from orders.service_layer import checks, reports
from orders.service_layer.checks import TOPIC, CheckPeers, Idempotency, LineRequest, ListQuery

from services.orders.tests.unit.fakes import (
    LOCATION,
    NOW,
    OTHER_LOCATION,
    STAFF,
    TENANT,
    FakeDirectory,
    FakeMenu,
    FakeModifier,
    FakeOrdersUnitOfWork,
    FakePricedItem,
    FakePricing,
    FixedClock,
    identity,
)

pytestmark = pytest.mark.unit

LINES = [LineRequest(name="Cheesesteak", quantity=2, unit_price_cents=1250),
         LineRequest(name="Lager", unit_price_cents=700, category="alcohol")]
SERVER = frozenset({"orders:create", "orders:read", "staff:read:own", "payroll:read:own"})
KITCHEN = frozenset({"orders:read", "kitchen:read", "kitchen:update"})
BURGER, CHEESE = uuid.UUID(int=0xB0), uuid.UUID(int=0xC0)


@pytest.fixture
def peers(tax, clock, ids) -> CheckPeers:
    return CheckPeers(clock=clock, new_id=ids, tax=tax)


def place(uow, peers, who=None, lines=LINES, key: Idempotency = checks.NO_KEY, **changes):
    args = {"location_id": str(LOCATION), "tip_cents": 325, **changes}
    return checks.place_order(lambda: uow, who or identity(), lines=lines, peers=peers, key=key, **args)


def opened(uow, peers, **changes) -> Order:
    return place(uow, peers, **changes).order


def key(value: str, body: object = "body") -> Idempotency:
    return Idempotency.of(value, "POST /orders", body)


# ---------------------------------------------------------------- opening
def test_placing_stages_order_placed_with_the_totals_and_commits_once(uow, peers):
    outcome = place(uow, peers)
    order = outcome.order
    assert outcome.status == 201 and uow.commits == 1
    assert (order.order_id, order.placed_at, order.server_staff_id, order.status) == (uuid.UUID(int=1), NOW, STAFF, OPEN)
    assert (order.subtotal_cents, order.tax_cents, order.total_cents) == (3200, 200 + 56, 3200 + 256 + 325)
    assert all(line.open_price for line in order.lines)  # today's form: open-price lines
    assert uow.orders.saved[order.order_id] == order
    [staged] = uow.events
    assert (staged.topic, staged.key, staged.subject) == (TOPIC, str(order.order_id), str(order.order_id))
    event = staged.message
    assert isinstance(event, events_pb2.OrderPlaced)
    assert (event.order.subtotal_cents, event.order.tax_cents, event.order.tip_cents, event.order.total_cents) == (
        3200, 256, 325, 3781)
    assert event.order.tenant_id == str(TENANT) and event.order.status == orders_pb2.ORDER_STATUS_OPEN
    assert [line.tax_cents for line in event.order.lines] == [200, 56]
    # Opened with lines: one step, one history entry, one event (version 1).
    assert event.order.version == 1 and event.order.business_date == "2026-03-14"
    assert [h.kind for h in outcome.order.history] == ["status"]


def test_an_empty_check_at_table_12_costs_nothing_and_asks_no_tax(uow, peers, tax):
    order = opened(uow, peers, lines=[], tip_cents=0, details=CheckDetails("dine_in", "counter", "12", 2))
    assert (order.table, order.guest_count, order.total_cents, order.lines) == ("12", 2, 0, [])
    assert not tax.calls


def test_the_business_date_is_the_locations_local_date(uow, peers):
    late = FixedClock(NOW.replace(hour=2))  # 02:00 UTC is the evening before in New York
    peers = replace(peers, clock=late, directory=FakeDirectory(zones={str(LOCATION): "America/New_York"}))
    assert opened(uow, peers).business_date == date(2026, 3, 13)


def test_the_server_must_be_staff_of_the_location(uow, peers):
    other, elsewhere = str(uuid.UUID(int=0xD1)), str(uuid.UUID(int=0xD2))
    directory = FakeDirectory(staff={other: (), elsewhere: (str(OTHER_LOCATION),)})
    peers = replace(peers, directory=directory)
    assert str(opened(uow, peers, server_staff_id=other).server_staff_id) == other
    for server in (elsewhere, str(uuid.UUID(int=0xD3))):
        with pytest.raises(InvalidInput) as error:
            place(uow, peers, server_staff_id=server)
        assert error.value.field == "server_staff_id"
    directory.calls.clear()
    opened(uow, peers)  # the caller serves: the token already says who they are and where they work
    assert directory.calls == [] and uow.commits == 2


@pytest.mark.parametrize(("line", "field"), [
    (LineRequest(name="Soup", quantity=0, unit_price_cents=100), "lines[1].quantity"),
    (LineRequest(name="Soup", unit_price_cents=100, category="caviar"), "lines[1].category"),
    (LineRequest(name="", unit_price_cents=100), "lines[1].name"),
    (LineRequest(name="Soup"), "lines[1].item_id"),
    (LineRequest(), "lines[1].item_id"),
    (LineRequest(item_id=str(BURGER)), "lines[1].item_id"),  # no menu wired
    (LineRequest(name="Soup", unit_price_cents=1, modifier_ids=("x",)), "lines[1].modifier_ids"),
])
def test_a_bad_line_is_refused_and_commits_nothing(uow, peers, tax, line, field):
    with pytest.raises(InvalidInput) as error:
        place(uow, peers, lines=[LINES[0], line])
    assert error.value.field == field
    assert uow.commits == 0 and uow.events == [] and uow.orders.saved == {} and not tax.calls


@pytest.mark.parametrize(("changes", "field"), [
    ({"location_id": "not-a-uuid"}, "location_id"),
    ({"server_staff_id": "nobody"}, "server_staff_id"),
])
def test_malformed_ids_name_the_field(uow, peers, changes, field):
    with pytest.raises(InvalidInput) as error:
        place(uow, peers, **changes)
    assert error.value.field == field and uow.commits == 0


def test_a_location_the_caller_may_not_access_is_refused(uow, peers, tax):
    with pytest.raises(PermissionDenied) as error:
        place(uow, peers, who=identity(location_ids=(str(OTHER_LOCATION),)))
    assert error.value.field == "location_id"
    assert uow.commits == 0 and not tax.calls


# ---------------------------------------------------------------- prices: menu, open price, discounts
@pytest.fixture
def menu() -> FakeMenu:
    cheese = FakeModifier(CHEESE, "Cheddar", 150)
    return FakeMenu(items={BURGER: FakePricedItem(BURGER, "Burger", 1400)}, modifiers={CHEESE: cheese})


def test_a_menu_line_takes_name_price_tags_and_course_from_the_menu(uow, peers, menu):
    peers = replace(peers, menu=menu)
    order = opened(uow, peers, lines=[LineRequest(item_id=str(BURGER), modifier_ids=(str(CHEESE),), seat=2,
                                                  notes="no onions")])
    [line] = order.lines
    assert (line.name, line.unit_price_cents, line.item_id, line.course, line.kitchen_tags) == (
        "Burger", 1550, BURGER, "main", ("grill",))
    assert (line.seat, line.notes, line.open_price, line.prep_time_seconds) == (2, "no onions", False, 600)
    assert [(m.modifier_id, m.price_delta_cents) for m in line.modifiers] == [(str(CHEESE), 150)]
    event = uow.events_of(events_pb2.OrderPlaced)[0]
    assert event.order.lines[0].kitchen_tags == ["grill"] and event.order.lines[0].modifiers[0].name == "Cheddar"


def test_the_menus_refusals_name_the_line(uow, peers, menu):
    menu.eighty_sixed.add(BURGER)
    peers = replace(peers, menu=menu)
    with pytest.raises(Conflict) as error:
        place(uow, peers, lines=[LINES[0], LineRequest(item_id=str(BURGER))])
    assert error.value.field == "lines[1].item_id"
    with pytest.raises(InvalidInput) as error:
        place(uow, peers, lines=[LineRequest(item_id=str(BURGER), modifier_ids=("nope",))])
    assert error.value.field == "lines[0].modifier_ids[0]"
    with pytest.raises(InvalidInput) as error:
        place(uow, peers, lines=[LineRequest(item_id=str(BURGER), name="Cheap burger", unit_price_cents=1)])
    assert error.value.field == "lines[0].item_id"


def test_open_price_lines_need_their_permission(uow, peers, menu):
    server = identity(permissions=SERVER)
    flagged = [LineRequest(name="Special", unit_price_cents=900, open_price=True)]
    with pytest.raises(PermissionDenied) as error:
        place(uow, peers, who=server, lines=flagged)
    assert error.value.field == "lines[0].open_price"
    assert opened(uow, peers, lines=flagged).lines[0].open_price  # a manager may
    # Today's form is accepted from a server while no menu is wired, not once it is.
    assert opened(uow, peers, who=server).lines[0].open_price
    with pytest.raises(PermissionDenied):
        place(uow, replace(peers, menu=menu), who=server)
    # A POS prices its own lines.
    pos = CheckDetails(channel="pos:square")
    assert opened(uow, replace(peers, menu=menu), who=server, details=pos).lines[0].open_price


def test_discounts_by_hand_need_orders_discount_and_rules_apply(uow, peers, menu):
    server = identity(permissions=SERVER)
    discounted = [LineRequest(item_id=str(BURGER), discount_cents=100)]
    with pytest.raises(PermissionDenied) as error:
        place(uow, replace(peers, menu=menu), who=server, lines=discounted)
    assert error.value.field == "lines[0].discount_cents"
    order = opened(uow, replace(peers, menu=menu, pricing=FakePricing(10)), lines=discounted)
    assert order.lines[0].discount_cents == 100 + 140 and order.subtotal_cents == 1400 - 240
    # The line says which rule gave how much (the rest was given by hand), in the answer and the event.
    assert [(d.rule_id, d.rule_name, d.amount_cents) for d in order.lines[0].discounts] == [
        ("rule-10-percent", "10 % off", 140)]
    [placed] = [e.message for e in uow.events if e.message.order.order_id == str(order.order_id)]
    assert [(d.rule_id, d.amount_cents) for d in placed.order.lines[0].discounts] == [("rule-10-percent", 140)]
    body = checks.get_order(lambda: uow, identity(), str(order.order_id))
    assert body.lines[0].discounts == order.lines[0].discounts


def test_a_rule_never_takes_more_than_what_is_left_of_a_line(uow, peers, menu):
    whole = [LineRequest(item_id=str(BURGER), discount_cents=1350)]
    order = opened(uow, replace(peers, menu=menu, pricing=FakePricing(10)), lines=whole)
    assert order.lines[0].discount_cents == 1400
    assert [d.amount_cents for d in order.lines[0].discounts] == [50]


# ---------------------------------------------------------------- idempotency
def test_the_same_key_and_body_replays_the_first_answer(uow, peers, tax):
    first = place(uow, peers, key=key("k-1"))
    again = place(uow, peers, key=key("k-1"))
    assert (first.status, again.status, again.replayed) == (201, 201, True)
    assert again.body == first.body
    assert uow.commits == 1 and len(uow.events) == 1 and len(tax.calls) == 1


def test_the_same_key_with_another_body_is_422_naming_the_header(uow, peers):
    place(uow, peers, key=key("k-1", {"tip": 1}))
    with pytest.raises(InvalidInput) as error:
        place(uow, peers, key=key("k-1", {"tip": 2}))
    assert error.value.field == "Idempotency-Key" and uow.commits == 1


def test_a_replay_is_authorized_like_a_fresh_request(uow, peers):
    place(uow, peers, key=key("k-1"))
    with pytest.raises(NotFound):  # may not see the order: gets no copy of it
        place(uow, peers, who=identity(location_ids=(str(OTHER_LOCATION),)), key=key("k-1"))
    with pytest.raises(PermissionDenied):
        place(uow, peers, who=identity(permissions=frozenset({"orders:read"})), key=key("k-1"))


def test_keys_are_per_tenant(uow, peers):
    place(uow, peers, key=key("k-1"))
    assert not place(uow, peers, who=identity(tenant=uuid.UUID(int=77)), key=key("k-1")).replayed
    assert uow.commits == 2


@pytest.mark.parametrize("value", ["", "   ", "k" * 201])
def test_an_empty_or_oversized_key_is_refused(value):
    with pytest.raises(InvalidInput) as error:
        key(value)
    assert error.value.field == "Idempotency-Key"


def test_a_concurrent_retry_that_wins_the_race_is_replayed(uow, peers, tax):
    """Both requests missed each other's key; the store's primary key refuses the second."""
    other = FakeOrdersUnitOfWork()  # the other request, committed while this one asked for tax
    winner = place(other, replace(peers, new_id=uuid.uuid4), key=key("k-race"))

    def commit_the_winner(_):
        uow.orders.saved.update(other.orders.saved)
        uow.idempotency.saved.update(other.idempotency.saved)

    tax.on_call = commit_the_winner
    outcome = place(uow, peers, key=key("k-race"))
    assert outcome.replayed and outcome.body == winner.body
    assert uow.commits == 0 and uow.events == []


def test_a_key_is_kept_24_hours_then_may_be_used_again(uow, peers, clock):
    first = place(uow, peers, key=key("k-1", {"a": 1}))
    clock.now = NOW + timedelta(hours=23, minutes=59)
    assert place(uow, peers, key=key("k-1", {"a": 1})).replayed
    clock.now = NOW + timedelta(hours=24)
    fresh = place(uow, peers, key=key("k-1", {"a": 2}))
    assert not fresh.replayed and fresh.body["order_id"] != first.body["order_id"]
    clock.now = NOW + timedelta(hours=49)
    assert checks.purge_idempotency_keys(lambda: uow, clock=clock) == 1 and uow.idempotency.saved == {}


# ---------------------------------------------------------------- lines and courses
def test_adding_lines_stages_the_lines_and_bumps_the_version(uow, peers, tax):
    order = opened(uow, peers)
    outcome = checks.add_lines(lambda: uow, identity(), str(order.order_id), [LineRequest(
        name="Fries", unit_price_cents=450, seat=1, course="main")], peers=peers, expected_version=order.version)
    assert outcome.status == 201 and outcome.body["version"] == order.version + 1
    saved = uow.orders.saved[order.order_id]
    assert saved.subtotal_cents == 3200 + 450 and len(tax.calls) == 2
    [event] = uow.events_of(events_pb2.OrderLinesAdded)
    assert not event.addition and [line.name for line in event.lines] == ["Fries"]
    assert event.lines[0].seat == 1 and event.lines[0].course == "main" and event.actor_id == str(STAFF)


def test_lines_added_after_sending_are_additions(uow, peers):
    order = opened(uow, peers)
    checks.change_status(lambda: uow, identity(), str(order.order_id), SENT, peers=peers)
    checks.add_lines(lambda: uow, identity(), str(order.order_id), [LineRequest(name="Pie", unit_price_cents=600)],
                     peers=peers)
    [event] = uow.events_of(events_pb2.OrderLinesAdded)
    assert event.addition and event.lines[0].addition


def test_a_stale_version_is_412_and_changes_nothing(uow, peers):
    order = opened(uow, peers)
    checks.hold_course(lambda: uow, identity(), str(order.order_id), "main", peers=peers)  # version 2
    order = checks.get_order(lambda: uow, identity(), str(order.order_id))
    commits = uow.commits
    for attempt in (
        lambda: checks.add_lines(lambda: uow, identity(), str(order.order_id), LINES, peers=peers, expected_version=1),
        lambda: checks.void_line(lambda: uow, identity(), str(order.order_id), str(order.lines[0].line_id), "x",
                                 peers=peers, expected_version=1),
        lambda: checks.fire_course(lambda: uow, identity(), str(order.order_id), "main", peers=peers,
                                   expected_version=1),
        lambda: checks.change_status(lambda: uow, identity(), str(order.order_id), SENT, peers=peers,
                                     expected_version=99),
    ):
        with pytest.raises(PreconditionFailed) as error:
            attempt()
        assert error.value.http_status == 412
    assert uow.commits == commits and uow.orders.saved[order.order_id].version == order.version


def test_add_lines_replays_its_key(uow, peers):
    order = opened(uow, peers)
    line_key = Idempotency.of("add-1", f"POST /orders/{order.order_id}/lines", {"x": 1})
    first = checks.add_lines(lambda: uow, identity(), str(order.order_id), LINES, peers=peers, key=line_key)
    again = checks.add_lines(lambda: uow, identity(), str(order.order_id), LINES, peers=peers, key=line_key)
    assert again.replayed and again.body == first.body and len(uow.orders.saved[order.order_id].lines) == 4


def test_voiding_a_line(uow, peers):
    order = opened(uow, peers)
    line = order.lines[1]
    server = identity(permissions=SERVER)
    checks.void_line(lambda: uow, server, str(order.order_id), str(line.line_id), "wrong beer", peers=peers)
    saved = uow.orders.saved[order.order_id]
    assert saved.subtotal_cents == 2500 and saved.lines[1].void_reason == "wrong beer"
    [event] = uow.events_of(events_pb2.OrderLineVoided)
    assert (event.reason, event.line.line_status, event.actor_id) == ("wrong beer", "voided", str(STAFF))


def test_after_sending_a_line_void_needs_a_manager(uow, peers):
    order = opened(uow, peers)
    checks.change_status(lambda: uow, identity(), str(order.order_id), SENT, peers=peers)
    with pytest.raises(PermissionDenied) as error:
        checks.void_line(lambda: uow, identity(permissions=SERVER), str(order.order_id),
                         str(order.lines[0].line_id), "burnt", peers=peers)
    assert error.value.field == "line_id"
    checks.void_line(lambda: uow, identity(), str(order.order_id), str(order.lines[0].line_id), "burnt", peers=peers)


def test_hold_and_fire_stage_their_events(uow, peers):
    order = opened(uow, peers, lines=[LineRequest(name="Steak", unit_price_cents=2900, course="main")])
    checks.hold_course(lambda: uow, identity(), str(order.order_id), "main", peers=peers)
    checks.fire_course(lambda: uow, identity(), str(order.order_id), "main", peers=peers)
    [held] = uow.events_of(events_pb2.OrderCourseHeld)
    [fired] = uow.events_of(events_pb2.OrderCourseFired)
    assert held.course == fired.course == "main" and list(held.line_ids) == [str(order.lines[0].line_id)]
    assert held.order.lines[0].held and not fired.order.lines[0].held


# ---------------------------------------------------------------- the state machine
def order_in(uow, status: str) -> Order:
    order = Order.place(tenant_id=TENANT, location_id=LOCATION, server_staff_id=STAFF,
                        lines=[LineInput("Soup", 1, 500)], tip_cents=300, placed_at=NOW, new_id=uuid.uuid4)
    order.status = status
    return uow.orders.seed(order)


LEGAL = {(OPEN, SENT), (OPEN, CANCELLED), (SENT, READY), (SENT, CANCELLED), (SENT, VOIDED), (READY, SERVED),
         (READY, CANCELLED), (READY, VOIDED), (SERVED, CLOSED), (SERVED, VOIDED)}
EVENT = {SENT: events_pb2.OrderSent, CANCELLED: events_pb2.OrderCancelled, VOIDED: events_pb2.OrderVoided}


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(STATUSES, [s for s in STATUSES if s != OPEN])))
def test_every_status_change(uow, peers, current, wanted):
    order = order_in(uow, current)
    peers = replace(peers, clock=FixedClock(NOW + timedelta(minutes=5)))
    move = lambda: checks.change_status(lambda: uow, identity(), str(order.order_id), wanted,  # noqa: E731
                                        peers=peers, reason="table 12 left")
    if (current, wanted) in LEGAL:
        changed = move()
        assert changed.status == wanted == uow.orders.saved[order.order_id].status
        [event] = uow.events_of(EVENT.get(wanted, events_pb2.OrderStatusChanged))
        assert event.order_id == str(order.order_id) and event.actor_id == str(STAFF)
        assert event.order.status == orders_pb2.OrderStatus.Value(f"ORDER_STATUS_{wanted.upper()}")
        if wanted in (CANCELLED, VOIDED):
            assert (event.reason, event.tip_cents, event.server_staff_id) == ("table 12 left", 300, str(STAFF))
        assert uow.commits == 1
    else:
        with pytest.raises(Conflict) as error:
            move()
        assert error.value.http_status == 409 and error.value.field == "status"
        assert f"is {current}" in error.value.message
        assert uow.commits == 0 and uow.events == [] and uow.orders.saved[order.order_id].status == current


@pytest.mark.parametrize(("who", "status", "allowed"), [
    (SERVER, SENT, True), (SERVER, READY, False), (SERVER, SERVED, True), (SERVER, CLOSED, True),
    (SERVER, CANCELLED, False), (SERVER, VOIDED, False),
    (KITCHEN, SENT, False), (KITCHEN, READY, True), (KITCHEN, SERVED, True), (KITCHEN, CLOSED, False),
    (KITCHEN, CANCELLED, False),
])
def test_who_may_make_each_move(uow, peers, who, status, allowed):
    before = {SENT: OPEN, READY: SENT, SERVED: READY, CLOSED: SERVED, CANCELLED: OPEN, VOIDED: SERVED}[status]
    order = order_in(uow, before)
    move = lambda: checks.change_status(lambda: uow, identity(permissions=who), str(order.order_id),  # noqa: E731
                                        status, peers=peers, reason="r")
    if allowed:
        assert move().status == status
    else:
        with pytest.raises(PermissionDenied):
            move()


def test_the_history_has_every_step_with_actor_and_reason(uow, peers):
    order = opened(uow, peers, lines=[LineRequest(name="Steak", unit_price_cents=2900, course="main")])
    oid = str(order.order_id)
    checks.hold_course(lambda: uow, identity(), oid, "main", peers=peers)
    checks.fire_course(lambda: uow, identity(), oid, "main", peers=peers)
    cook = uuid.UUID(int=0xC00C)
    checks.change_status(lambda: uow, identity(), oid, SENT, peers=peers)
    checks.change_status(lambda: uow, identity(subject=cook, permissions=KITCHEN), oid, READY, peers=peers)
    checks.change_status(lambda: uow, identity(), oid, "voided", peers=peers, reason="guest left")
    history = checks.get_order(lambda: uow, identity(), oid).history
    assert [(h.kind, h.to_status) for h in history] == [
        ("status", OPEN), ("course_held", None), ("course_fired", None), ("status", SENT),
        ("status", READY), ("status", VOIDED)]
    assert history[4].actor_id == str(cook) and history[5].reason == "guest left"
    assert [h.version for h in history] == list(range(1, 7))


def test_an_order_at_a_location_the_caller_may_not_access_is_not_found(uow, peers):
    order = opened(uow, peers)
    outsider = identity(location_ids=(str(OTHER_LOCATION),))
    oid = str(order.order_id)
    for attempt in (lambda: checks.get_order(lambda: uow, outsider, oid),
                    lambda: checks.change_status(lambda: uow, outsider, oid, READY, peers=peers),
                    lambda: checks.add_lines(lambda: uow, outsider, oid, LINES, peers=peers),
                    lambda: checks.cancel_order(lambda: uow, outsider, oid, peers=peers)):
        with pytest.raises(NotFound):
            attempt()
    assert uow.commits == 1


def test_get_order(uow, peers):
    order = opened(uow, peers)
    assert checks.get_order(lambda: uow, identity(), str(order.order_id)) == order
    with pytest.raises(NotFound):
        checks.get_order(lambda: uow, identity(tenant=uuid.UUID(int=77)), str(order.order_id))
    with pytest.raises(InvalidInput) as error:
        checks.get_order(lambda: uow, identity(), "42")
    assert error.value.field == "order_id"


# ---------------------------------------------------------------- listing
def test_listing_filters_and_pages_stably_under_inserts(uow, peers, clock):
    for minute in range(5):
        clock.now = NOW + timedelta(minutes=minute)
        opened(uow, peers, details=CheckDetails(table="12" if minute % 2 else "7"))
    first = checks.list_orders(lambda: uow, identity(), ListQuery(limit=2))
    assert [o.placed_at.minute for o in first.orders] == [34, 33] and first.next_cursor
    clock.now = NOW + timedelta(minutes=10)
    opened(uow, peers)  # a new check while the client pages: it is newer, the next pages do not shift
    second = checks.list_orders(lambda: uow, identity(), ListQuery(limit=2, cursor=first.next_cursor))
    third = checks.list_orders(lambda: uow, identity(), ListQuery(limit=2, cursor=second.next_cursor))
    assert [o.placed_at.minute for o in second.orders + third.orders] == [32, 31, 30]
    assert third.next_cursor is None
    tables = checks.list_orders(lambda: uow, identity(), ListQuery(table="12", status="open", channel="counter",
                                                                   business_date="2026-03-14"))
    assert [o.table for o in tables.orders] == ["12", "12"]
    assert checks.list_orders(lambda: uow, identity(), ListQuery(status="placed")).orders  # the old name
    assert checks.list_orders(lambda: uow, identity(location_ids=(str(OTHER_LOCATION),)), ListQuery()).orders == []


@pytest.mark.parametrize(("query", "field"), [
    (ListQuery(cursor="garbage!"), "cursor"), (ListQuery(limit=0), "limit"), (ListQuery(limit=201), "limit"),
    (ListQuery(status="eaten"), "status"), (ListQuery(channel="fax"), "channel"),
    (ListQuery(business_date="2026-02-30"), "business_date"), (ListQuery(location_id="x"), "location_id"),
    (ListQuery(server_staff_id="x"), "server_staff_id"),
])
def test_listing_bad_input_names_the_field(uow, query, field):
    with pytest.raises(InvalidInput) as error:
        checks.list_orders(lambda: uow, identity(), query)
    assert error.value.field == field


# ---------------------------------------------------------------- POS orders (gRPC CreateOrder)
def test_create_external_order_is_idempotent_by_channel_and_external_id(uow, peers):
    details = CheckDetails("takeout", "pos:square", external_id="sq-123")
    order, created = checks.create_external_order(lambda: uow, identity(), location_id=str(LOCATION), lines=LINES,
                                                  details=details, peers=peers)
    again, created_again = checks.create_external_order(lambda: uow, identity(), location_id=str(LOCATION),
                                                        lines=LINES, details=details, peers=peers)
    assert (created, created_again) == (True, False) and again.order_id == order.order_id
    assert uow.commits == 1
    with pytest.raises(InvalidInput) as error:
        checks.create_external_order(lambda: uow, identity(), location_id=str(LOCATION), lines=LINES,
                                     details=replace(details, external_id=""), peers=peers)
    assert error.value.field == "external_id"


def test_pos_bridge_places_a_pos_order_without_a_server_of_ours(uow, peers):
    from chassis.identity import service_identity

    bridge = service_identity("pos-bridge", str(TENANT), frozenset({"orders:create"}))
    directory = FakeDirectory()
    details = CheckDetails("dine_in", "pos:square", external_id="sq-9")
    order, created = checks.create_external_order(lambda: uow, bridge, location_id=str(LOCATION), lines=LINES,
                                                  details=details, peers=replace(peers, directory=directory))
    assert created and order.server_staff_id == checks.POS_SERVER and directory.calls == []
    assert all(line.open_price for line in order.lines)   # the POS's prices, no orders:open_price needed
    with pytest.raises(InvalidInput) as error:   # any other channel still needs a real server
        checks.create_external_order(lambda: uow, bridge, location_id=str(LOCATION), lines=LINES,
                                     details=CheckDetails("takeout", "online", external_id="w-1"),
                                     peers=replace(peers, directory=directory))
    assert error.value.field == "server_staff_id"


# ---------------------------------------------------------------- reports
def test_the_sales_report_leaves_cancelled_and_voided_checks_out(uow, peers):
    kept = opened(uow, peers)
    for status in (CANCELLED, VOIDED):
        order_in(uow, status)
    _, rows = reports.sales_summary(lambda: uow, identity(), "2026-03-14", "2026-03-14")
    assert [(r.orders, r.total_cents) for r in rows] == [(1, kept.total_cents)]
