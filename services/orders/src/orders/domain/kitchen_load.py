"""All-day counts and kitchen load, from the open tickets.

All day: per station, how many of each item (with the same modifiers) are still to cook.
Load: per prep station, the outstanding work (quantity x prep time of every item not done, not
voided, not held), worked off `PARALLEL_ITEMS` at a time; the quoted ready time for a new order is
the busiest station's backlog plus a typical prep time, and the busy level follows the quote. Held
items do not count: nobody cooks them until their course is fired.
"""
from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from orders.domain.kitchen import PREP, Station, Ticket

PARALLEL_ITEMS = 4  # items a station works on at once
TYPICAL_PREP_SECONDS = 600  # what a new order adds on top of the backlog when quoting
BUSY_LEVELS = ("quiet", "normal", "busy", "slammed")
BUSY_THRESHOLDS = (("slammed", 1800), ("busy", 600), ("normal", 0))  # backlog seconds at or above
QUOTE_STEP_SECONDS = 60  # a load event is published when the quote moves by a minute or the level changes


@dataclass(frozen=True)
class AllDayCount:
    name: str
    modifiers: tuple[str, ...]
    quantity: int


def all_day(tickets: Iterable[Ticket]) -> list[AllDayCount]:
    """Outstanding items of the given (prep) tickets, most first, then by name."""
    counts: dict[tuple[str, tuple[str, ...]], int] = {}
    for ticket in tickets:
        if not ticket.is_open or ticket.is_expo:
            continue
        for item in ticket.items:
            if item.outstanding:
                key = (item.name, tuple(sorted(item.modifiers)))
                counts[key] = counts.get(key, 0) + item.quantity
    return [AllDayCount(name, modifiers, quantity)
            for (name, modifiers), quantity in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


@dataclass(frozen=True)
class StationLoad:
    station_id: uuid.UUID
    name: str
    outstanding_items: int
    outstanding_seconds: int  # quantity x prep time, summed
    backlog_seconds: int  # worked off PARALLEL_ITEMS at a time


@dataclass(frozen=True)
class KitchenLoad:
    location_id: uuid.UUID
    stations: tuple[StationLoad, ...]
    quoted_ready_seconds: int
    busy_level: str

    @property
    def quote_step(self) -> int:
        return self.quoted_ready_seconds // QUOTE_STEP_SECONDS


def outstanding_work(tickets: Iterable[Ticket]) -> dict[uuid.UUID, tuple[int, int]]:
    """Per station: (items, quantity x prep seconds) still to cook on its open prep tickets (the
    repository computes the same in SQL)."""
    work: dict[uuid.UUID, tuple[int, int]] = {}
    for ticket in tickets:
        if not ticket.is_open or ticket.is_expo:
            continue
        for item in ticket.items:
            if item.outstanding:
                items, seconds = work.get(ticket.station_id, (0, 0))
                work[ticket.station_id] = (items + item.quantity, seconds + item.quantity * item.prep_time_seconds)
    return work


def kitchen_load(location_id: uuid.UUID, stations: Sequence[Station],
                 work: dict[uuid.UUID, tuple[int, int]]) -> KitchenLoad:
    loads = tuple(StationLoad(s.station_id, s.name, *work.get(s.station_id, (0, 0)),
                              math.ceil(work.get(s.station_id, (0, 0))[1] / PARALLEL_ITEMS))
                  for s in sorted(stations, key=lambda s: (s.position, s.name)) if s.kind == PREP)
    backlog = max((load.backlog_seconds for load in loads), default=0)
    quote = backlog + TYPICAL_PREP_SECONDS
    return KitchenLoad(location_id, loads, quote, busy_level(backlog, any(load.outstanding_items for load in loads)))


def busy_level(backlog_seconds: int, any_work: bool) -> str:
    """quiet: nothing to cook; then by the busiest station's backlog."""
    if not any_work:
        return "quiet"
    return next(name for name, at in BUSY_THRESHOLDS if backlog_seconds >= at)
