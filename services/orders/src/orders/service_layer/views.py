"""Orders as the outside world reads them: the REST JSON and the published protobuf contract."""
from __future__ import annotations

from auraconnect.orders.v1 import orders_pb2
from chassis.timestamps import to_timestamp

from orders.domain import order as model
from orders.domain.order import HistoryEntry, Order, OrderLine
from orders.domain.reports import LocationSales

STATUS_PROTO = {
    model.OPEN: orders_pb2.ORDER_STATUS_OPEN,
    model.SENT: orders_pb2.ORDER_STATUS_SENT,
    model.READY: orders_pb2.ORDER_STATUS_READY,
    model.SERVED: orders_pb2.ORDER_STATUS_SERVED,
    model.CLOSED: orders_pb2.ORDER_STATUS_CLOSED,
    model.CANCELLED: orders_pb2.ORDER_STATUS_CANCELLED,
    model.VOIDED: orders_pb2.ORDER_STATUS_VOIDED,
}


def line_to_proto(line: OrderLine) -> orders_pb2.OrderLine:
    return orders_pb2.OrderLine(
        line_id=str(line.line_id), name=line.name, category=line.category, quantity=line.quantity,
        unit_price_cents=line.unit_price_cents, tax_cents=line.tax_cents, discount_cents=line.discount_cents,
        item_id=str(line.item_id or ""), seat=line.seat or 0, course=line.course, notes=line.notes,
        modifiers=[orders_pb2.LineModifier(modifier_id=m.modifier_id, name=m.name,
                                           price_delta_cents=m.price_delta_cents) for m in line.modifiers],
        kitchen_tags=list(line.kitchen_tags), prep_time_seconds=line.prep_time_seconds, open_price=line.open_price,
        line_status=line.status, void_reason=line.void_reason, addition=line.addition, held=line.held,
        menu_category_id=str(line.menu_category_id or ""), external_line_id=line.external_line_id,
        discounts=[orders_pb2.LineDiscount(rule_id=d.rule_id, rule_name=d.rule_name, amount_cents=d.amount_cents)
                   for d in line.discounts])


def order_to_proto(order: Order) -> orders_pb2.Order:
    return orders_pb2.Order(
        order_id=str(order.order_id), tenant_id=str(order.tenant_id), location_id=str(order.location_id),
        server_staff_id=str(order.server_staff_id), status=STATUS_PROTO[order.status],
        lines=[line_to_proto(line) for line in order.lines],
        subtotal_cents=order.subtotal_cents, tax_cents=order.tax_cents, tip_cents=order.tip_cents,
        total_cents=order.total_cents, currency_code=order.currency_code,
        placed_at=to_timestamp(order.placed_at), order_type=order.order_type, channel=order.channel,
        table=order.table, guest_count=order.guest_count, notes=order.notes,
        business_date=order.business_date.isoformat() if order.business_date else "", version=order.version,
        external_id=order.external_id,
    )


def line_to_json(line: OrderLine) -> dict:
    return {"line_id": str(line.line_id), "name": line.name, "category": line.category,
            "quantity": line.quantity, "unit_price_cents": line.unit_price_cents,
            "discount_cents": line.discount_cents, "tax_cents": line.tax_cents,
            "item_id": str(line.item_id) if line.item_id else None,
            "modifiers": [{"modifier_id": m.modifier_id, "name": m.name, "price_delta_cents": m.price_delta_cents}
                          for m in line.modifiers],
            "seat": line.seat, "course": line.course, "notes": line.notes, "open_price": line.open_price,
            "kitchen_tags": list(line.kitchen_tags), "prep_time_seconds": line.prep_time_seconds,
            "status": line.status, "void_reason": line.void_reason, "addition": line.addition, "held": line.held,
            "menu_category_id": str(line.menu_category_id) if line.menu_category_id else None,
            "external_line_id": line.external_line_id or None,
            "discounts": [{"rule_id": d.rule_id, "rule_name": d.rule_name, "amount_cents": d.amount_cents}
                          for d in line.discounts]}


def order_to_json(order: Order) -> dict:
    return {
        "order_id": str(order.order_id), "location_id": str(order.location_id),
        "server_staff_id": str(order.server_staff_id), "status": order.status, "version": order.version,
        "order_type": order.order_type, "channel": order.channel, "table": order.table,
        "guest_count": order.guest_count, "notes": order.notes, "external_id": order.external_id or None,
        "business_date": order.business_date.isoformat() if order.business_date else None,
        "held_courses": sorted(order.held_courses),
        "lines": [line_to_json(line) for line in order.lines],
        "subtotal_cents": order.subtotal_cents, "tax_cents": order.tax_cents, "tip_cents": order.tip_cents,
        "total_cents": order.total_cents, "currency_code": order.currency_code,
        "placed_at": order.placed_at.isoformat(), "tax_rules_version": order.tax_rules_version,
    }


def history_to_json(entry: HistoryEntry) -> dict:
    return {"version": entry.version, "kind": entry.kind, "from_status": entry.from_status,
            "to_status": entry.to_status, "line_id": str(entry.line_id) if entry.line_id else None,
            "course": entry.course or None, "actor_id": entry.actor_id, "reason": entry.reason,
            "at": entry.at.isoformat()}


def sales_to_json(sales: LocationSales) -> dict:
    return {"location_id": str(sales.location_id), "orders": sales.orders,
            "subtotal_cents": sales.subtotal_cents, "tax_cents": sales.tax_cents,
            "tip_cents": sales.tip_cents, "total_cents": sales.total_cents}
