"""Order use cases. Placing an order writes the order and its OrderPlaced event in one transaction."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from auraconnect.orders.v1 import events_pb2
from chassis.errors import InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.outbox import add_event
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orders.adapters.mapping import STATUSES, row_to_proto, to_row
from orders.adapters.orm import OrderRow
from orders.adapters.tax_client import TaxClient
from orders.domain.model import LineInput, check_transition, new_order

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
    location = _uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    order = new_order(tenant_id, location, server, lines, tip_cents,
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
    if row is None or not identity.may_access_location(str(row.location_id)):
        raise NotFound("no such order", field="order_id")
    return row


def _locked_order(session: Session, identity: Identity, order_id: str) -> OrderRow:
    """The caller's order, row-locked so two status changes cannot interleave."""
    row = session.scalars(select(OrderRow).where(
        OrderRow.id == _uuid(order_id, "order_id"), OrderRow.tenant_id == identity.tenant_uuid,
        OrderRow.deleted_at.is_(None)).with_for_update()).first()
    if row is None or not identity.may_access_location(str(row.location_id)):
        raise NotFound("no such order", field="order_id")
    return row


def change_status(sessions: sessionmaker[Session], identity: Identity, order_id: str, status: str) -> OrderRow:
    with sessions() as session:
        row = _locked_order(session, identity, order_id)
        check_transition(row.status, status)
        previous, row.status = row.status, status
        now = datetime.now(UTC)
        add_event(session, SOURCE, TOPIC, key=str(row.id), subject=str(row.id),
                  message=events_pb2.OrderStatusChanged(
                      tenant_id=str(row.tenant_id), order_id=str(row.id), previous_status=STATUSES[previous],
                      status=STATUSES[status], changed_at=_timestamp(now)))
        session.commit()
        return row


def cancel_order(sessions: sessionmaker[Session], identity: Identity, order_id: str, reason: str) -> OrderRow:
    with sessions() as session:
        row = _locked_order(session, identity, order_id)
        check_transition(row.status, "cancelled")
        previous, row.status = row.status, "cancelled"
        add_event(session, SOURCE, TOPIC, key=str(row.id), subject=str(row.id),
                  message=events_pb2.OrderCancelled(
                      tenant_id=str(row.tenant_id), order_id=str(row.id), previous_status=STATUSES[previous],
                      reason=reason, cancelled_at=_timestamp(datetime.now(UTC))))
        session.commit()
        return row


def sales_summary(session: Session, identity: Identity, start: datetime, end: datetime) -> list[dict]:
    """Per location: orders, subtotal, tax, tips and total placed in [start, end), cancelled ones left out."""
    if end <= start:
        raise InvalidInput("must be after from", field="to")
    query = (select(OrderRow.location_id, func.count(), func.sum(OrderRow.subtotal_cents), func.sum(OrderRow.tax_cents),
                    func.sum(OrderRow.tip_cents), func.sum(OrderRow.total_cents))
             .where(OrderRow.tenant_id == identity.tenant_uuid, OrderRow.deleted_at.is_(None),
                    OrderRow.status != "cancelled", OrderRow.placed_at >= start, OrderRow.placed_at < end)
             .group_by(OrderRow.location_id).order_by(OrderRow.location_id))
    rows = [row for row in session.execute(query) if identity.may_access_location(str(row[0]))]
    return [{"location_id": str(location), "orders": count, "subtotal_cents": int(subtotal),
             "tax_cents": int(tax), "tip_cents": int(tips), "total_cents": int(total)}
            for location, count, subtotal, tax, tips, total in rows]


def _timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp
