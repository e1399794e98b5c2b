"""Order use cases. Placing an order writes the order and its OrderPlaced event in one transaction."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from auraconnect.orders.v1 import events_pb2
from chassis.errors import InvalidInput, NotFound
from chassis.identity import Identity
from chassis.outbox import add_event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orders.adapters.mapping import row_to_proto, to_row
from orders.adapters.orm import OrderRow
from orders.adapters.tax_client import TaxClient
from orders.domain.model import LineInput, new_order

TOPIC = "orders.order.v1"
SOURCE = "/auraconnect/orders"


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput("must be a UUID", field=field) from None


def find_by_idempotency_key(session: Session, tenant_id: uuid.UUID, key: str) -> OrderRow | None:
    return session.scalars(select(OrderRow).where(OrderRow.tenant_id == tenant_id,
                                                  OrderRow.idempotency_key == key)).first()


def place_order(sessions: sessionmaker[Session], tax: TaxClient, identity: Identity, location_id: str,
                lines: list[LineInput], tip_cents: int, server_staff_id: str | None,
                idempotency_key: str | None) -> tuple[OrderRow, bool]:
    """Returns (order, created). A repeated Idempotency-Key returns the first order, unchanged."""
    tenant_id = identity.tenant_uuid
    if idempotency_key:
        with sessions() as session:
            existing = find_by_idempotency_key(session, tenant_id, idempotency_key)
            if existing:
                return existing, False
    server = _uuid(server_staff_id or identity.subject, "server_staff_id")
    order = new_order(tenant_id, _uuid(location_id, "location_id"), server, lines, tip_cents,
                      datetime.now(UTC))
    sales_tax = tax.sales_tax(identity, order)  # outside the transaction: no DB lock held over a network call
    order.apply_tax(sales_tax.subtotal_cents, sales_tax.tax_cents, sales_tax.line_tax)
    row = to_row(order, sales_tax.rules_version, idempotency_key)
    with sessions() as session:
        session.add(row)
        add_event(session, SOURCE, TOPIC, key=str(order.order_id),
                  message=events_pb2.OrderPlaced(order=row_to_proto(row)), subject=str(order.order_id))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = idempotency_key and find_by_idempotency_key(session, tenant_id, idempotency_key)
            if existing:  # a concurrent retry with the same key won the race
                return existing, False
            raise
        return row, True


def get_order(session: Session, identity: Identity, order_id: str) -> OrderRow:
    row = session.scalars(select(OrderRow).where(
        OrderRow.id == _uuid(order_id, "order_id"), OrderRow.tenant_id == identity.tenant_uuid,
        OrderRow.deleted_at.is_(None))).first()
    if row is None:
        raise NotFound("no such order", field="order_id")
    return row
