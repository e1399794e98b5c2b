"""The kitchen domain, pure: routing, one ticket per station plus expo, fire by prep time, ticket and
item states (illegal moves name the state), age levels, all-day counts and load."""
from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from chassis.errors import Conflict, InvalidInput
from orders.domain.kitchen import (
    LineFacts,
    OrderHeader,
    RoutingRule,
    Station,
    age_level,
    default_stations,
    fire_times,
    route,
)
from orders.domain.kitchen_load import all_day, busy_level, kitchen_load, outstanding_work
from orders.domain.kitchen_split import OrderSnapshot, apply_order

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 14, 19, 0, tzinfo=UTC)
TENANT, LOCATION = uuid.UUID(int=1), uuid.UUID(int=2)
ITEM, CATEGORY = str(uuid.UUID(int=0xA1)), str(uuid.UUID(int=0xC1))


def ids():
    counter = itertools.count(100)
    return lambda: uuid.UUID(int=next(counter))


def stations() -> list[Station]:
    made = default_stations(TENANT, LOCATION, ids())
    made.append(Station.create(station_id=uuid.UUID(int=50), tenant_id=TENANT, location_id=LOCATION, name="Grill",
                               position=2))
    made.append(Station.create(station_id=uuid.UUID(int=51), tenant_id=TENANT, location_id=LOCATION, name="Fry",
                               position=3))
    return made


def rule(station: Station, **match) -> RoutingRule:
    return RoutingRule.create(route_id=uuid.uuid4(), tenant_id=TENANT, location_id=LOCATION, station=station,
                              match=match)


def line(line_id: str, name: str, prep: int = 0, tags=(), **more) -> LineFacts:
    return LineFacts(line_id, name, more.pop("quantity", 1), kitchen_tags=tuple(tags), prep_time_seconds=prep, **more)


def order(*lines: LineFacts, status: str = "sent", channel: str = "counter") -> OrderSnapshot:
    return OrderSnapshot(uuid.UUID(int=9), TENANT, LOCATION, status, OrderHeader(channel=channel), lines)


# ---------------------------------------------------------------- routing
def test_the_most_specific_rule_wins_item_then_category_then_tag_then_default():
    kitchen, _, grill, fry = stations()
    rules = [rule(grill, tag="hot"), rule(fry, category_id=CATEGORY), rule(kitchen, item_id=ITEM)]
    assert route(line("1", "a", tags=("hot",)), rules, kitchen.station_id) == grill.station_id
    assert route(line("1", "a", tags=("hot",), category_id=CATEGORY), rules, kitchen.station_id) == fry.station_id
    assert route(line("1", "a", tags=("hot",), category_id=CATEGORY, item_id=ITEM), rules,
                 uuid.uuid4()) == kitchen.station_id
    assert route(line("1", "a", tags=("cold",)), rules, kitchen.station_id) == kitchen.station_id


def test_a_rule_names_one_match_and_leads_to_a_prep_station():
    kitchen, expo, *_ = stations()
    with pytest.raises(InvalidInput, match="exactly one") as error:
        rule(kitchen, tag="a", item_id=ITEM)
    assert error.value.field == "match"
    with pytest.raises(InvalidInput) as error:
        rule(expo, tag="a")
    assert error.value.field == "station_id"
    with pytest.raises(InvalidInput) as error:
        rule(kitchen, item_id="not-a-uuid")
    assert error.value.field == "match.item_id"


# ---------------------------------------------------------------- splitting an order
def test_an_order_splits_into_one_ticket_per_station_and_expo_sees_every_item():
    kitchen, expo, grill, fry = all_stations = stations()
    tickets = []
    changed = apply_order(order(line("1", "Burger", 600, ("grill",)), line("2", "Fries", 240, ("fry",)),
                                line("3", "Steak", 900, ("grill",)), line("4", "Soup", 300)),
                          tickets, all_stations, [rule(grill, tag="grill"), rule(fry, tag="fry")], NOW, ids())
    by_station = {t.station_id: [i.name for i in t.items] for t in changed}
    assert by_station == {grill.station_id: ["Burger", "Steak"], fry.station_id: ["Fries"],
                          kitchen.station_id: ["Soup"], expo.station_id: ["Burger", "Fries", "Steak", "Soup"]}
    assert {t.order_id for t in tickets} == {uuid.UUID(int=9)} and len(tickets) == 4


