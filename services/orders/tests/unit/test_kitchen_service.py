"""Kitchen use cases on fakes: tickets from the order's events, what cooks and expo do, the stream."""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from auraconnect.orders.v1 import events_pb2, kitchen_events_pb2
from chassis.errors import Conflict, NotFound, PermissionDenied
from orders.domain.order import PreconditionFailed
from orders.service_layer import checks, kitchen, kitchen_config, kitchen_stream
from orders.service_layer.checks import CheckPeers, LineRequest
from orders.service_layer.kitchen_config import StationChange

from services.orders.tests.unit.fakes import LOCATION, FakeMenu, FakePricedItem, identity
from services.orders.tests.unit.kitchen_fakes import MemoryFeed

pytestmark = pytest.mark.unit

COOK = frozenset({"orders:read", "kitchen:read", "kitchen:update"})
MANAGER = frozenset({"orders:create", "orders:read", "orders:update", "orders:delete", "kitchen:read",
                     "kitchen:update", "kitchen:configure"})
BURGER, FRIES, SALAD = uuid.UUID(int=0xB0), uuid.UUID(int=0xF0), uuid.UUID(int=0x5A)


@pytest.fixture
def peers(tax, clock, ids) -> CheckPeers:
    menu = FakeMenu(items={
        BURGER: FakePricedItem(BURGER, "Burger", 1450, kitchen_tags=("grill",), prep_time_seconds=600),
        FRIES: FakePricedItem(FRIES, "Fries", 450, kitchen_tags=("fry",), prep_time_seconds=240),
        SALAD: FakePricedItem(SALAD, "Salad", 900, kitchen_tags=("cold",), prep_time_seconds=120, course="starter"),
    })
    return CheckPeers(clock=clock, new_id=ids, tax=tax, menu=menu)


def consume(uow, order_events_before: int = 0) -> None:
    """What the consumer does: every orders.order.v1 event committed so far, in order."""
    for event in uow.events[order_events_before:]:
        if event.topic == checks.TOPIC:
            with uow as u:
                kitchen.apply_order_event(u, event.message.order, peers=consume.peers)
                u.commit()


def sent_order(uow, peers, lines=None, **details):
    server = identity(permissions=MANAGER)
    lines = lines or [LineRequest(item_id=str(BURGER)), LineRequest(item_id=str(FRIES), quantity=2)]
    order = checks.place_order(lambda: uow, server, location_id=str(LOCATION), lines=lines, peers=peers).order
    checks.change_status(lambda: uow, server, str(order.order_id), "sent", peers=peers)
    return order


def run(uow, peers) -> None:
    consume.peers = peers
    consume(uow)


def board(uow, peers, **filters):
    return kitchen.list_tickets(lambda: uow, identity(permissions=COOK), str(LOCATION), peers=peers, **filters)


def test_a_sent_order_becomes_a_ticket_on_the_default_station_and_one_on_expo(uow, peers):
    order = sent_order(uow, peers)
    run(uow, peers)
    stations = kitchen_config.list_stations(lambda: uow, identity(permissions=COOK), str(LOCATION), peers=peers)
    assert [(s.name, s.kind, s.is_default) for s in stations] == [("Kitchen", "prep", True), ("Expo", "expo", False)]
    kitchen_board = board(uow, peers, station_id=str(stations[0].station_id))
    [ticket] = kitchen_board.tickets
    assert ticket.order_id == order.order_id and [i.name for i in ticket.items] == ["Burger", "Fries"]
    # Fire by prep time: the fries (4 min) start 6 minutes after the burger (10 min).
    burger, fries = ticket.items
    assert fries.fire_at - burger.fire_at == timedelta(seconds=360)
    [expo] = board(uow, peers, expo=True).tickets
    assert expo.is_expo and [i.line_id for i in expo.items] == [i.line_id for i in ticket.items]
    assert kitchen_board.sequence == 2 and kitchen_board.to_json()["tickets"][0]["order"]["order_number"]


def test_an_open_check_is_not_for_the_kitchen_until_sent(uow, peers):
    checks.place_order(lambda: uow, identity(permissions=MANAGER), location_id=str(LOCATION),
                       lines=[LineRequest(item_id=str(BURGER))], peers=peers)
    run(uow, peers)
    assert uow.kitchen.tickets == {} and uow.kitchen.changes == []


