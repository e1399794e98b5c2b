"""Repositories: the queries behind each aggregate, mapping rows to domain objects and back.

The service layer sees only domain objects. A repository remembers the rows behind the orders it
handed out and writes their changes back when the unit of work commits (`write_changes`), so a use
case loads an order, calls its methods and commits, without saving by hand.
"""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime

from chassis import outbox
from chassis.db import Rows, insert_rows, utcnow
from sqlalchemy import JSON, Table, delete, func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders.adapters.orm import IdempotencyKeyRow, OrderHistoryRow, OrderLineRow, OrderRow
from orders.domain.idempotency import StoredResponse
from orders.domain.listing import OrderFilter
from orders.domain.order import AppliedDiscount, HistoryEntry, IdempotencyKeyTaken, Modifier, Order, OrderLine
from orders.domain.reports import LocationSales

# Named by the naming convention in migration 0001 / explicitly in 0004.
IDEMPOTENCY_CONSTRAINTS = ("uq_orders_tenant_id_idempotency_key", "pk_idempotency_keys",
                           "uq_orders_channel_external_id",
                           # migration 0006: a POS payment recorded twice, a settlement file imported twice
                           "uq_payments_external_reference", "uq_settlement_imports_file")


def translating_integrity_errors(action: Callable[[], None]) -> None:
    """Runs `action` (a flush or commit), turning the integrity errors the service layer handles
    into a domain exception (it imports no SQLAlchemy); every other one stays what it is."""
    try:
        action()
    except IntegrityError as error:
        name = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        if name in IDEMPOTENCY_CONSTRAINTS:
            raise IdempotencyKeyTaken(name) from error
        raise




class DeferredRows:
    """Rows a unit of work will insert later, many orders' at once (orders' group commit,
    adapters/unit_of_work.py): by table, in the order the foreign keys need."""

    def __init__(self) -> None:
        self.orders: list[dict] = []
        self.lines: list[dict] = []
        self.history: list[dict] = []
        self.events: list[dict] = []
        self.idempotency: list[dict] = []

    def extend(self, other: DeferredRows) -> None:
        for name in ("orders", "lines", "history", "events", "idempotency"):
            getattr(self, name).extend(getattr(other, name))

    def insert(self, session: Session, own_transaction: bool = False) -> None:
        """Every row gathered, one INSERT per table, all in one round trip (IdempotencyKeyTaken for
        a taken key): chassis.db.insert_rows; bench/bench_orders.py. `own_transaction`: the session's
        connection is in autocommit, and the round trip begins and commits a transaction of its own."""
        connection = session.connection()
        writes = [Rows(table.name, rows, _json_columns(table))
                  for table, rows in ((OrderRow.__table__, self.orders), (OrderLineRow.__table__, self.lines),
                                      (OrderHistoryRow.__table__, self.history),
                                      (IdempotencyKeyRow.__table__, self.idempotency))]
        writes.append(Rows(outbox.TABLE, self.events))
        translating_integrity_errors(lambda: insert_rows(connection, writes, own_transaction=own_transaction))


@functools.cache
def _json_columns(table: Table) -> frozenset[str]:
    return frozenset(column.key for column in table.columns if isinstance(column.type, JSON))


