"""Kitchen display use cases: tickets from order events, what cooks and expo do, the reads.

Every write of a location's kitchen takes the location's lock first (`u.kitchen.lock_location`),
changes tickets, and records each changed ticket in the change log with the next sequence numbers,
in the same transaction: the live streams read that log (service_layer.kitchen_stream). The load
(`orders.kitchen.v1`) is recomputed with every change and published when it moved.

| step | permission |
|---|---|
| read stations, routes, tickets, all-day, load, the stream | kitchen:read |
| start, bump, recall, rush a ticket, bump an item, expo bump (the order becomes ready) | kitchen:update |
| create, change, delete stations and routing rules (service_layer.kitchen_config) | kitchen:configure |
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from auraconnect.orders.v1 import kitchen_events_pb2, orders_pb2
from chassis.errors import InvalidInput, NotFound
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain.kitchen import (
    EXPO,
    OPEN_STATES,
    LineFacts,
    OrderHeader,
    RoutingRule,
    Station,
    Ticket,
    order_number,
)
from orders.domain.kitchen_load import AllDayCount, KitchenLoad, all_day, kitchen_load
from orders.domain.kitchen_split import DROPPED, OrderSnapshot, apply_order
from orders.domain.order import PreconditionFailed
from orders.service_layer import checks
from orders.service_layer.checks import CheckPeers
from orders.service_layer.kitchen_config import ensure_stations, require, visible_location
from orders.service_layer.kitchen_views import ticket_to_json

TOPIC = "orders.kitchen.v1"
RECENTLY_BUMPED = timedelta(minutes=15)  # include_done shows tickets bumped this recently
KEEP_CHANGES = timedelta(hours=24)  # a screen offline longer than this resyncs from a snapshot
# An event older than this does not start tickets: a consumer replaying the topic from its start (a
# new consumer group, a reset offset) must not fill the screens with yesterday's orders.
STALE_EVENT = timedelta(hours=6)
PRUNE_EVERY = 500  # sequences between prunes of a location's change log
STATUS_NAMES = {orders_pb2.ORDER_STATUS_OPEN: "open", orders_pb2.ORDER_STATUS_PLACED: "open",
                orders_pb2.ORDER_STATUS_SENT: "sent", orders_pb2.ORDER_STATUS_IN_KITCHEN: "sent",
                orders_pb2.ORDER_STATUS_READY: "ready", orders_pb2.ORDER_STATUS_SERVED: "served",
                orders_pb2.ORDER_STATUS_COMPLETED: "served", orders_pb2.ORDER_STATUS_CLOSED: "closed",
                orders_pb2.ORDER_STATUS_CANCELLED: "cancelled", orders_pb2.ORDER_STATUS_VOIDED: "voided"}


# ---------------------------------------------------------------- tickets from order events
@dataclass
class ConfigCache:
    """A consumer's memory of each location's stations and routing rules, valid while the
    location's config_version (read with its lock) stays the same: two queries fewer per event."""

    entries: dict[uuid.UUID, tuple[int, list[Station], list[RoutingRule]]] = field(default_factory=dict)


def apply_order_event(u: UnitOfWork, order: orders_pb2.Order, *, peers: CheckPeers,
                      occurred_at: datetime | None = None, cache: ConfigCache | None = None) -> list[Ticket]:
    """Runs inside the consumer's unit of work for every orders.order.v1 event (each carries the
    order as it is now; `occurred_at` is the event's time). Returns the tickets it changed."""
    snapshot = _snapshot(order)
    if not snapshot.for_the_kitchen and snapshot.status not in DROPPED:
        return []  # an open check nobody sent yet: nothing for the kitchen
    now = peers.clock()
    tenant, location = snapshot.tenant_id, snapshot.location_id
    state = u.kitchen.lock_location(tenant, location)
    tickets = u.kitchen.tickets_of_order(tenant, snapshot.order_id)
    stale = occurred_at is not None and now - occurred_at > STALE_EVENT
    if not tickets and (snapshot.status in DROPPED or stale):
        return []
    known = {item.line_id for ticket in tickets for item in ticket.items}
    if any(line.active and line.line_id not in known for line in snapshot.lines):
        snapshot = _with_menu_facts(u, snapshot)  # only new lines are routed and need the menu's word
    stations, rules = _configuration(u, state, tenant, location, peers, cache)
    changed = apply_order(snapshot, tickets, stations, rules, now, peers.new_id)
    _record(u, state, tenant, location, changed, stations, now)
    return changed