def test_an_event_from_hours_ago_starts_no_ticket_but_still_changes_existing_ones(uow, peers):
    sent_order(uow, peers)
    [placed, sent] = [e.message for e in uow.events if e.topic == checks.TOPIC]
    with uow as u:
        assert kitchen.apply_order_event(u, sent.order, peers=peers, occurred_at=peers.clock() - timedelta(hours=7)) == []
        u.commit()
    with uow as u:
        assert len(kitchen.apply_order_event(u, sent.order, peers=peers, occurred_at=peers.clock())) == 2
        u.commit()
    cancelled = events_pb2.OrderCancelled(order=sent.order)
    cancelled.order.status = 5  # ORDER_STATUS_CANCELLED
    with uow as u:
        assert len(kitchen.apply_order_event(u, cancelled.order, peers=peers,
                                             occurred_at=peers.clock() - timedelta(hours=7))) == 2
        u.commit()


def test_a_pos_order_goes_to_the_kitchen_when_placed(uow, peers):
    from orders.domain.order import CheckDetails

    checks.place_order(lambda: uow, identity(permissions=MANAGER), location_id=str(LOCATION),
                       lines=[LineRequest(item_id=str(BURGER))], peers=peers, details=CheckDetails(channel="online"))
    run(uow, peers)
    assert len(uow.kitchen.tickets) == 2


def test_routing_rules_split_an_order_per_station_and_the_most_specific_wins(uow, peers):
    boss = identity(permissions=MANAGER)
    stations = kitchen_config.list_stations(lambda: uow, boss, str(LOCATION), peers=peers)
    fry = kitchen_config.create_station(lambda: uow, boss, str(LOCATION), StationChange(name="Fry"), peers=peers)
    grill = kitchen_config.create_station(lambda: uow, boss, str(LOCATION), StationChange(name="Grill"), peers=peers)
    kitchen_config.create_route(lambda: uow, boss, str(fry.station_id), {"tag": "fry"}, peers=peers)
    kitchen_config.create_route(lambda: uow, boss, str(grill.station_id), {"tag": "grill"}, peers=peers)
    # the item rule beats the tag rule: this burger goes to fry
    kitchen_config.create_route(lambda: uow, boss, str(fry.station_id), {"item_id": str(BURGER)}, peers=peers)
    sent_order(uow, peers, lines=[LineRequest(item_id=str(BURGER)), LineRequest(item_id=str(FRIES)),
                                  LineRequest(item_id=str(SALAD))])
    run(uow, peers)
    by_station = {t.station_id: [i.name for i in t.items] for t in board(uow, peers).tickets}
    default = stations[0].station_id
    assert by_station == {fry.station_id: ["Burger", "Fries"], default: ["Salad"]}
    assert [i.name for i in board(uow, peers, expo=True).tickets[0].items] == ["Burger", "Fries", "Salad"]
    with pytest.raises(Conflict, match="exists already"):
        kitchen_config.create_route(lambda: uow, boss, str(grill.station_id), {"tag": "fry"}, peers=peers)


def test_bump_moves_the_ticket_to_done_and_expo_sees_the_items_done(uow, peers):
    sent_order(uow, peers)
    run(uow, peers)
    cook = identity(permissions=COOK)
    [ticket] = board(uow, peers, station_id=str(_default(uow))).tickets
    ticket = kitchen.act_on_ticket(lambda: uow, cook, str(ticket.ticket_id), "start", peers=peers)
    assert ticket.state == "in_progress"
    with pytest.raises(Conflict, match="the ticket is in_progress"):
        kitchen.act_on_ticket(lambda: uow, cook, str(ticket.ticket_id), "start", peers=peers)
    done = kitchen.act_on_ticket(lambda: uow, cook, str(ticket.ticket_id), "bump", peers=peers)
    assert done.state == "done" and {i.state for i in done.items} == {"done"}
    with pytest.raises(Conflict, match="the ticket is done"):
        kitchen.act_on_ticket(lambda: uow, cook, str(ticket.ticket_id), "bump", peers=peers)
    assert board(uow, peers, station_id=str(_default(uow))).tickets == []
    [expo] = board(uow, peers, expo=True).tickets
    assert {i.state for i in expo.items} == {"done"} and expo.state == "in_progress"
    recalled = kitchen.act_on_ticket(lambda: uow, cook, str(ticket.ticket_id), "recall", peers=peers)
    assert recalled.state == "in_progress"