class OrderRepository:
    def __init__(self, session: Session, deferred: DeferredRows | None = None) -> None:
        self.session, self.deferred = session, deferred
        self._tracked: dict[uuid.UUID, tuple[Order, OrderRow]] = {}

    def add(self, order: Order) -> None:
        """Inserts at once: a taken key (Idempotency-Key, channel + external id) raises
        IdempotencyKeyTaken here, not from whatever statement would otherwise autoflush the row.

        Three plain INSERTs (the order, its lines in one statement, its history), not an ORM flush: an
        order is placed far more often than anything else happens, and the flush's bookkeeping cost
        more CPU than the statements. The order is written as it is now: a use case that goes on
        changing it in the same unit of work reads it back with `get` (which tracks it) first."""
        now = utcnow()
        values = _order_values(order) | {"id": order.order_id, "created_at": now, "updated_at": now, "deleted_at": None}
        lines = [_line_values(order, position, line) for position, line in enumerate(order.lines)]
        history = [_history_values(order, entry) for entry in order.history]
        table = OrderRow.__table__

        if self.deferred is not None:  # group commit: written with the batch's other orders
            self.deferred.orders.append(values)
            self.deferred.lines.extend(lines)
            self.deferred.history.extend(history)
            return

        def insert_all() -> None:
            connection = self.session.connection()  # the session's transaction, without ORM execution
            connection.execute(insert(table), [values])
            if lines:
                connection.execute(insert(OrderLineRow.__table__), lines)
            if history:
                connection.execute(insert(OrderHistoryRow.__table__), history)

        translating_integrity_errors(insert_all)

    def get(self, tenant_id: uuid.UUID, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        """The tenant's order (not soft-deleted). `for_update` row-locks it until commit, so two
        changes to one order cannot interleave."""
        query = select(OrderRow).where(OrderRow.id == order_id, OrderRow.tenant_id == tenant_id,
                                       OrderRow.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self._track(self.session.scalars(query).first())

    def get_by_idempotency_key(self, tenant_id: uuid.UUID, key: str) -> Order | None:
        return self._track(self.session.scalars(select(OrderRow).where(
            OrderRow.tenant_id == tenant_id, OrderRow.idempotency_key == key)).first())

    def get_by_external_id(self, tenant_id: uuid.UUID, channel: str, external_id: str) -> Order | None:
        return self._track(self.session.scalars(select(OrderRow).where(
            OrderRow.tenant_id == tenant_id, OrderRow.channel == channel,
            OrderRow.external_id == external_id)).first())

    def list(self, tenant_id: uuid.UUID, query: OrderFilter, limit: int) -> list[Order]:
        """Newest first by (placed_at, id): a page starts strictly after the cursor, so rows
        inserted meanwhile (newer) never shift or repeat what the next pages hold."""
        statement = select(OrderRow).where(OrderRow.tenant_id == tenant_id, OrderRow.deleted_at.is_(None))
        if query.location_ids is not None:
            statement = statement.where(OrderRow.location_id.in_(query.location_ids))
        for column, value in ((OrderRow.status, query.status), (OrderRow.channel, query.channel),
                              (OrderRow.server_staff_id, query.server_staff_id),
                              (OrderRow.table_label, query.table), (OrderRow.business_date, query.business_date)):
            if value is not None:
                statement = statement.where(column == value)
        if query.after is not None:
            statement = statement.where(tuple_(OrderRow.placed_at, OrderRow.id) < tuple_(*query.after))
        statement = statement.order_by(OrderRow.placed_at.desc(), OrderRow.id.desc()).limit(limit)
        return [self._track(row) for row in self.session.scalars(statement)]

    def sales_by_location(self, tenant_id: uuid.UUID, start: datetime, end: datetime) -> list[LocationSales]:
        """Per location, orders placed in [start, end) that were not cancelled or voided."""
        query = (select(OrderRow.location_id, func.count(), func.sum(OrderRow.subtotal_cents),
                        func.sum(OrderRow.tax_cents), func.sum(OrderRow.tip_cents), func.sum(OrderRow.total_cents))
                 .where(OrderRow.tenant_id == tenant_id, OrderRow.deleted_at.is_(None),
                        OrderRow.status.not_in(("cancelled", "voided")), OrderRow.placed_at >= start,
                        OrderRow.placed_at < end)
                 .group_by(OrderRow.location_id).order_by(OrderRow.location_id))
        return [LocationSales(location, count, int(subtotal), int(tax), int(tips), int(total))
                for location, count, subtotal, tax, tips, total in self.session.execute(query)]

    def write_changes(self) -> None:
        """Copy every order handed out or added into its row (the unit of work calls this before
        it flushes or commits)."""
        for order, row in self._tracked.values():
            _write(order, row)

    def _track(self, row: OrderRow | None) -> Order | None:
        if row is None:
            return None
        if row.id in self._tracked:  # one object per order per unit of work
            return self._tracked[row.id][0]
        order = _to_order(row)
        self._tracked[row.id] = (order, row)
        return order


class IdempotencyRepository:
    """The idempotency store (table idempotency_keys)."""

    def __init__(self, session: Session, deferred: DeferredRows | None = None,
                 known: dict[tuple[uuid.UUID, str], StoredResponse | None] | None = None) -> None:
        self.session, self.deferred, self.known = session, deferred, known

    # The batch's keys (orders' group commit: PlacementBatch reads them with the menu generation in one
    # round trip, chassis.db.read_together): two arrays, so one statement text for any number of keys.
    PREFETCH_SQL = ("SELECT tenant_id, key, request_hash, response_status, response_body, created_at, order_id "
                    "FROM idempotency_keys WHERE (tenant_id, key) IN (SELECT * FROM unnest(%s::uuid[], %s::text[]))")

    @staticmethod
    def prefetch_params(keys: list[tuple[uuid.UUID, str]]) -> tuple[list, list]:
        return [tenant for tenant, _ in keys], [key for _, key in keys]

    @staticmethod
    def prefetched(keys: list[tuple[uuid.UUID, str]], rows) -> dict[tuple[uuid.UUID, str], StoredResponse | None]:
        """Every one of `keys` (tenant, key) with its stored response (a row of PREFETCH_SQL) or None."""
        found: dict[tuple[uuid.UUID, str], StoredResponse | None] = dict.fromkeys(keys)
        for row in rows:
            found[(row[0], row[1])] = StoredResponse(*row)
        return found

    # Plain statements on the session's connection, not session.get / session.add + flush: every
    # placement with a key reads and writes here, and the ORM's identity map and flush cost more
    # CPU than the statements (bench/bench_orders.py).
    def get(self, tenant_id: uuid.UUID, key: str) -> StoredResponse | None:
        if self.known is not None and (tenant_id, key) in self.known:  # read with the batch's others
            return self.known[(tenant_id, key)]
        t = IdempotencyKeyRow.__table__.c
        row = self.session.connection().execute(
            select(t.tenant_id, t.key, t.request_hash, t.response_status, t.response_body, t.created_at, t.order_id)
            .where(t.tenant_id == tenant_id, t.key == key)).first()
        return StoredResponse(*row) if row is not None else None

    def add(self, stored: StoredResponse) -> None:
        """Inserts at once: a concurrent request with the same key raises IdempotencyKeyTaken."""
        values = {"tenant_id": stored.tenant_id, "key": stored.key, "request_hash": stored.request_hash,
                  "order_id": stored.order_id, "response_status": stored.status, "response_body": stored.body,
                  "created_at": stored.created_at}
        if self.deferred is not None:  # group commit: a taken key surfaces when the batch writes
            self.deferred.idempotency.append(values)
            return
        translating_integrity_errors(
            lambda: self.session.connection().execute(insert(IdempotencyKeyRow.__table__), [values]))

    def remove(self, tenant_id: uuid.UUID, key: str) -> None:
        self.session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.tenant_id == tenant_id,
                                                             IdempotencyKeyRow.key == key))

    def purge(self, older_than: datetime) -> int:
        result = self.session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < older_than))
        return result.rowcount or 0


