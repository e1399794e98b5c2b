"""KitchenRepository: stations, routing rules, tickets and the per-location change log.

Every kitchen write of a location first takes that location's row in kitchen_locations
(`lock_location`) and holds it to the commit: writes of one location are serialized, so the change
sequence numbers they take commit in order and a reader that saw sequence N never finds N - 1 later.
The change rows carry the ticket as the screens see it; `record_changes` also sends a NOTIFY (on
commit) that wakes the streams (adapters.kitchen_feed).
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from orders.adapters.orm_kitchen import (
    KitchenChangeRow,
    KitchenLocationRow,
    KitchenRouteRow,
    KitchenStationRow,
    KitchenTicketRow,
)
from orders.adapters.orm_menu import MenuItemRow
from orders.domain.kitchen import OPEN_STATES, OrderHeader, RoutingRule, Station, Ticket, TicketItem

# NOTIFY channel "<schema>_kitchen" (the schema's own, like the outbox's), payload "<location_id>:<last
# sequence>", followed by ':{"tenant_id", "at", "changes": [...]}' when that fits in a notification.
NOTIFY_SUFFIX = "_kitchen"
MAX_NOTIFY_BYTES = 7900  # PostgreSQL's limit is 8000


@dataclass(frozen=True)
class LocationState:
    last_sequence: int
    busy_level: str
    quote_step: int
    config_version: int = 0


@dataclass(frozen=True)
class MenuFacts:
    category_id: str
    allergens: tuple[str, ...]


class KitchenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- the location lock and the change log
    def lock_location(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> LocationState:
        row = self.session.execute(
            pg_insert(KitchenLocationRow).values(location_id=location_id, tenant_id=tenant_id, last_sequence=0,
                                                 busy_level="quiet", quote_step=0, config_version=0)
            .on_conflict_do_update(index_elements=["location_id"],
                                   set_={"location_id": KitchenLocationRow.location_id})
            .returning(KitchenLocationRow.last_sequence, KitchenLocationRow.busy_level,
                       KitchenLocationRow.quote_step, KitchenLocationRow.config_version)).one()
        return LocationState(*row)

    def bump_config(self, location_id: uuid.UUID) -> None:
        """Stations or routes of the (locked) location changed."""
        self.session.execute(update(KitchenLocationRow).where(KitchenLocationRow.location_id == location_id)
                             .values(config_version=KitchenLocationRow.config_version + 1))

    def record_changes(self, tenant_id: uuid.UUID, location_id: uuid.UUID, after: int,
                       changes: Sequence[tuple[Ticket, dict]], at: datetime) -> int:
        """Numbers the changes after `after` (the locked location's last sequence), logs them, moves
        the location's last sequence and NOTIFYs, in one statement; returns the last sequence. The
        notification carries the changes themselves when they fit (the streams then need no read)."""
        if not changes:
            return after
        rows = [{"sequence": after + index, "ticket_id": str(ticket.ticket_id), "station_id": str(ticket.station_id),
                 "payload": payload} for index, (ticket, payload) in enumerate(changes, start=1)]
        last = after + len(rows)
        rows_json = json.dumps(rows, separators=(",", ":"), default=str)
        note = f"{location_id}:{last}"
        full = f'{note}:{{"tenant_id":"{tenant_id}","at":"{at.isoformat()}","changes":{rows_json}}}'
        self.session.execute(text(
            "WITH logged AS (INSERT INTO kitchen_changes (location_id, sequence, tenant_id, ticket_id, station_id,"
            " payload, at) SELECT :location, r.sequence, :tenant, r.ticket_id, r.station_id, r.payload, :at"
            " FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(sequence bigint, ticket_id uuid, station_id uuid,"
            " payload jsonb)), moved AS (UPDATE kitchen_locations SET last_sequence = :last"
            " WHERE location_id = :location)"
            " SELECT pg_notify(current_schema() || :suffix, :note)"),
            {"location": location_id, "tenant": tenant_id, "at": at, "rows": rows_json, "last": last,
             "suffix": NOTIFY_SUFFIX, "note": full if len(full.encode()) <= MAX_NOTIFY_BYTES else note})
        return last

    def set_published_load(self, location_id: uuid.UUID, busy_level: str, quote_step: int) -> None:
        self.session.execute(update(KitchenLocationRow).where(KitchenLocationRow.location_id == location_id)
                             .values(busy_level=busy_level, quote_step=quote_step))

    def latest_sequence(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> int:
        return self.session.scalar(select(KitchenLocationRow.last_sequence).where(
            KitchenLocationRow.location_id == location_id, KitchenLocationRow.tenant_id == tenant_id)) or 0

    def prune_changes(self, location_id: uuid.UUID, older_than: datetime) -> int:
        """Drops old changes of the location, always keeping its latest one (so a resume can tell
        "pruned" from "nothing happened")."""
        newest = select(func.max(KitchenChangeRow.sequence)).where(
            KitchenChangeRow.location_id == location_id).scalar_subquery()
        return self.session.execute(delete(KitchenChangeRow).where(
            KitchenChangeRow.location_id == location_id, KitchenChangeRow.at < older_than,
            KitchenChangeRow.sequence < newest)).rowcount

    # ---- stations
    def stations(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> list[Station]:
        rows = self.session.scalars(select(KitchenStationRow).where(
            KitchenStationRow.tenant_id == tenant_id, KitchenStationRow.location_id == location_id)
            .order_by(KitchenStationRow.position, KitchenStationRow.name, KitchenStationRow.id))
        return [_station(row) for row in rows]

    def get_station(self, tenant_id: uuid.UUID, station_id: uuid.UUID) -> Station | None:
        row = self.session.get(KitchenStationRow, station_id)
        return _station(row) if row is not None and row.tenant_id == tenant_id else None

    def add_station(self, station: Station) -> None:
        self.session.add(_station_row(station, KitchenStationRow(id=station.station_id)))

    def save_station(self, station: Station) -> None:
        _station_row(station, self.session.get_one(KitchenStationRow, station.station_id))

    def delete_station(self, station: Station) -> None:
        self.session.execute(delete(KitchenStationRow).where(KitchenStationRow.id == station.station_id))

    def open_tickets_at(self, station_id: uuid.UUID) -> int:
        return self.session.scalar(select(func.count()).select_from(KitchenTicketRow).where(
            KitchenTicketRow.station_id == station_id, KitchenTicketRow.state.in_(OPEN_STATES))) or 0

    # ---- routing rules
    def routes(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> list[RoutingRule]:
        rows = self.session.scalars(select(KitchenRouteRow).where(
            KitchenRouteRow.tenant_id == tenant_id, KitchenRouteRow.location_id == location_id)
            .order_by(KitchenRouteRow.match_kind, KitchenRouteRow.match_value))
        return [_route(row) for row in rows]

    def get_route(self, tenant_id: uuid.UUID, route_id: uuid.UUID) -> RoutingRule | None:
        row = self.session.get(KitchenRouteRow, route_id)
        return _route(row) if row is not None and row.tenant_id == tenant_id else None

    def add_route(self, rule: RoutingRule) -> None:
        self.session.add(KitchenRouteRow(id=rule.route_id, tenant_id=rule.tenant_id, location_id=rule.location_id,
                                         station_id=rule.station_id, match_kind=rule.match_kind,
                                         match_value=rule.match_value))

    def delete_route(self, rule: RoutingRule) -> None:
        self.session.execute(delete(KitchenRouteRow).where(KitchenRouteRow.id == rule.route_id))

    # ---- tickets
    def tickets_of_order(self, tenant_id: uuid.UUID, order_id: uuid.UUID, *, for_update: bool = False) -> list[Ticket]:
        query = select(KitchenTicketRow).where(KitchenTicketRow.tenant_id == tenant_id,
                                               KitchenTicketRow.order_id == order_id).order_by(KitchenTicketRow.id)
        if for_update:
            query = query.with_for_update()
        return [_ticket(row) for row in self.session.scalars(query)]

    def get_ticket(self, tenant_id: uuid.UUID, ticket_id: uuid.UUID, *, for_update: bool = False) -> Ticket | None:
        query = select(KitchenTicketRow).where(KitchenTicketRow.id == ticket_id, KitchenTicketRow.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        return _ticket(row) if row is not None else None

    def tickets_at(self, tenant_id: uuid.UUID, location_id: uuid.UUID, *, station_id: uuid.UUID | None = None,
                   bumped_since: datetime | None = None) -> list[Ticket]:
        """Open tickets (and those bumped since `bumped_since`), oldest first."""
        # Spelled as the partial index ix_kitchen_tickets_open is (state <> 'done', a literal) so the planner uses it.
        wanted = KitchenTicketRow.state.op("<>")(literal_column("'done'"))
        if bumped_since is not None:
            wanted = wanted | (KitchenTicketRow.bumped_at >= bumped_since)
        query = select(KitchenTicketRow).where(KitchenTicketRow.tenant_id == tenant_id,
                                               KitchenTicketRow.location_id == location_id, wanted)
        if station_id is not None:
            query = query.where(KitchenTicketRow.station_id == station_id)
        return [_ticket(row) for row in self.session.scalars(query.order_by(KitchenTicketRow.created_at,
                                                                            KitchenTicketRow.id))]

    def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Inserts new tickets and overwrites changed ones (one statement)."""
        if not tickets:
            return
        rows = [_ticket_values(ticket) for ticket in tickets]
        statement = pg_insert(KitchenTicketRow).values(rows)
        columns = ("state", "rush", "header", "items", "version", "fired_at", "bumped_at", "station_id")
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["id"], set_={name: statement.excluded[name] for name in columns}))

    def outstanding_work(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> dict[uuid.UUID, tuple[int, int]]:
        """Per station: (items, quantity x prep seconds) not done, not voided, not held, on open prep
        tickets (orders.domain.kitchen_load.outstanding_work, in SQL: no ticket is decoded)."""
        rows = self.session.execute(text(
            "SELECT t.station_id, sum((i->>'quantity')::int),"
            " sum((i->>'quantity')::int * (i->>'prep_time_seconds')::int)"
            " FROM kitchen_tickets t CROSS JOIN LATERAL jsonb_array_elements(t.items) AS i"
            " WHERE t.tenant_id = :tenant AND t.location_id = :location AND t.state <> 'done' AND t.kind = 'prep'"
            " AND i->>'state' IN ('new', 'in_progress') AND NOT (i->>'held')::boolean"
            " GROUP BY t.station_id"), {"tenant": tenant_id, "location": location_id})
        return {station_id: (int(items), int(seconds)) for station_id, items, seconds in rows}

    # ---- what the menu says of lines (category for routing, allergens for the ticket)
    def menu_facts(self, tenant_id: uuid.UUID, item_ids: Sequence[uuid.UUID]) -> dict[str, MenuFacts]:
        if not item_ids:
            return {}
        rows = self.session.execute(select(MenuItemRow.id, MenuItemRow.category_id, MenuItemRow.allergens).where(
            MenuItemRow.tenant_id == tenant_id, MenuItemRow.id.in_(set(item_ids))))
        return {str(item_id): MenuFacts(str(category_id), tuple(allergens or ()))
                for item_id, category_id, allergens in rows}


# ---- rows <-> domain
def _station(row: KitchenStationRow) -> Station:
    return Station(row.id, row.tenant_id, row.location_id, row.name, row.kind, row.is_default,
                   row.warn_after_seconds, row.late_after_seconds, row.position)


def _station_row(station: Station, row: KitchenStationRow) -> KitchenStationRow:
    row.tenant_id, row.location_id, row.name, row.kind = (station.tenant_id, station.location_id, station.name,
                                                          station.kind)
    row.is_default, row.warn_after_seconds, row.late_after_seconds, row.position = (
        station.is_default, station.warn_after_seconds, station.late_after_seconds, station.position)
    return row


def _route(row: KitchenRouteRow) -> RoutingRule:
    return RoutingRule(row.id, row.tenant_id, row.location_id, row.station_id, row.match_kind, row.match_value)


def _item_json(item: TicketItem) -> dict:
    return {"line_id": item.line_id, "name": item.name, "quantity": item.quantity, "modifiers": list(item.modifiers),
            "allergens": list(item.allergens), "notes": item.notes, "course": item.course, "seat": item.seat,
            "prep_time_seconds": item.prep_time_seconds, "state": item.state, "held": item.held,
            "addition": item.addition, "fire_at": item.fire_at.isoformat() if item.fire_at else None}


def _item(data: dict) -> TicketItem:
    fire_at = data.get("fire_at")
    return TicketItem(data["line_id"], data["name"], data["quantity"], tuple(data.get("modifiers", ())),
                      tuple(data.get("allergens", ())), data.get("notes", ""), data.get("course", ""),
                      data.get("seat", 0), data.get("prep_time_seconds", 0), data.get("state", "new"),
                      data.get("held", False), data.get("addition", False),
                      datetime.fromisoformat(fire_at) if fire_at else None)


def _ticket(row: KitchenTicketRow) -> Ticket:
    return Ticket(row.id, row.tenant_id, row.location_id, row.station_id, row.order_id, row.kind,
                  OrderHeader(**row.header), row.created_at, [_item(i) for i in row.items], row.state, row.rush,
                  row.version, row.fired_at, row.bumped_at)


def _ticket_values(ticket: Ticket) -> dict:
    header = ticket.header
    return {"id": ticket.ticket_id, "tenant_id": ticket.tenant_id, "location_id": ticket.location_id,
            "station_id": ticket.station_id, "order_id": ticket.order_id, "kind": ticket.kind, "state": ticket.state,
            "rush": ticket.rush, "version": ticket.version, "created_at": ticket.created_at,
            "fired_at": ticket.fired_at, "bumped_at": ticket.bumped_at,
            "header": asdict(header), "items": [_item_json(i) for i in ticket.items]}
