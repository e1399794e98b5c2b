"""The orders service, as pos-bridge sees it (implements service_layer.ports.Orders)."""
from __future__ import annotations

from datetime import UTC
from decimal import ROUND_HALF_EVEN, Decimal

import grpc
from auraconnect.orders.v1 import (
    menu_service_pb2,
    menu_service_pb2_grpc,
    orders_pb2,
    orders_service_pb2,
    orders_service_pb2_grpc,
)
from chassis.errors import Conflict
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity

from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.model import LineItem, Order


class OrdersClient:
    def __init__(self, address: str, timeout_s: float = 5.0) -> None:
        self.stub = orders_service_pb2_grpc.OrdersServiceStub(peer_channel(address))
        self.timeout_s = timeout_s

    def get_order(self, identity: Identity, order_id: str) -> orders_pb2.Order:
        try:
            response = self.stub.GetOrder(orders_service_pb2.GetOrderRequest(order_id=order_id),
                                          metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise peer_error("orders", error) from None
        return response.order

    def create_order(self, identity: Identity, connection: ProviderConnection, order: Order) -> str:
        """orders' CreateOrder, channel `pos:<provider>`, external id the POS order id: the same POS
        order gives back the order it created the first time (orders keeps that key unique)."""
        try:
            response = self.stub.CreateOrder(create_order_request(connection, order),
                                             metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise peer_error("orders", error) from None
        return response.order.order_id


    def update_status(self, identity: Identity, order_id: str, status: str, reason: str) -> None:
        """orders' UpdateOrderStatus (no version check: the POS's newer version decides)."""
        try:
            self.stub.UpdateOrderStatus(orders_service_pb2.UpdateOrderStatusRequest(
                order_id=order_id, status=status, reason=reason), metadata=call_metadata(identity),
                timeout=self.timeout_s)
        except grpc.RpcError as error:
            if error.code() in REFUSALS:
                # orders refuses the move itself (Conflict travels as ALREADY_EXISTS): not a peer outage,
                # so not worth retrying (peer_error would call it unavailable).
                raise Conflict(f"orders refused: {error.details() or error.code().name}", field="status") from None
            raise peer_error("orders", error) from None


    def record_payment(self, identity: Identity, order_id: str, payment: dict) -> None:
        """orders' RecordPayment: tender, amount excluding the tip, tip, the POS payment id as the
        external reference (its idempotency key), card brand and last four only."""
        request = orders_service_pb2.RecordPaymentRequest(
            order_id=order_id, tender=payment.get("tender") or "external", amount_cents=int(payment["amount_cents"]),
            tip_cents=int(payment.get("tip_cents") or 0), external_reference=payment["payment_id"],
            card_brand=payment.get("card_brand") or "", card_last4=(payment.get("card_last4") or "")[-4:],
            processor_reference=payment.get("processor_reference") or "")
        try:
            self.stub.RecordPayment(request, metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            if error.code() in REFUSALS:
                raise Conflict(f"orders refused: {error.details() or error.code().name}", field="payment") from None
            raise peer_error("orders", error) from None

    def apply_line_changes(self, identity: Identity, order_id: str, lines: list[LineItem], void_ids: list[str],
                           reason: str) -> dict:
        """orders' ApplyExternalOrderChange: `lines` (added or changed on the POS) and `void_ids` (removed
        there), by the POS's line ids. Returns what orders did: added, voided, unmatched (line ids)."""
        request = orders_service_pb2.ApplyExternalOrderChangeRequest(
            order_id=order_id, lines=[external_line(line) for line in lines], void_external_line_ids=void_ids,
            reason=reason)
        try:
            response = self.stub.ApplyExternalOrderChange(request, metadata=call_metadata(identity),
                                                          timeout=self.timeout_s)
        except grpc.RpcError as error:
            if error.code() in REFUSALS:
                raise Conflict(f"orders refused: {error.details() or error.code().name}", field="lines") from None
            raise peer_error("orders", error) from None
        return {"added": list(response.added_external_line_ids), "voided": list(response.voided_external_line_ids),
                "unmatched": list(response.unmatched_external_line_ids)}


REFUSALS = (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED)


class MenuClient:
    """orders' MenuService, read-only (implements service_layer.ports.MenuReader)."""

    def __init__(self, address: str, timeout_s: float = 5.0) -> None:
        self.stub = menu_service_pb2_grpc.MenuServiceStub(peer_channel(address))
        self.timeout_s = timeout_s

    def list_items(self, identity: Identity, location_id: str) -> list[dict]:
        try:
            response = self.stub.ListMenuItems(menu_service_pb2.ListMenuItemsRequest(location_id=location_id),
                                               metadata=call_metadata(identity), timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise peer_error("orders", error) from None
        return [{"item_id": i.item.item_id, "name": i.item.name, "price_cents": i.price_cents,
                 "description": i.item.description, "available": i.available,
                 "kitchen_tags": list(i.item.kitchen_tags), "prep_time_seconds": i.item.prep_time_seconds,
                 "course": i.item.course,
                 "updated_at": i.item.updated_at.ToDatetime(tzinfo=UTC) if i.item.HasField("updated_at") else None}
                for i in response.items]


def create_order_request(connection: ProviderConnection, order: Order) -> orders_service_pb2.CreateOrderRequest:
    tip = order.totals.tip.minor if order.totals and order.totals.tip else 0
    return orders_service_pb2.CreateOrderRequest(
        location_id=str(connection.location_id), channel=f"pos:{order.provider}",
        external_id=order.provider_order_id, notes=order.external_ref or "",
        lines=[pos_line(line) for line in order.line_items], tip_cents=tip)


def pos_line(line: LineItem) -> orders_service_pb2.CreateOrderLine:
    """One POS line as an open-price line carrying the POS's price. Modifiers are folded into the unit
    price (orders' open-price lines have no modifiers of their own) and named in the notes. A
    fractional quantity (by weight) becomes one line priced for the whole amount."""
    unit = line.unit_price.minor + sum(
        (Decimal(m.unit_price.minor) * m.quantity for m in line.modifiers), Decimal(0))
    notes = ", ".join(m.name if m.quantity == 1 else f"{m.quantity} x {m.name}" for m in line.modifiers)
    if line.note:
        notes = f"{notes}; {line.note}" if notes else line.note
    name, quantity = line.name, line.quantity
    if quantity != quantity.to_integral_value() or quantity < 1:
        name, unit, quantity = f"{line.name} ({quantity.normalize()})", unit * quantity, Decimal(1)
    return orders_service_pb2.CreateOrderLine(
        name=name, unit_price_cents=int(unit.to_integral_value(rounding=ROUND_HALF_EVEN)),
        quantity=int(quantity), notes=notes, external_line_id=line.id)


def external_line(line: LineItem) -> orders_service_pb2.ExternalOrderLine:
    """A POS line as ApplyExternalOrderChange takes it: priced and named exactly like CreateOrder's."""
    made = pos_line(line)
    return orders_service_pb2.ExternalOrderLine(
        external_line_id=line.id, name=made.name, unit_price_cents=made.unit_price_cents, quantity=made.quantity,
        notes=made.notes)