def _to_order(row: OrderRow) -> Order:
    lines = [OrderLine(line.id, line.name, line.category, line.quantity, line.unit_price_cents,
                       line.discount_cents, line.tax_cents, item_id=line.item_id,
                       modifiers=tuple(Modifier(m["modifier_id"], m["name"], m["price_delta_cents"])
                                       for m in line.modifiers or ()),
                       seat=line.seat, course=line.course, notes=line.notes, open_price=line.open_price,
                       kitchen_tags=tuple(line.kitchen_tags or ()), prep_time_seconds=line.prep_time_seconds,
                       status=line.status, void_reason=line.void_reason, addition=line.addition, held=line.held,
                       menu_category_id=line.menu_category_id, external_line_id=line.external_line_id or "",
                       discounts=tuple(AppliedDiscount(d["rule_id"], d.get("rule_name", ""), d["amount_cents"])
                                       for d in line.discounts or ()))
             for line in row.lines]
    history = [HistoryEntry(h.id, h.kind, h.actor_id, h.at, h.reason, h.from_status, h.to_status, h.line_id,
                            h.course, h.version) for h in row.history]
    return Order(order_id=row.id, tenant_id=row.tenant_id, location_id=row.location_id,
                 server_staff_id=row.server_staff_id, lines=lines, tip_cents=row.tip_cents,
                 placed_at=row.placed_at, status=row.status, subtotal_cents=row.subtotal_cents,
                 tax_cents=row.tax_cents, currency_code=row.currency_code,
                 tax_rules_version=row.tax_rules_version, idempotency_key=row.idempotency_key,
                 order_type=row.order_type, channel=row.channel, table=row.table_label,
                 guest_count=row.guest_count, notes=row.notes, external_id=row.external_id,
                 business_date=row.business_date, version=row.version, held_courses=set(row.held_courses or ()),
                 history=history)