def _snapshot(order: orders_pb2.Order) -> OrderSnapshot:
    header = OrderHeader(order.order_type or "dine_in", order.table, order.guest_count,
                         order.server_staff_id if order.server_staff_id != str(uuid.UUID(int=0)) else "", None,
                         order.channel or "counter", order_number(order.order_id))
    lines = [LineFacts(line.line_id, line.name, line.quantity, line.item_id, "", tuple(line.kitchen_tags),
                       line.prep_time_seconds, tuple(m.name for m in line.modifiers), (), line.notes, line.course,
                       line.seat, line.line_status != "voided", line.held, line.addition) for line in order.lines]
    try:
        ids = uuid.UUID(order.order_id), uuid.UUID(order.tenant_id), uuid.UUID(order.location_id)
    except ValueError:  # a DomainError, so the consumer parks the event instead of retrying it forever
        raise InvalidInput("the event's order lacks a valid order, tenant or location id", field="order") from None
    return OrderSnapshot(*ids, STATUS_NAMES.get(order.status, "open"), header, lines)


def _with_menu_facts(u: UnitOfWork, snapshot: OrderSnapshot) -> OrderSnapshot:
    """Category (routing) and allergens (the ticket) come from the menu item, read in one query."""
    ids = [uuid.UUID(line.item_id) for line in snapshot.lines if line.item_id]
    facts = u.kitchen.menu_facts(snapshot.tenant_id, ids)
    if not facts:
        return snapshot
    lines = []
    for line in snapshot.lines:
        known = facts.get(line.item_id)
        lines.append(line if known is None else
                     replace(line, category_id=known.category_id, allergens=known.allergens))
    return OrderSnapshot(snapshot.order_id, snapshot.tenant_id, snapshot.location_id, snapshot.status,
                         snapshot.header, lines)


def _configuration(u: UnitOfWork, state, tenant: uuid.UUID, location: uuid.UUID, peers: CheckPeers,
                   cache: ConfigCache | None) -> tuple[list[Station], list[RoutingRule]]:
    cached = cache.entries.get(location) if cache is not None else None
    if cached is not None and cached[0] == state.config_version:
        return cached[1], cached[2]
    stations, added = ensure_stations(u, tenant, location, peers)
    rules = u.kitchen.routes(tenant, location)
    if cache is not None and not added:  # defaults made now may still roll back: remember them once committed
        cache.entries[location] = (state.config_version, stations, rules)
    return stations, rules


def _record(u: UnitOfWork, state, tenant: uuid.UUID, location: uuid.UUID, changed: Sequence[Ticket],
            stations: Sequence[Station], now: datetime) -> int:
    """Saves the changed tickets, logs them with their sequence numbers (and the NOTIFY), and
    publishes the load if it moved. Returns the location's last sequence."""
    if not changed:
        return state.last_sequence
    by_id = {s.station_id: s for s in stations}
    u.kitchen.save_tickets(changed)
    last = u.kitchen.record_changes(tenant, location, state.last_sequence,
                                    [(t, ticket_to_json(t, by_id.get(t.station_id), now)) for t in changed], now)
    load = kitchen_load(location, stations, u.kitchen.outstanding_work(tenant, location))
    if load.busy_level != state.busy_level or load.quote_step != state.quote_step:
        u.kitchen.set_published_load(location, load.busy_level, load.quote_step)
        u.add_event(TOPIC, key=str(location), subject=str(location), message=_load_event(
            tenant, load, state.busy_level, now))
    if last // PRUNE_EVERY != state.last_sequence // PRUNE_EVERY:
        u.kitchen.prune_changes(location, now - KEEP_CHANGES)
    return last


def _load_event(tenant: uuid.UUID, load: KitchenLoad, previous: str, now: datetime):
    return kitchen_events_pb2.KitchenLoadChanged(
        tenant_id=str(tenant), location_id=str(load.location_id), quoted_ready_seconds=load.quoted_ready_seconds,
        busy_level=load.busy_level, previous_busy_level=previous, changed_at=to_timestamp(now),
        stations=[kitchen_events_pb2.StationLoad(
            station_id=str(s.station_id), name=s.name, outstanding_items=s.outstanding_items,
            outstanding_seconds=s.outstanding_seconds, backlog_seconds=s.backlog_seconds) for s in load.stations])


