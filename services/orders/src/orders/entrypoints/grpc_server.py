"""OrdersService and MenuService over gRPC for peers."""
from __future__ import annotations

import asyncio

from auraconnect.orders.v1 import orders_service_pb2 as pb
from auraconnect.orders.v1 import orders_service_pb2_grpc as pb_grpc
from chassis.grpc_server import authorized, handle_errors
from chassis.runtime import run_grpc, start

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.entrypoints.grpc_menu import add_menu_service
from orders.service_layer.orders import get_order
from orders.service_layer.views import order_to_proto


class OrdersService(pb_grpc.OrdersServiceServicer):
    def __init__(self, container: OrdersContainer) -> None:
        self.container = container

    @handle_errors
    async def GetOrder(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:read")
        order = await asyncio.to_thread(get_order, self.container.uow, identity, request.order_id)
        return pb.GetOrderResponse(order=order_to_proto(order))


def register(container: OrdersContainer):
    def add(server) -> list[str]:
        pb_grpc.add_OrdersServiceServicer_to_server(OrdersService(container), server)
        return [pb.DESCRIPTOR.services_by_name["OrdersService"].full_name, add_menu_service(container, server)]

    return add


if __name__ == "__main__":
    config = settings(require=("auth_grpc_addr",))  # MenuService checks locations with auth
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(bootstrap(config)))