def _write(order: Order, row: OrderRow) -> None:
    """Order -> row, assigning only what changed (an unchanged value is no UPDATE)."""
    _assign(row, _order_values(order))
    existing = {line.id: line for line in row.lines} if row.lines else {}
    for position, line in enumerate(order.lines):
        line_row = existing.get(line.line_id)
        if line_row is None:
            line_row = OrderLineRow(id=line.line_id)
            row.lines.append(line_row)
        _assign(line_row, _line_values(order, position, line))
    written = {entry.id for entry in row.history} if row.history else set()
    for entry in order.history:  # history only grows
        if entry.entry_id not in written:
            row.history.append(OrderHistoryRow(**_history_values(order, entry)))


def _assign(row, values: dict) -> None:
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)


# The columns of an order's rows as plain values: what a new order is inserted with (no ORM object per
# row on orders' hot path) and what a tracked row is brought up to date with (_write).
def _order_values(order: Order) -> dict:
    return {"tenant_id": order.tenant_id, "location_id": order.location_id, "server_staff_id": order.server_staff_id,
            "status": order.status, "placed_at": order.placed_at, "idempotency_key": order.idempotency_key,
            "subtotal_cents": order.subtotal_cents, "tax_cents": order.tax_cents, "tip_cents": order.tip_cents,
            "total_cents": order.total_cents, "currency_code": order.currency_code,
            "tax_rules_version": order.tax_rules_version, "order_type": order.order_type, "channel": order.channel,
            "table_label": order.table, "guest_count": order.guest_count, "notes": order.notes,
            "external_id": order.external_id, "business_date": order.business_date, "version": order.version,
            "held_courses": sorted(order.held_courses)}


def _line_values(order: Order, position: int, line: OrderLine) -> dict:
    return {"id": line.line_id, "order_id": order.order_id, "tenant_id": order.tenant_id, "position": position,
            "name": line.name, "category": line.category, "quantity": line.quantity,
            "unit_price_cents": line.unit_price_cents, "discount_cents": line.discount_cents,
            "tax_cents": line.tax_cents, "item_id": line.item_id,
            "modifiers": [{"modifier_id": m.modifier_id, "name": m.name, "price_delta_cents": m.price_delta_cents}
                          for m in line.modifiers],
            "seat": line.seat, "course": line.course, "notes": line.notes, "open_price": line.open_price,
            "kitchen_tags": list(line.kitchen_tags), "prep_time_seconds": line.prep_time_seconds,
            "status": line.status, "void_reason": line.void_reason, "addition": line.addition, "held": line.held,
            "discounts": [{"rule_id": d.rule_id, "rule_name": d.rule_name, "amount_cents": d.amount_cents}
                          for d in line.discounts],
            "menu_category_id": line.menu_category_id, "external_line_id": line.external_line_id}


def _history_values(order: Order, entry: HistoryEntry) -> dict:
    return {"id": entry.entry_id, "order_id": order.order_id, "tenant_id": order.tenant_id, "version": entry.version,
            "kind": entry.kind, "from_status": entry.from_status, "to_status": entry.to_status,
            "line_id": entry.line_id, "course": entry.course, "actor_id": entry.actor_id, "reason": entry.reason,
            "at": entry.at}
