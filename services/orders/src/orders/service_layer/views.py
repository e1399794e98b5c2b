"""Orders as the outside world reads them: the REST JSON and the published protobuf contract."""
from __future__ import annotations

from auraconnect.orders.v1 import orders_pb2
from chassis.timestamps import to_timestamp

from orders.domain import order as model
from orders.domain.order import Order
from orders.domain.reports import LocationSales

STATUS_PROTO = {
    model.PLACED: orders_pb2.ORDER_STATUS_PLACED,
    model.IN_KITCHEN: orders_pb2.ORDER_STATUS_IN_KITCHEN,
    model.READY: orders_pb2.ORDER_STATUS_READY,
    model.COMPLETED: orders_pb2.ORDER_STATUS_COMPLETED,
    model.CANCELLED: orders_pb2.ORDER_STATUS_CANCELLED,
}


def order_to_proto(order: Order) -> orders_pb2.Order:
    return orders_pb2.Order(
        order_id=str(order.order_id), tenant_id=str(order.tenant_id), location_id=str(order.location_id),
        server_staff_id=str(order.server_staff_id), status=STATUS_PROTO[order.status],
        lines=[orders_pb2.OrderLine(line_id=str(line.line_id), name=line.name, category=line.category,
                                    quantity=line.quantity, unit_price_cents=line.unit_price_cents,
                                    tax_cents=line.tax_cents) for line in order.lines],
        subtotal_cents=order.subtotal_cents, tax_cents=order.tax_cents, tip_cents=order.tip_cents,
        total_cents=order.total_cents, currency_code=order.currency_code,
        placed_at=to_timestamp(order.placed_at),
    )


def order_to_json(order: Order) -> dict:
    return {
        "order_id": str(order.order_id), "location_id": str(order.location_id),
        "server_staff_id": str(order.server_staff_id), "status": order.status,
        "lines": [{"line_id": str(line.line_id), "name": line.name, "category": line.category,
                   "quantity": line.quantity, "unit_price_cents": line.unit_price_cents,
                   "discount_cents": line.discount_cents, "tax_cents": line.tax_cents} for line in order.lines],
        "subtotal_cents": order.subtotal_cents, "tax_cents": order.tax_cents, "tip_cents": order.tip_cents,
        "total_cents": order.total_cents, "currency_code": order.currency_code,
        "placed_at": order.placed_at.isoformat(), "tax_rules_version": order.tax_rules_version,
    }


def sales_to_json(sales: LocationSales) -> dict:
    return {"location_id": str(sales.location_id), "orders": sales.orders,
            "subtotal_cents": sales.subtotal_cents, "tax_cents": sales.tax_cents,
            "tip_cents": sales.tip_cents, "total_cents": sales.total_cents}
