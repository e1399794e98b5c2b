"""Repositories: the queries behind each aggregate, mapping rows to domain objects and back.

The service layer sees only domain objects. A repository remembers the rows behind the orders it
handed out and writes their changes back when the unit of work commits (`write_changes`), so a use
case loads an order, calls its methods and commits, without saving by hand.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders.adapters.orm import OrderLineRow, OrderRow
from orders.domain.order import IdempotencyKeyTaken, Order, OrderLine
from orders.domain.reports import LocationSales

# Named by the naming convention in migration 0001.
IDEMPOTENCY_CONSTRAINT = "uq_orders_tenant_id_idempotency_key"


def translating_integrity_errors(action: Callable[[], None]) -> None:
    """Runs `action` (a flush or commit), turning the one integrity error the service layer handles
    into a domain exception (it imports no SQLAlchemy); every other one stays what it is."""
    try:
        action()
    except IntegrityError as error:
        if getattr(getattr(error.orig, "diag", None), "constraint_name", None) == IDEMPOTENCY_CONSTRAINT:
            raise IdempotencyKeyTaken(IDEMPOTENCY_CONSTRAINT) from error
        raise


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._tracked: dict[uuid.UUID, tuple[Order, OrderRow]] = {}

    def add(self, order: Order) -> None:
        """Inserts at once: a taken Idempotency-Key raises IdempotencyKeyTaken here, not from whatever
        statement would otherwise autoflush the row (the outbox insert of the same use case)."""
        row = OrderRow(id=order.order_id)
        _write(order, row)
        self.session.add(row)
        translating_integrity_errors(self.session.flush)
        self._tracked[order.order_id] = (order, row)

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

    def sales_by_location(self, tenant_id: uuid.UUID, start: datetime, end: datetime) -> list[LocationSales]:
        """Per location, orders placed in [start, end) that were not cancelled, by location id."""
        query = (select(OrderRow.location_id, func.count(), func.sum(OrderRow.subtotal_cents),
                        func.sum(OrderRow.tax_cents), func.sum(OrderRow.tip_cents), func.sum(OrderRow.total_cents))
                 .where(OrderRow.tenant_id == tenant_id, OrderRow.deleted_at.is_(None),
                        OrderRow.status != "cancelled", OrderRow.placed_at >= start, OrderRow.placed_at < end)
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


def _to_order(row: OrderRow) -> Order:
    lines = [OrderLine(line.id, line.name, line.category, line.quantity, line.unit_price_cents,
                       line.discount_cents, line.tax_cents) for line in row.lines]
    return Order(order_id=row.id, tenant_id=row.tenant_id, location_id=row.location_id,
                 server_staff_id=row.server_staff_id, lines=lines, tip_cents=row.tip_cents,
                 placed_at=row.placed_at, status=row.status, subtotal_cents=row.subtotal_cents,
                 tax_cents=row.tax_cents, currency_code=row.currency_code,
                 tax_rules_version=row.tax_rules_version, idempotency_key=row.idempotency_key)


def _write(order: Order, row: OrderRow) -> None:
    """Order -> row. Assigning an unchanged value is not an UPDATE: SQLAlchemy writes only changes."""
    row.tenant_id, row.location_id, row.server_staff_id = order.tenant_id, order.location_id, order.server_staff_id
    row.status, row.placed_at, row.idempotency_key = order.status, order.placed_at, order.idempotency_key
    row.subtotal_cents, row.tax_cents, row.tip_cents = order.subtotal_cents, order.tax_cents, order.tip_cents
    row.total_cents, row.currency_code = order.total_cents, order.currency_code
    row.tax_rules_version = order.tax_rules_version
    existing = {line.id: line for line in row.lines} if row.lines else {}
    for position, line in enumerate(order.lines):
        line_row = existing.get(line.line_id)
        if line_row is None:
            line_row = OrderLineRow(id=line.line_id, order_id=order.order_id, tenant_id=order.tenant_id)
            row.lines.append(line_row)
        line_row.position, line_row.name, line_row.category = position, line.name, line.category
        line_row.quantity, line_row.unit_price_cents = line.quantity, line.unit_price_cents
        line_row.discount_cents, line_row.tax_cents = line.discount_cents, line.tax_cents
