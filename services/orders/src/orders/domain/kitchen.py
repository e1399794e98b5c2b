"""The kitchen display: stations, routing rules, tickets and their items.

An order that reaches the kitchen (sent, or placed by a channel that has no "send" step: a POS or
online) is split into one ticket per prep station (each line goes where the routing rules say: menu
item > category > tag > the location's default station) plus one ticket on the expo station that
mirrors every item of the order. Cooks start and bump tickets (or single items); expo bumps the
order out, which makes the order ready. Everything here is pure: ids and times come from the caller.

Ticket states::

    new -> in_progress -> done      (start, bump; bumping a new ticket is fine too)
    done -> in_progress             (recall: undo a bump)

Item states: new -> in_progress -> done, or voided (struck through; a voided line never comes back).
An illegal move is Conflict (409) naming the current state.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from chassis.errors import Conflict, InvalidInput

NEW, IN_PROGRESS, DONE, VOIDED = "new", "in_progress", "done", "voided"
TICKET_STATES = (NEW, IN_PROGRESS, DONE)
OPEN_STATES = frozenset({NEW, IN_PROGRESS})
PREP, EXPO = "prep", "expo"
STATION_KINDS = (PREP, EXPO)
MATCH_KINDS = ("item_id", "category_id", "tag")  # most specific first
DEFAULT_WARN, DEFAULT_LATE = 300, 600
MAX_NAME, MAX_THRESHOLD = 60, 24 * 3600


# ---------------------------------------------------------------- stations and routing
@dataclass
class Station:
    station_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    name: str
    kind: str = PREP
    is_default: bool = False
    warn_after_seconds: int = DEFAULT_WARN
    late_after_seconds: int = DEFAULT_LATE
    position: int = 0

    @classmethod
    def create(cls, *, station_id: uuid.UUID, tenant_id: uuid.UUID, location_id: uuid.UUID, name: str,
               kind: str = PREP, is_default: bool = False, warn_after_seconds: int = DEFAULT_WARN,
               late_after_seconds: int = DEFAULT_LATE, position: int = 0) -> Station:
        station = cls(station_id, tenant_id, location_id, "", kind, False, DEFAULT_WARN, DEFAULT_LATE, position)
        station.change(name=name, kind=kind, is_default=is_default, warn_after_seconds=warn_after_seconds,
                       late_after_seconds=late_after_seconds)
        return station

    def change(self, *, name: str | None = None, kind: str | None = None, is_default: bool | None = None,
               warn_after_seconds: int | None = None, late_after_seconds: int | None = None,
               position: int | None = None) -> None:
        if name is not None:
            self.name = _name(name, "name")
        if kind is not None:
            if kind not in STATION_KINDS:
                raise InvalidInput(f"must be one of {', '.join(STATION_KINDS)}", field="kind")
            self.kind = kind
        if is_default is not None:
            self.is_default = is_default
        if self.is_default and self.kind != PREP:
            raise InvalidInput("the default station is a prep station", field="is_default")
        warn = self.warn_after_seconds if warn_after_seconds is None else warn_after_seconds
        late = self.late_after_seconds if late_after_seconds is None else late_after_seconds
        for value, name_ in ((warn, "warn_after_seconds"), (late, "late_after_seconds")):
            if not 0 < value <= MAX_THRESHOLD:
                raise InvalidInput(f"must be between 1 and {MAX_THRESHOLD}", field=name_)
        if late < warn:
            raise InvalidInput("must not be below warn_after_seconds", field="late_after_seconds")
        self.warn_after_seconds, self.late_after_seconds = warn, late
        if position is not None:
            self.position = position


def default_stations(tenant_id: uuid.UUID, location_id: uuid.UUID,
                     new_id: Callable[[], uuid.UUID]) -> list[Station]:
    """What a location gets when its first ticket arrives and nobody configured it: "Kitchen" (the
    default prep station) and "Expo"."""
    return [Station.create(station_id=new_id(), tenant_id=tenant_id, location_id=location_id, name="Kitchen",
                           is_default=True),
            Station.create(station_id=new_id(), tenant_id=tenant_id, location_id=location_id, name="Expo",
                           kind=EXPO, position=1)]


@dataclass(frozen=True)
class RoutingRule:
    route_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    station_id: uuid.UUID
    match_kind: str  # item_id | category_id | tag
    match_value: str

    @classmethod
    def create(cls, *, route_id: uuid.UUID, tenant_id: uuid.UUID, location_id: uuid.UUID, station: Station,
               match: dict) -> RoutingRule:
        if station.kind != PREP:
            raise InvalidInput("routes lead to prep stations (expo sees every ticket anyway)", field="station_id")
        given = {k: v for k, v in (match or {}).items() if v not in (None, "")}
        if len(given) != 1 or next(iter(given)) not in MATCH_KINDS:
            raise InvalidInput(f"exactly one of {', '.join(MATCH_KINDS)}", field="match")
        kind, value = next(iter(given.items()))
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
            raise InvalidInput(f"a text of 1 to {MAX_NAME} characters", field=f"match.{kind}")
        value = value.strip()
        if kind != "tag":
            try:
                value = str(uuid.UUID(value))
            except ValueError:
                raise InvalidInput("must be a UUID", field=f"match.{kind}") from None
        return cls(route_id, tenant_id, location_id, station.station_id, kind, value)


@dataclass(frozen=True)
class LineFacts:
    """What routing and the ticket need of an order line (from the event) and its menu item."""

    line_id: str
    name: str
    quantity: int
    item_id: str = ""
    category_id: str = ""
    kitchen_tags: tuple[str, ...] = ()
    prep_time_seconds: int = 0
    modifiers: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()
    notes: str = ""
    course: str = ""
    seat: int = 0
    active: bool = True
    held: bool = False
    addition: bool = False


def route(line: LineFacts, rules: Iterable[RoutingRule], default_station: uuid.UUID) -> uuid.UUID:
    """The line's station: a rule on its menu item wins over one on its category, which wins over
    one on a kitchen tag (the first of the line's tags that has a rule); else the default."""
    by_kind: dict[str, dict[str, uuid.UUID]] = {kind: {} for kind in MATCH_KINDS}
    for rule in sorted(rules, key=lambda r: str(r.route_id)):  # deterministic when two rules collide
        by_kind[rule.match_kind].setdefault(rule.match_value, rule.station_id)
    if line.item_id and line.item_id in by_kind["item_id"]:
        return by_kind["item_id"][line.item_id]
    if line.category_id and line.category_id in by_kind["category_id"]:
        return by_kind["category_id"][line.category_id]
    for tag in line.kitchen_tags:
        if tag in by_kind["tag"]:
            return by_kind["tag"][tag]
    return default_station


# ---------------------------------------------------------------- tickets
@dataclass(frozen=True)
class OrderHeader:
    """What a ticket shows of its order."""

    order_type: str = "dine_in"
    table: str = ""
    guest_count: int = 0
    server_id: str = ""
    server_name: str | None = None
    channel: str = "counter"
    order_number: str = ""
    cancelled: bool = False


def order_number(order_id: str) -> str:
    """A short code a cook can call out: the last 4 hex digits of the order id."""
    return order_id.replace("-", "")[-4:].upper()


@dataclass
class TicketItem:
    line_id: str
    name: str
    quantity: int
    modifiers: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()
    notes: str = ""
    course: str = ""
    seat: int = 0
    prep_time_seconds: int = 0
    state: str = NEW
    held: bool = False
    addition: bool = False
    fire_at: datetime | None = None  # when to start it (fire by prep time); None while held

    @property
    def outstanding(self) -> bool:
        return self.state in OPEN_STATES and not self.held


@dataclass
class Ticket:
    ticket_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    station_id: uuid.UUID
    order_id: uuid.UUID
    kind: str
    header: OrderHeader
    created_at: datetime
    items: list[TicketItem] = field(default_factory=list)
    state: str = NEW
    rush: bool = False
    version: int = 1
    fired_at: datetime | None = None  # when its latest work was fired (the timer runs from here)
    bumped_at: datetime | None = None

    @property
    def is_expo(self) -> bool:
        return self.kind == EXPO

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def item(self, line_id: str) -> TicketItem:
        for item in self.items:
            if item.line_id == line_id:
                return item
        raise InvalidInput("no such item on this ticket", field="line_id")

    def has(self, line_id: str) -> bool:
        return any(item.line_id == line_id for item in self.items)

    # ---- what cooks do ----
    def start(self) -> None:
        if self.state != NEW:
            raise Conflict(f"the ticket is {self.state}: only a new ticket can be started", field="state")
        self.state = IN_PROGRESS
        for item in self.items:
            if item.state == NEW and not item.held:
                item.state = IN_PROGRESS
        self.version += 1

    def bump(self, at: datetime) -> None:
        if self.state not in OPEN_STATES:
            raise Conflict(f"the ticket is {self.state}: bump it after a recall", field="state")
        for item in self.items:
            if item.state in OPEN_STATES:
                item.state = DONE
        self.state, self.bumped_at = DONE, at
        self.version += 1

    def recall(self) -> None:
        if self.state != DONE:
            raise Conflict(f"the ticket is {self.state}: only a bumped (done) ticket can be recalled", field="state")
        for item in self.items:
            if item.state == DONE:
                item.state = IN_PROGRESS
        self.state, self.bumped_at = IN_PROGRESS, None
        self.version += 1

    def set_rush(self, rush: bool) -> None:
        if self.state not in OPEN_STATES:
            raise Conflict(f"the ticket is {self.state}: only an open ticket can be rushed", field="state")
        self.rush = rush
        self.version += 1

    def bump_item(self, line_id: str, at: datetime) -> TicketItem:
        """One item done; the last open item done bumps the ticket (expo's items follow the stations)."""
        if self.is_expo:
            raise Conflict("expo bumps the whole order, not single items", field="ticket_id")
        item = self.item(line_id)
        if item.state not in OPEN_STATES:
            raise Conflict(f"the item is {item.state}: only a new or in-progress item can be bumped", field="line_id")
        if item.held:
            raise Conflict("the item is held: its course was not fired yet", field="line_id")
        item.state = DONE
        if self.state == NEW:
            self.state = IN_PROGRESS
        if not any(i.state in OPEN_STATES for i in self.items):
            self.state, self.bumped_at = DONE, at
        self.version += 1
        return item

    # ---- what the order does to a ticket ----
    def add_items(self, items: Sequence[TicketItem], at: datetime) -> None:
        """New work (an addition, or the first lines): a bumped ticket comes back."""
        self.items.extend(items)
        if self.state == DONE:
            self.state, self.bumped_at = IN_PROGRESS, None
        self.fired_at = at
        self.version += 1

    def mirror(self, line_id: str, state: str) -> bool:
        """Expo follows an item's state at its station. True when something changed."""
        if not self.has(line_id):
            return False
        item = self.item(line_id)
        if item.state == state or item.state == VOIDED:
            return False
        item.state = state
        if state in (IN_PROGRESS, DONE) and self.state == NEW:
            self.state = IN_PROGRESS
        self.version += 1
        return True

    def sync_line(self, facts: LineFacts, fire_at: datetime | None, at: datetime) -> bool:
        """A line changed on the order (voided, held, fired). True when the ticket changed."""
        item = self.item(facts.line_id)
        changed = False
        if not facts.active and item.state != VOIDED:
            item.state, changed = VOIDED, True
        if facts.active and item.held != facts.held:
            item.held, changed = facts.held, True
            item.fire_at = None if facts.held else fire_at
            if not facts.held:
                self.fired_at = at
                if self.state == DONE and item.state in OPEN_STATES:
                    self.state, self.bumped_at = IN_PROGRESS, None
        if changed:
            self.version += 1
        return changed

    def cancel(self) -> bool:
        """The order was cancelled or voided: every item struck through at once."""
        changed = not self.header.cancelled
        self.header = replace(self.header, cancelled=True)
        for item in self.items:
            if item.state != VOIDED:
                item.state, changed = VOIDED, True
        if changed:
            self.version += 1
        return changed

    def finish(self, at: datetime) -> bool:
        """The order left the kitchen some other way (moved to ready or beyond by the front)."""
        if self.state == DONE:
            return False
        self.bump(at)
        return True

    # ---- timing ----
    @property
    def target_seconds(self) -> int:
        """The ticket's work runs in parallel: its longest active item."""
        return max((i.prep_time_seconds for i in self.items if i.state != VOIDED and not i.held), default=0)

    def elapsed_seconds(self, now: datetime) -> int:
        return max(0, int((now - (self.fired_at or self.created_at)).total_seconds()))


def age_level(elapsed_seconds: int, station: Station | None) -> str:
    """ok / warn / late by the station's thresholds (the defaults when the station is unknown)."""
    warn = station.warn_after_seconds if station else DEFAULT_WARN
    late = station.late_after_seconds if station else DEFAULT_LATE
    if elapsed_seconds >= late:
        return "late"
    if elapsed_seconds >= warn:
        return "warn"
    return "ok"


def fire_times(lines: Sequence[LineFacts], fired_at: datetime) -> dict[str, datetime]:
    """Fire by prep time: lines fired together finish together, so a line with a shorter prep time
    starts later (at fired_at + longest prep - its prep). Held lines get no time."""
    firing = [line for line in lines if line.active and not line.held]
    longest = max((line.prep_time_seconds for line in firing), default=0)
    return {line.line_id: fired_at + timedelta(seconds=longest - line.prep_time_seconds) for line in firing}


def new_item(facts: LineFacts, fire_at: datetime | None) -> TicketItem:
    return TicketItem(facts.line_id, facts.name, facts.quantity, facts.modifiers, facts.allergens, facts.notes,
                      facts.course, facts.seat, facts.prep_time_seconds,
                      state=NEW if facts.active else VOIDED, held=facts.held, addition=facts.addition,
                      fire_at=None if facts.held else fire_at)


def _name(value: str, field_name: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_NAME:
        raise InvalidInput(f"a name of 1 to {MAX_NAME} characters", field=field_name)
    if "\x00" in value:
        raise InvalidInput("must not contain NUL", field=field_name)
    return value