# ---------------------------------------------------------------- what cooks and expo do
START, BUMP, RECALL, RUSH = "start", "bump", "recall", "rush"
ACTIONS = (START, BUMP, RECALL, RUSH)


def act_on_ticket(uow: UnitOfWorkFactory, identity: Identity, ticket_id: str, action: str, *, peers: CheckPeers,
                  expected_version: int | None = None, rush: bool = True) -> Ticket:
    """start / bump / recall / rush a ticket (409 naming its state when the move is illegal). A
    bump on the expo ticket completes the order: every ticket of it done, the order ready."""
    if action not in ACTIONS:
        raise InvalidInput(f"must be one of {', '.join(ACTIONS)}", field="action")
    require(identity, "kitchen:update")
    with uow() as u:
        ticket, state, tickets = _locked(u, identity, ticket_id, expected_version)
        now = peers.clock()
        changed = [ticket]
        if action == START:
            ticket.start()
        elif action == RECALL:
            ticket.recall()
        elif action == RUSH:
            ticket.set_rush(rush)
        elif ticket.is_expo:
            changed += _expo_bump(u, identity, ticket, tickets, peers, now)
        else:
            ticket.bump(now)
        if not ticket.is_expo and action != RUSH:
            changed += _mirror(ticket, tickets)
        _record(u, state, ticket.tenant_id, ticket.location_id, changed,
                u.kitchen.stations(ticket.tenant_id, ticket.location_id), now)
        u.commit()
        return ticket


def bump_item(uow: UnitOfWorkFactory, identity: Identity, ticket_id: str, line_id: str, *, peers: CheckPeers,
              expected_version: int | None = None) -> Ticket:
    require(identity, "kitchen:update")
    with uow() as u:
        ticket, state, tickets = _locked(u, identity, ticket_id, expected_version)
        now = peers.clock()
        ticket.bump_item(line_id, now)
        changed = [ticket, *_mirror(ticket, tickets)]
        _record(u, state, ticket.tenant_id, ticket.location_id, changed,
                u.kitchen.stations(ticket.tenant_id, ticket.location_id), now)
        u.commit()
        return ticket


def complete_order(uow: UnitOfWorkFactory, identity: Identity, order_id: str, *, peers: CheckPeers) -> Ticket:
    """Expo bump by order id: bumps the order's expo ticket."""
    require(identity, "kitchen:update")
    order = parse_uuid(order_id, "order_id")
    with uow() as u:
        tickets = u.kitchen.tickets_of_order(identity.tenant_uuid, order)
    expo = next((t for t in tickets if t.is_expo and identity.may_access_location(str(t.location_id))), None)
    if expo is None:
        raise NotFound("no kitchen ticket for this order", field="order_id")
    return act_on_ticket(uow, identity, str(expo.ticket_id), BUMP, peers=peers)


def _locked(u: UnitOfWork, identity: Identity, ticket_id: str,
            expected_version: int | None) -> tuple[Ticket, object, list[Ticket]]:
    """The ticket, read again under its location's lock, and every ticket of its order."""
    wanted = parse_uuid(ticket_id, "ticket_id")
    found = u.kitchen.get_ticket(identity.tenant_uuid, wanted)
    if found is None or not identity.may_access_location(str(found.location_id)):
        raise NotFound("no such ticket", field="ticket_id")
    state = u.kitchen.lock_location(found.tenant_id, found.location_id)
    tickets = u.kitchen.tickets_of_order(found.tenant_id, found.order_id, for_update=True)
    ticket = next(t for t in tickets if t.ticket_id == wanted)
    if expected_version is not None and expected_version != ticket.version:
        raise PreconditionFailed(f"the ticket is at version {ticket.version}, not {expected_version}; read it again",
                                 field="version")
    return ticket, state, tickets


def _mirror(ticket: Ticket, tickets: Sequence[Ticket]) -> list[Ticket]:
    """Expo follows what a station did to its items."""
    changed = []
    for expo in (t for t in tickets if t.is_expo):
        if any([expo.mirror(item.line_id, item.state) for item in ticket.items if item.state != "voided"]):
            changed.append(expo)
    return changed


