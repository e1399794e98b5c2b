"""Orders between the domain, the database rows and the published protobuf contract."""
from __future__ import annotations

from auraconnect.orders.v1 import orders_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from orders.adapters.orm import OrderLineRow, OrderRow
from orders.domain.model import Order

STATUSES = {
    "placed": orders_pb2.ORDER_STATUS_PLACED,
    "in_kitchen": orders_pb2.ORDER_STATUS_IN_KITCHEN,
    "ready": orders_pb2.ORDER_STATUS_READY,
    "completed": orders_pb2.ORDER_STATUS_COMPLETED,
    "cancelled": orders_pb2.ORDER_STATUS_CANCELLED,
}


def to_row(order: Order, tax_rules_version: str, idempotency_key: str | None) -> OrderRow:
    row = OrderRow(
        id=order.order_id, tenant_id=order.tenant_id, location_id=order.location_id,
        server_staff_id=order.server_staff_id, status=order.status, subtotal_cents=order.subtotal_cents,
        tax_cents=order.tax_cents, tip_cents=order.tip_cents, total_cents=order.total_cents,
        currency_code=order.currency_code, tax_rules_version=tax_rules_version, placed_at=order.placed_at,
        idempotency_key=idempotency_key,
    )
    row.lines = [OrderLineRow(id=line.line_id, order_id=order.order_id, tenant_id=order.tenant_id,
                              position=index, name=line.name, category=line.category, quantity=line.quantity,
                              unit_price_cents=line.unit_price_cents, discount_cents=line.discount_cents,
                              tax_cents=line.tax_cents) for index, line in enumerate(order.lines)]
    return row


def row_to_proto(row: OrderRow) -> orders_pb2.Order:
    placed_at = Timestamp()
    placed_at.FromDatetime(row.placed_at)
    return orders_pb2.Order(
        order_id=str(row.id), tenant_id=str(row.tenant_id), location_id=str(row.location_id),
        server_staff_id=str(row.server_staff_id), status=STATUSES[row.status],
        lines=[orders_pb2.OrderLine(line_id=str(line.id), name=line.name, category=line.category,
                                    quantity=line.quantity, unit_price_cents=line.unit_price_cents,
                                    tax_cents=line.tax_cents) for line in row.lines],
        subtotal_cents=row.subtotal_cents, tax_cents=row.tax_cents, tip_cents=row.tip_cents,
        total_cents=row.total_cents, currency_code=row.currency_code, placed_at=placed_at,
    )


def row_to_json(row: OrderRow) -> dict:
    return {
        "order_id": str(row.id), "location_id": str(row.location_id),
        "server_staff_id": str(row.server_staff_id), "status": row.status,
        "lines": [{"line_id": str(line.id), "name": line.name, "category": line.category,
                   "quantity": line.quantity, "unit_price_cents": line.unit_price_cents,
                   "discount_cents": line.discount_cents, "tax_cents": line.tax_cents} for line in row.lines],
        "subtotal_cents": row.subtotal_cents, "tax_cents": row.tax_cents, "tip_cents": row.tip_cents,
        "total_cents": row.total_cents, "currency_code": row.currency_code,
        "placed_at": row.placed_at.isoformat(), "tax_rules_version": row.tax_rules_version,
    }
