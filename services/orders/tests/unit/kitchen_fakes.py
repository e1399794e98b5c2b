"""An in-memory KitchenRepository (same methods as orders.adapters.kitchen_repository) and an
in-memory kitchen feed, for the kitchen's service-layer tests."""
from __future__ import annotations

import asyncio
import copy
import uuid
from dataclasses import dataclass
from datetime import datetime

from orders.adapters.kitchen_repository import LocationState, MenuFacts
from orders.domain.kitchen import RoutingRule, Station, Ticket
from orders.domain.kitchen_load import outstanding_work


@dataclass
class LoggedChange:
    location_id: uuid.UUID
    sequence: int
    tenant_id: uuid.UUID
    ticket_id: uuid.UUID
    station_id: uuid.UUID
    payload: dict
    at: datetime


class FakeKitchenRepository:
    """Writes are kept only when the unit of work commits (like the real tables)."""

    def __init__(self) -> None:
        self.stations_: dict[uuid.UUID, Station] = {}
        self.routes_: dict[uuid.UUID, RoutingRule] = {}
        self.tickets: dict[uuid.UUID, Ticket] = {}
        self.locations: dict[uuid.UUID, LocationState] = {}
        self.changes: list[LoggedChange] = []
        self.menu: dict[str, MenuFacts] = {}
        self.notified: list[str] = []
        self.begin()

    def begin(self) -> None:
        self._stations, self._routes = copy.deepcopy(self.stations_), copy.deepcopy(self.routes_)
        self._tickets, self._locations = copy.deepcopy(self.tickets), dict(self.locations)
        self._changes, self._notified = list(self.changes), list(self.notified)

    def commit(self) -> None:
        self.stations_, self.routes_ = copy.deepcopy(self._stations), copy.deepcopy(self._routes)
        self.tickets, self.locations = copy.deepcopy(self._tickets), dict(self._locations)
        self.changes, self.notified = list(self._changes), list(self._notified)

    # ---- the location lock and the change log
    def lock_location(self, tenant_id, location_id) -> LocationState:
        return self._locations.setdefault(location_id, LocationState(0, "quiet", 0, 0))

    def bump_config(self, location_id) -> None:
        state = self._locations[location_id]
        self._locations[location_id] = LocationState(state.last_sequence, state.busy_level, state.quote_step,
                                                     state.config_version + 1)

    def record_changes(self, tenant_id, location_id, after, changes, at) -> int:
        for index, (ticket, payload) in enumerate(changes, start=1):
            self._changes.append(LoggedChange(location_id, after + index, tenant_id, ticket.ticket_id,
                                              ticket.station_id, copy.deepcopy(payload), at))
        last = after + len(changes)
        state = self._locations[location_id]
        self._locations[location_id] = LocationState(last, state.busy_level, state.quote_step, state.config_version)
        self._notified.append(f"{location_id}:{last}")
        return last

    def set_published_load(self, location_id, busy_level, quote_step) -> None:
        state = self._locations[location_id]
        self._locations[location_id] = LocationState(state.last_sequence, busy_level, quote_step,
                                                     state.config_version)

    def latest_sequence(self, tenant_id, location_id) -> int:
        state = self._locations.get(location_id)
        return state.last_sequence if state else 0

    def prune_changes(self, location_id, older_than) -> int:
        newest = max((c.sequence for c in self._changes if c.location_id == location_id), default=0)
        before = len(self._changes)
        self._changes = [c for c in self._changes if not (c.location_id == location_id and c.at < older_than
                                                          and c.sequence < newest)]
        return before - len(self._changes)

    # ---- stations
    def stations(self, tenant_id, location_id) -> list[Station]:
        found = [copy.deepcopy(s) for s in self._stations.values()
                 if s.tenant_id == tenant_id and s.location_id == location_id]
        return sorted(found, key=lambda s: (s.position, s.name, str(s.station_id)))

    def get_station(self, tenant_id, station_id):
        found = self._stations.get(station_id)
        return copy.deepcopy(found) if found and found.tenant_id == tenant_id else None

    def add_station(self, station) -> None:
        self._stations[station.station_id] = copy.deepcopy(station)

    save_station = add_station

    def delete_station(self, station) -> None:
        self._stations.pop(station.station_id, None)
        self._routes = {k: r for k, r in self._routes.items() if r.station_id != station.station_id}

    def open_tickets_at(self, station_id) -> int:
        return sum(1 for t in self._tickets.values() if t.station_id == station_id and t.is_open)

    # ---- routes
    def routes(self, tenant_id, location_id):
        return sorted((r for r in self._routes.values() if r.tenant_id == tenant_id and r.location_id == location_id),
                      key=lambda r: (r.match_kind, r.match_value))

    def get_route(self, tenant_id, route_id):
        found = self._routes.get(route_id)
        return found if found and found.tenant_id == tenant_id else None

    def add_route(self, rule) -> None:
        self._routes[rule.route_id] = rule

    def delete_route(self, rule) -> None:
        self._routes.pop(rule.route_id, None)

    # ---- tickets
    def tickets_of_order(self, tenant_id, order_id, *, for_update=False):
        return [copy.deepcopy(t) for t in sorted(self._tickets.values(), key=lambda t: str(t.ticket_id))
                if t.tenant_id == tenant_id and t.order_id == order_id]

    def get_ticket(self, tenant_id, ticket_id, *, for_update=False):
        found = self._tickets.get(ticket_id)
        return copy.deepcopy(found) if found and found.tenant_id == tenant_id else None

    def tickets_at(self, tenant_id, location_id, *, station_id=None, bumped_since=None):
        found = [copy.deepcopy(t) for t in self._tickets.values()
                 if t.tenant_id == tenant_id and t.location_id == location_id
                 and (t.is_open or (bumped_since is not None and t.bumped_at and t.bumped_at >= bumped_since))
                 and (station_id is None or t.station_id == station_id)]
        return sorted(found, key=lambda t: (t.created_at, str(t.ticket_id)))

    def save_tickets(self, tickets) -> None:
        for ticket in tickets:
            self._tickets[ticket.ticket_id] = copy.deepcopy(ticket)

    def outstanding_work(self, tenant_id, location_id):
        return outstanding_work(t for t in self._tickets.values()
                                if t.tenant_id == tenant_id and t.location_id == location_id)

    def menu_facts(self, tenant_id, item_ids):
        return {str(i): self.menu[str(i)] for i in item_ids if str(i) in self.menu}


class MemoryFeed:
    """KitchenFeed over a FakeKitchenRepository's committed change log; `poke()` wakes waiters."""

    def __init__(self, repository: FakeKitchenRepository) -> None:
        self.repository = repository
        self.poked = asyncio.Event()

    async def changes(self, location_id, after):
        return [c for c in self.repository.changes if c.location_id == location_id and c.sequence > after]

    async def wait(self, location_id, after, timeout):
        if any(c.location_id == location_id and c.sequence > after for c in self.repository.changes):
            return True
        try:
            await asyncio.wait_for(self.poked.wait(), timeout)
            self.poked.clear()
            return True
        except TimeoutError:
            return False

    async def oldest(self, location_id):
        return min((c.sequence for c in self.repository.changes if c.location_id == location_id), default=None)

    def poke(self) -> None:
        self.poked.set()