def _expo_bump(u: UnitOfWork, identity: Identity, expo: Ticket, tickets: Sequence[Ticket], peers: CheckPeers,
               now: datetime) -> list[Ticket]:
    """The order leaves the kitchen: expo and every station's ticket done, the order ready (its
    event and history row in this same transaction)."""
    expo.bump(now)
    changed = [t for t in tickets if t is not expo and t.finish(now)]
    checks.ready_from_kitchen(u, identity, expo.order_id, peers=peers)
    first = min(t.created_at for t in tickets)
    u.add_event(TOPIC, key=str(expo.order_id), subject=str(expo.order_id), message=kitchen_events_pb2.KitchenOrderBumped(
        tenant_id=str(expo.tenant_id), location_id=str(expo.location_id), order_id=str(expo.order_id),
        actor_id=identity.subject, bumped_at=to_timestamp(now), kitchen_seconds=int((now - first).total_seconds())))
    return changed


# ---------------------------------------------------------------- reads
@dataclass(frozen=True)
class TicketBoard:
    tickets: list[Ticket]
    stations: dict[uuid.UUID, Station]
    sequence: int
    now: datetime
    location_id: uuid.UUID
    station_id: uuid.UUID | None  # the filter asked for (expo's when expo)

    def to_json(self) -> dict:
        return {"tickets": [ticket_to_json(t, self.stations.get(t.station_id), self.now) for t in self.tickets],
                "sequence": self.sequence}


def list_tickets(uow: UnitOfWorkFactory, identity: Identity, location_id: str, *, peers: CheckPeers,
                 station_id: str | None = None, expo: bool = False, include_done: bool = False) -> TicketBoard:
    """A station's (or expo's, or the whole location's) open tickets, rush first then oldest first,
    with the sequence of the location's latest change: a screen resumes its stream from it."""
    require(identity, "kitchen:read")
    location = visible_location(identity, location_id)
    now = peers.clock()
    with uow() as u:
        sequence = u.kitchen.latest_sequence(identity.tenant_uuid, location)
        stations = {s.station_id: s for s in u.kitchen.stations(identity.tenant_uuid, location)}
        station = _station_filter(stations, station_id, expo)
        tickets = u.kitchen.tickets_at(identity.tenant_uuid, location, station_id=station,
                                       bumped_since=now - RECENTLY_BUMPED if include_done else None)
    if station is None:
        tickets = [t for t in tickets if not t.is_expo]  # the whole location: the stations' tickets
    tickets.sort(key=lambda t: (t.state not in OPEN_STATES, not t.rush, t.created_at, str(t.ticket_id)))
    return TicketBoard(tickets, stations, sequence, now, location, station)


def _station_filter(stations: dict[uuid.UUID, Station], station_id: str | None, expo: bool) -> uuid.UUID | None:
    if expo:
        found = next((s for s in stations.values() if s.kind == EXPO), None)
        if found is None:
            raise NotFound("this location has no expo station", field="expo")
        return found.station_id
    if station_id is None:
        return None
    wanted = parse_uuid(station_id, "station_id")
    if wanted not in stations:
        raise NotFound("no such station at this location", field="station_id")
    return wanted


def all_day_counts(uow: UnitOfWorkFactory, identity: Identity, location_id: str,
                   station_id: str | None = None) -> list[AllDayCount]:
    require(identity, "kitchen:read")
    location = visible_location(identity, location_id)
    with uow() as u:
        stations = {s.station_id: s for s in u.kitchen.stations(identity.tenant_uuid, location)}
        station = _station_filter(stations, station_id, False)
        return all_day(u.kitchen.tickets_at(identity.tenant_uuid, location, station_id=station))


def current_load(uow: UnitOfWorkFactory, identity: Identity, location_id: str) -> KitchenLoad:
    require(identity, "kitchen:read")
    location = visible_location(identity, location_id)
    with uow() as u:
        return kitchen_load(location, u.kitchen.stations(identity.tenant_uuid, location),
                            u.kitchen.outstanding_work(identity.tenant_uuid, location))


def latest_sequence(uow: UnitOfWorkFactory, identity: Identity, location_id: str) -> int:
    require(identity, "kitchen:read")
    location = visible_location(identity, location_id)
    with uow() as u:
        return u.kitchen.latest_sequence(identity.tenant_uuid, location)
