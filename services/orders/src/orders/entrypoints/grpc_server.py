"""OrdersService and MenuService over gRPC for peers (pos-bridge places POS orders with CreateOrder)."""
from __future__ import annotations

import asyncio

from auraconnect.orders.v1 import orders_service_pb2 as pb
from auraconnect.orders.v1 import orders_service_pb2_grpc as pb_grpc
from chassis.errors import InvalidInput
from chassis.grpc_server import authorized, authorized_any, handle_errors
from chassis.runtime import run_grpc, start
from chassis.validation import parse_uuid

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.domain.order import CheckDetails
from orders.domain.payments import CASH, EXTERNAL, PaymentRequest
from orders.entrypoints.grpc_menu import add_menu_service
from orders.service_layer import checks, external_changes, payments
from orders.service_layer.checks import MOVE_ANY, LineRequest, ListQuery
from orders.service_layer.payment_views import payment_to_proto
from orders.service_layer.views import order_to_proto


def _line(index: int, line: pb.CreateOrderLine) -> LineRequest:
    if line.item_id and (line.name or line.unit_price_cents):
        raise InvalidInput("either item_id or name and unit_price_cents", field=f"lines[{index}].item_id")
    if not line.item_id and not line.name:
        raise InvalidInput("is required (or item_id)", field=f"lines[{index}].name")
    return LineRequest(item_id=line.item_id or None, modifier_ids=tuple(line.modifier_ids),
                       name=line.name or None, unit_price_cents=None if line.item_id else line.unit_price_cents,
                       category=line.category or "prepared_food", quantity=line.quantity or 1,
                       seat=line.seat or None, course=line.course, notes=line.notes,
                       external_line_id=line.external_line_id)


def _external_line(index: int, line: pb.ExternalOrderLine) -> LineRequest:
    if not line.name:
        raise InvalidInput("is required", field=f"lines[{index}].name")
    if line.quantity < 0:
        raise InvalidInput("must not be negative", field=f"lines[{index}].quantity")
    return LineRequest(name=line.name, unit_price_cents=line.unit_price_cents,
                       category=line.category or "prepared_food", quantity=line.quantity or 1, notes=line.notes,
                       external_line_id=line.external_line_id)


class OrdersService(pb_grpc.OrdersServiceServicer):
    def __init__(self, container: OrdersContainer) -> None:
        self.container = container

    @handle_errors
    async def GetOrder(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized_any(context, "orders:read", "kitchen:read")
        order = await asyncio.to_thread(checks.get_order, self.container.uow, identity, request.order_id)
        return pb.GetOrderResponse(order=order_to_proto(order))

    @handle_errors
    async def CreateOrder(self, request, context):  # noqa: N802 - gRPC naming
        """Idempotent by (channel, external_id). A POS channel's lines carry the POS's prices (open-price
        lines): the caller needs orders:open_price for them unless the channel is a POS one."""
        identity = authorized(context, "orders:create")
        lines = [_line(index, line) for index, line in enumerate(request.lines)]
        details = CheckDetails(request.order_type or "dine_in", request.channel or "counter", request.table,
                               request.guest_count, request.notes, request.external_id)
        if details.guest_count < 0:
            raise InvalidInput("must not be negative", field="guest_count")
        order, created = await asyncio.to_thread(
            checks.create_external_order, self.container.uow, identity, location_id=request.location_id,
            lines=lines, details=details, peers=self.container.peers(), tip_cents=request.tip_cents,
            server_staff_id=request.server_staff_id or None)
        return pb.CreateOrderResponse(order=order_to_proto(order), created=created)

    @handle_errors
    async def ListOrders(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized_any(context, "orders:read", "kitchen:read")
        query = ListQuery(request.location_id or None, request.status or None, request.channel or None,
                          request.server_staff_id or None, request.table or None, request.business_date or None,
                          request.limit or 50, request.cursor or None)
        page = await asyncio.to_thread(checks.list_orders, self.container.uow, identity, query)
        return pb.ListOrdersResponse(orders=[order_to_proto(o) for o in page.orders],
                                     next_cursor=page.next_cursor or "")

    @handle_errors
    async def UpdateOrderStatus(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized_any(context, *sorted(MOVE_ANY))
        if request.expected_version < 0:
            raise InvalidInput("must not be negative", field="expected_version")
        order = await asyncio.to_thread(
            checks.change_status, self.container.uow, identity, request.order_id, request.status,
            peers=self.container.peers(), reason=request.reason,
            expected_version=request.expected_version or None)
        return pb.UpdateOrderStatusResponse(order=order_to_proto(order))

    @handle_errors
    async def RecordPayment(self, request, context):  # noqa: N802 - gRPC naming
        """A payment settled on a POS: idempotent by (tender, external_reference)."""
        identity = authorized(context, "orders:create")
        for name in ("amount_cents", "tip_cents"):
            if getattr(request, name) < 0:
                raise InvalidInput("must not be negative", field=name)
        # Cash taken at a POS: its drawer got exactly the amount and the tip (any change was given there).
        tendered = request.amount_cents + request.tip_cents if request.tender == CASH else None
        payment = PaymentRequest(request.tender or EXTERNAL, request.amount_cents or None, request.tip_cents,
                                 tendered, request.card_brand, request.card_last4, request.processor_reference,
                                 request.external_reference,
                                 parse_uuid(request.split_id, "split_id") if request.split_id else None)
        recorded = await asyncio.to_thread(payments.record_external_payment, self.container.uow, identity,
                                           request.order_id, payment, peers=self.container.peers())
        return pb.RecordPaymentResponse(payment=payment_to_proto(recorded.payment), created=recorded.created,
                                        balance_cents=recorded.balance_cents, order=order_to_proto(recorded.order))

    @handle_errors
    async def ApplyExternalOrderChange(self, request, context):  # noqa: N802 - gRPC naming
        """A POS's line changes on the order it placed, idempotent by the POS's line ids."""
        identity = authorized(context, "orders:create")
        lines = [_external_line(index, line) for index, line in enumerate(request.lines)]
        change = await asyncio.to_thread(
            external_changes.apply_external_change, self.container.uow, identity, request.order_id, lines,
            list(request.void_external_line_ids), peers=self.container.peers(), reason=request.reason)
        return pb.ApplyExternalOrderChangeResponse(
            order=order_to_proto(change.order), added_external_line_ids=change.added,
            voided_external_line_ids=change.voided, unmatched_external_line_ids=change.unmatched)


def register(container: OrdersContainer):
    def add(server) -> list[str]:
        pb_grpc.add_OrdersServiceServicer_to_server(OrdersService(container), server)
        return [pb.DESCRIPTOR.services_by_name["OrdersService"].full_name, add_menu_service(container, server)]

    return add


if __name__ == "__main__":
    # CreateOrder prices orders with the tax service; MenuService and servers are checked with auth.
    config = settings(require=("tax_grpc_addr", "auth_grpc_addr"))
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(bootstrap(config)))