def test_applying_the_same_order_twice_changes_nothing():
    tickets = []
    snapshot = order(line("1", "Burger", 600))
    assert len(apply_order(snapshot, tickets, stations(), [], NOW, ids())) == 2
    assert apply_order(snapshot, tickets, stations(), [], NOW + timedelta(seconds=5), ids()) == []


def test_an_open_check_waits_for_send_but_pos_and_online_orders_do_not():
    assert apply_order(order(line("1", "Burger"), status="open"), [], stations(), [], NOW, ids()) == []
    assert len(apply_order(order(line("1", "Burger"), status="open", channel="online"), [], stations(), [], NOW,
                           ids())) == 2
    assert len(apply_order(order(line("1", "Burger"), status="open", channel="pos:square"), [], stations(), [],
                           NOW, ids())) == 2


def test_fire_by_prep_time_starts_short_items_later_so_everything_is_ready_together():
    times = fire_times([line("1", "Steak", 900), line("2", "Fries", 240), line("3", "Salad", 0),
                        line("4", "Held", 100, held=True)], NOW)
    assert times == {"1": NOW, "2": NOW + timedelta(seconds=660), "3": NOW + timedelta(seconds=900)}
    assert all(t + timedelta(seconds=prep) == NOW + timedelta(seconds=900)
               for t, prep in ((times["1"], 900), (times["2"], 240), (times["3"], 0)))


def test_voids_holds_fires_additions_and_cancellation_follow_the_order():
    tickets, all_stations = [], stations()
    apply_order(order(line("1", "Burger", 600), line("2", "Cake", 300, held=True, course="dessert")), tickets,
                all_stations, [], NOW, ids())
    prep = next(t for t in tickets if not t.is_expo)
    assert prep.items[1].held and prep.items[1].fire_at is None and prep.target_seconds == 600
    later = NOW + timedelta(minutes=20)
    apply_order(order(line("1", "Burger", 600, active=False), line("2", "Cake", 300, course="dessert"),
                      line("5", "Coffee", 60, addition=True)), tickets, all_stations, [], later, ids())
    assert [(i.name, i.state, i.held, i.addition) for i in prep.items] == [
        ("Burger", "voided", False, False), ("Cake", "new", False, False), ("Coffee", "new", False, True)]
    # Cake and Coffee fired together: the coffee waits for the cake.
    assert prep.items[2].fire_at - prep.items[1].fire_at == timedelta(seconds=240) and prep.fired_at == later
    apply_order(order(status="cancelled"), tickets, all_stations, [], later, ids())
    assert all(i.state == "voided" for t in tickets for i in t.items) and prep.header.cancelled


def test_an_addition_brings_a_bumped_ticket_back():
    tickets, all_stations = [], stations()
    apply_order(order(line("1", "Burger", 600)), tickets, all_stations, [], NOW, ids())
    prep = next(t for t in tickets if not t.is_expo)
    prep.bump(NOW)
    apply_order(order(line("1", "Burger", 600), line("2", "Fries", 240, addition=True)), tickets, all_stations, [],
                NOW, ids())
    assert prep.state == "in_progress" and prep.items[1].addition


def test_an_order_moved_to_ready_by_the_front_finishes_its_tickets():
    tickets = []
    apply_order(order(line("1", "Burger")), tickets, stations(), [], NOW, ids())
    changed = apply_order(order(line("1", "Burger"), status="ready"), tickets, stations(), [], NOW, ids())
    assert {t.state for t in changed} == {"done"} and len(changed) == 2


# ---------------------------------------------------------------- states
def ticket_of(*lines: LineFacts):
    tickets = []
    apply_order(order(*lines), tickets, stations(), [], NOW, ids())
    return next(t for t in tickets if not t.is_expo), next(t for t in tickets if t.is_expo)


def test_ticket_moves_and_the_illegal_ones_name_the_state():
    ticket, _ = ticket_of(line("1", "Burger"), line("2", "Fries"))
    version = ticket.version
    ticket.start()
    assert ticket.state == "in_progress" and {i.state for i in ticket.items} == {"in_progress"}
    with pytest.raises(Conflict, match="the ticket is in_progress") as error:
        ticket.start()
    assert error.value.field == "state"
    with pytest.raises(Conflict, match="the ticket is in_progress"):
        ticket.recall()
    ticket.bump(NOW)
    assert ticket.state == "done" and ticket.bumped_at == NOW and ticket.version == version + 2
    with pytest.raises(Conflict, match="the ticket is done"):
        ticket.bump(NOW)
    with pytest.raises(Conflict, match="the ticket is done"):
        ticket.set_rush(True)
    ticket.recall()
    assert ticket.state == "in_progress" and ticket.bumped_at is None
    ticket.set_rush(True)
    assert ticket.rush