def test_a_stale_version_is_412_and_a_cook_cannot_configure(uow, peers):
    sent_order(uow, peers)
    run(uow, peers)
    [ticket] = board(uow, peers, station_id=str(_default(uow))).tickets
    with pytest.raises(PreconditionFailed):
        kitchen.act_on_ticket(lambda: uow, identity(permissions=COOK), str(ticket.ticket_id), "start", peers=peers,
                              expected_version=ticket.version + 1)
    with pytest.raises(PermissionDenied):
        kitchen_config.create_station(lambda: uow, identity(permissions=COOK), str(LOCATION), StationChange(name="X"),
                               peers=peers)


def test_expo_bump_completes_the_order_with_its_event_and_history(uow, peers):
    order = sent_order(uow, peers)
    run(uow, peers)
    [expo] = board(uow, peers, expo=True).tickets
    kitchen.act_on_ticket(lambda: uow, identity(permissions=COOK), str(expo.ticket_id), "bump", peers=peers)
    ready = checks.get_order(lambda: uow, identity(), str(order.order_id))
    assert ready.status == "ready" and ready.history[-1].to_status == "ready"
    changed = uow.events_of(events_pb2.OrderStatusChanged)[-1]
    assert changed.order.order_id == str(order.order_id)
    assert uow.events_of(kitchen_events_pb2.KitchenOrderBumped)[-1].order_id == str(order.order_id)
    assert board(uow, peers).tickets == [] and board(uow, peers, expo=True).tickets == []
    # the consumer then sees the order ready: nothing changes twice
    before = len(uow.kitchen.changes)
    run_since(uow, peers, changed)
    assert len(uow.kitchen.changes) == before


def test_voids_additions_and_cancellation_reach_the_ticket(uow, peers):
    server = identity(permissions=MANAGER)
    order = sent_order(uow, peers)
    run(uow, peers)
    mark = len(uow.events)
    checks.add_lines(lambda: uow, server, str(order.order_id), [LineRequest(item_id=str(SALAD))], peers=peers)
    burger = order.lines[0]
    checks.void_line(lambda: uow, server, str(order.order_id), str(burger.line_id), "guest left", peers=peers)
    consume.peers = peers
    consume(uow, mark)
    [ticket] = board(uow, peers, station_id=str(_default(uow))).tickets
    assert [(i.name, i.state, i.addition) for i in ticket.items] == [
        ("Burger", "voided", False), ("Fries", "new", False), ("Salad", "new", True)]
    mark = len(uow.events)
    checks.cancel_order(lambda: uow, server, str(order.order_id), "walked out", peers=peers)
    consume(uow, mark)
    [ticket] = board(uow, peers, station_id=str(_default(uow))).tickets
    assert {i.state for i in ticket.items} == {"voided"} and ticket.header.cancelled


def test_load_is_published_when_the_busy_level_moves(uow, peers):
    sent_order(uow, peers)
    run(uow, peers)
    [load] = uow.events_of(kitchen_events_pb2.KitchenLoadChanged)
    assert (load.busy_level, load.previous_busy_level) == ("normal", "quiet")
    assert load.stations[0].outstanding_seconds == 600 + 2 * 240
    assert kitchen.current_load(lambda: uow, identity(permissions=COOK), str(LOCATION)).busy_level == "normal"


def test_the_stream_sends_a_snapshot_then_live_changes_and_resumes_without_gap(uow, peers):
    sent_order(uow, peers)
    run(uow, peers)
    cook = identity(permissions=COOK)
    feed = MemoryFeed(uow.kitchen)

    async def take(start, count):
        got = []
        async for event in kitchen_stream.follow(feed, start, heartbeat_seconds=0.05):
            if event is not None:
                got.append(event)
            if len(got) == count:
                return got
        return got

    start = kitchen_stream.open_stream(lambda: uow, cook, str(LOCATION), peers=peers)
    first = asyncio.run(take(start, 2))
    assert [e.event for e in first] == ["reset", "ticket"] and first[0].id == 2
    # a second order while "offline": resuming from id 2 gives exactly its changes
    mark = len(uow.events)
    sent_order(uow, peers)
    consume.peers = peers
    consume(uow, mark)
    resumed = kitchen_stream.open_stream(lambda: uow, cook, str(LOCATION), peers=peers, last_event_id="2",
                                         oldest_kept=1)
    assert resumed.snapshot == [] and resumed.after == 2
    events = asyncio.run(take(resumed, 1))
    assert [e.id for e in events] == [3] and events[0].data["station_id"] != first[1].data["ticket_id"]
    # too old (pruned): reset and snapshot
    pruned = kitchen_stream.open_stream(lambda: uow, cook, str(LOCATION), peers=peers, last_event_id="1",
                                        oldest_kept=3)
    assert pruned.snapshot[0].event == "reset"


