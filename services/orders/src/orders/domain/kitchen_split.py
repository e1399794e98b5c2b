"""An order's kitchen tickets from the order as its latest event shows it.

Every orders.order.v1 event carries the whole order, so the kitchen does not replay events: it
compares the order with the tickets it already has and changes only what differs (a line not on a
ticket yet goes to its station's ticket and to expo; a voided line is struck through; a fired course
gets its fire times; a cancelled order strikes everything). Applying the same order twice changes
nothing, so a redelivered or late event is harmless.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from orders.domain.kitchen import (
    EXPO,
    PREP,
    LineFacts,
    OrderHeader,
    RoutingRule,
    Station,
    Ticket,
    fire_times,
    new_item,
    route,
)

# Order statuses as the kitchen reads them (orders.domain.order names).
IN_KITCHEN = frozenset({"sent"})
PAST_KITCHEN = frozenset({"ready", "served", "closed"})
DROPPED = frozenset({"cancelled", "voided"})
# Channels whose orders have no "send" step: they go to the kitchen as soon as they are placed.
SENT_ON_PLACE = ("pos:", "online")


@dataclass(frozen=True)
class OrderSnapshot:
    order_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    status: str
    header: OrderHeader
    lines: Sequence[LineFacts]

    @property
    def for_the_kitchen(self) -> bool:
        if self.status in IN_KITCHEN | PAST_KITCHEN:
            return True
        return self.status == "open" and self.header.channel.startswith(SENT_ON_PLACE)


def default_station(stations: Sequence[Station]) -> Station | None:
    prep = [s for s in stations if s.kind == PREP]
    return next((s for s in prep if s.is_default), prep[0] if prep else None)


def expo_station(stations: Sequence[Station]) -> Station | None:
    return next((s for s in sorted(stations, key=lambda s: (s.position, str(s.station_id))) if s.kind == EXPO), None)


def apply_order(order: OrderSnapshot, tickets: list[Ticket], stations: Sequence[Station],
                rules: Sequence[RoutingRule], at: datetime, new_id: Callable[[], uuid.UUID]) -> list[Ticket]:
    """Brings `tickets` (the order's, changed in place, new ones appended) in line with `order`;
    returns the tickets that changed or were created, in a stable order."""
    changed: dict[uuid.UUID, Ticket] = {}
    if order.status in DROPPED:
        for ticket in tickets:
            if ticket.cancel():
                changed[ticket.ticket_id] = ticket
        return list(changed.values())
    if not order.for_the_kitchen:
        return []
    default, expo = default_station(stations), expo_station(stations)
    if default is None:
        raise ValueError("a location with tickets needs a prep station")
    known = {item.line_id: item for ticket in tickets if not ticket.is_expo for item in ticket.items}
    new_lines = [line for line in order.lines if line.line_id not in known and line.active]
    fired_now = [line for line in order.lines
                 if line.line_id in known and line.active and not line.held and known[line.line_id].held]
    fire_at = fire_times([*new_lines, *fired_now], at)  # fired at the same moment: ready together

    def ticket_for(station: Station) -> Ticket:
        for ticket in tickets:
            if ticket.station_id == station.station_id:
                return ticket
        ticket = Ticket(new_id(), order.tenant_id, order.location_id, station.station_id, order.order_id,
                        station.kind, order.header, at, fired_at=at)
        ticket.version = 0  # add_items below makes it 1
        tickets.append(ticket)
        return ticket

    by_station: dict[uuid.UUID, Station] = {s.station_id: s for s in stations}
    for line in new_lines:
        station = by_station.get(route(line, rules, default.station_id), default)
        targets = [ticket_for(station)] + ([ticket_for(expo)] if expo is not None else [])
        for ticket in targets:
            ticket.add_items([new_item(line, fire_at.get(line.line_id))], at)
            changed[ticket.ticket_id] = ticket
    for line in order.lines:
        if line.line_id not in known:
            continue
        for ticket in tickets:
            if ticket.has(line.line_id) and ticket.sync_line(line, fire_at.get(line.line_id), at):
                changed[ticket.ticket_id] = ticket
    if order.status in PAST_KITCHEN:
        for ticket in tickets:
            if ticket.finish(at):
                changed[ticket.ticket_id] = ticket
    return [t for t in tickets if t.ticket_id in changed]