def test_item_bumps_and_the_last_one_bumps_the_ticket():
    ticket, expo = ticket_of(line("1", "Burger"), line("2", "Fries"), line("3", "Cake", held=True))
    ticket.bump_item("1", NOW)
    assert ticket.state == "in_progress"
    with pytest.raises(Conflict, match="the item is done") as error:
        ticket.bump_item("1", NOW)
    assert error.value.field == "line_id"
    with pytest.raises(Conflict, match="held"):
        ticket.bump_item("3", NOW)
    with pytest.raises(InvalidInput):
        ticket.bump_item("nope", NOW)
    with pytest.raises(Conflict, match="expo"):
        expo.bump_item("1", NOW)
    ticket.items[2].held = False
    ticket.bump_item("2", NOW)
    ticket.bump_item("3", NOW)
    assert ticket.state == "done"
    assert expo.mirror("1", "done") and expo.state == "in_progress" and not expo.mirror("1", "done")


def test_age_levels_follow_the_station_thresholds():
    grill = Station.create(station_id=uuid.uuid4(), tenant_id=TENANT, location_id=LOCATION, name="Grill",
                           warn_after_seconds=60, late_after_seconds=120)
    assert [age_level(s, grill) for s in (0, 59, 60, 119, 120)] == ["ok", "ok", "warn", "warn", "late"]
    assert age_level(299, None) == "ok" and age_level(600, None) == "late"
    with pytest.raises(InvalidInput) as error:
        grill.change(late_after_seconds=30)
    assert error.value.field == "late_after_seconds"
    ticket, _ = ticket_of(line("1", "Burger", 600))
    assert ticket.elapsed_seconds(NOW + timedelta(seconds=90)) == 90 and ticket.target_seconds == 600


# ---------------------------------------------------------------- all-day and load
def test_all_day_counts_outstanding_items_with_the_same_modifiers_together():
    first, _ = ticket_of(line("1", "Burger", quantity=2, modifiers=("Cheddar",)), line("2", "Fries", quantity=1))
    second, _ = ticket_of(line("3", "Burger", quantity=1, modifiers=("Cheddar",)), line("4", "Burger"),
                          line("5", "Fries", held=True), line("6", "Fries", active=False))
    second.bump_item("4", NOW)
    counts = all_day([first, second])
    assert [(c.name, c.modifiers, c.quantity) for c in counts] == [
        ("Burger", ("Cheddar",), 3), ("Fries", (), 1)]


def test_load_quotes_the_busiest_station_and_levels_follow_the_backlog():
    all_stations = stations()
    tickets = []
    lines = [line(str(n), "Steak", 900, quantity=2) for n in range(4)]
    apply_order(order(*lines), tickets, all_stations, [], NOW, ids())
    load = kitchen_load(LOCATION, all_stations, outstanding_work(tickets))
    kitchen_load_row = next(s for s in load.stations if s.name == "Kitchen")
    assert (kitchen_load_row.outstanding_items, kitchen_load_row.outstanding_seconds) == (8, 7200)
    assert kitchen_load_row.backlog_seconds == 1800 and load.busy_level == "slammed"
    assert load.quoted_ready_seconds == 1800 + 600
    assert [s.name for s in load.stations] == ["Kitchen", "Grill", "Fry"]  # expo does no work
    assert kitchen_load(LOCATION, all_stations, {}).busy_level == "quiet"
    assert [busy_level(s, True) for s in (0, 599, 600, 1799, 1800)] == [
        "normal", "normal", "busy", "busy", "slammed"]


def test_station_names_and_kinds_are_checked():
    with pytest.raises(InvalidInput) as error:
        Station.create(station_id=uuid.uuid4(), tenant_id=TENANT, location_id=LOCATION, name=" ")
    assert error.value.field == "name"
    with pytest.raises(InvalidInput) as error:
        Station.create(station_id=uuid.uuid4(), tenant_id=TENANT, location_id=LOCATION, name="X", kind="bar")
    assert error.value.field == "kind"
    with pytest.raises(InvalidInput) as error:
        Station.create(station_id=uuid.uuid4(), tenant_id=TENANT, location_id=LOCATION, name="X", kind="expo",
                       is_default=True)
    assert error.value.field == "is_default"