def test_a_ticket_of_another_location_is_not_found(uow, peers):
    sent_order(uow, peers)
    run(uow, peers)
    [ticket] = board(uow, peers, station_id=str(_default(uow))).tickets
    elsewhere = identity(location_ids=(str(uuid.uuid4()),), permissions=COOK)
    with pytest.raises(NotFound):
        kitchen.act_on_ticket(lambda: uow, elsewhere, str(ticket.ticket_id), "bump", peers=peers)


def run_since(uow, peers, message) -> None:
    with uow as u:
        kitchen.apply_order_event(u, message.order, peers=peers)
        u.commit()


def _default(uow):
    return next(s.station_id for s in uow.kitchen.stations_.values() if s.is_default)


def test_a_first_station_comes_with_the_defaults_and_an_expo_only_kitchen_still_gets_a_prep_station(uow, peers):
    boss = identity(permissions=MANAGER)
    kitchen_config.create_station(lambda: uow, boss, str(LOCATION), StationChange(name="Grill"), peers=peers)
    names = [s.name for s in kitchen_config.list_stations(lambda: uow, boss, str(LOCATION), peers=peers)]
    assert names == ["Kitchen", "Expo", "Grill"]
    other = uuid.UUID(int=0xE0)
    kitchen_config.create_station(lambda: uow, identity(permissions=MANAGER), str(other), StationChange(name="Pass", kind="expo"),
                           peers=peers)
    for station in [s for s in uow.kitchen.stations_.values() if s.location_id == other and s.kind == "prep"]:
        del uow.kitchen.stations_[station.station_id]  # as if a manager had left only the expo station
    order = sent_order(uow, peers)
    event = [e.message for e in uow.events if e.topic == checks.TOPIC][-1]
    event.order.location_id = str(other)
    with uow as u:
        changed = kitchen.apply_order_event(u, event.order, peers=peers)
        u.commit()
    assert {t.station_id for t in changed} <= {s.station_id for s in uow.kitchen.stations_.values()}
    assert any(s.kind == "prep" and s.location_id == other for s in uow.kitchen.stations_.values())
    assert order is not None


def test_an_event_whose_order_has_no_valid_ids_is_refused_for_good(uow, peers):
    from auraconnect.orders.v1 import orders_pb2
    from chassis.errors import InvalidInput

    with uow as u, pytest.raises(InvalidInput) as error:
        kitchen.apply_order_event(u, orders_pb2.Order(order_id="x", status=orders_pb2.ORDER_STATUS_SENT), peers=peers)
    assert error.value.field == "order"


def test_the_consumer_remembers_stations_and_routes_until_a_manager_changes_them(uow, peers):
    boss = identity(permissions=MANAGER)
    kitchen_config.list_stations(lambda: uow, boss, str(LOCATION), peers=peers)  # the defaults, committed
    cache, reads = kitchen.ConfigCache(), []
    stations = uow.kitchen.stations
    uow.kitchen.stations = lambda *args: reads.append(args) or stations(*args)

    def consume_with_cache(mark):
        for event in uow.events[mark:]:
            if event.topic == checks.TOPIC:
                with uow as u:
                    kitchen.apply_order_event(u, event.message.order, peers=peers, cache=cache)
                    u.commit()

    for _ in range(2):
        mark = len(uow.events)
        sent_order(uow, peers)
        consume_with_cache(mark)
    assert len(reads) == 1
    fry = kitchen_config.create_station(lambda: uow, boss, str(LOCATION), StationChange(name="Fry"), peers=peers)
    kitchen_config.create_route(lambda: uow, boss, str(fry.station_id), {"tag": "fry"}, peers=peers)
    reads.clear()
    mark = len(uow.events)
    sent_order(uow, peers)
    consume_with_cache(mark)
    assert len(reads) == 1  # the version moved: read again, and the fries go to Fry
    assert any(t.station_id == fry.station_id for t in uow.kitchen.tickets.values())
