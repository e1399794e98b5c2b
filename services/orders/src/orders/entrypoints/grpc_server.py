"""OrdersService over gRPC for peers."""
from __future__ import annotations

import asyncio

from auraconnect.orders.v1 import orders_service_pb2 as pb
from auraconnect.orders.v1 import orders_service_pb2_grpc as pb_grpc
from chassis.db import make_engine, make_session_factory
from chassis.grpc_server import authorized, handle_errors
from chassis.runtime import run_grpc, start

from orders.adapters.mapping import row_to_proto
from orders.config import SERVICE, settings
from orders.service_layer.orders import get_order


class OrdersService(pb_grpc.OrdersServiceServicer):
    def __init__(self, sessions) -> None:
        self.sessions = sessions

    @handle_errors
    async def GetOrder(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:read")

        def load():
            with self.sessions() as session:
                return row_to_proto(get_order(session, identity, request.order_id))

        return pb.GetOrderResponse(order=await asyncio.to_thread(load))


def register(sessions):
    def add(server) -> list[str]:
        pb_grpc.add_OrdersServiceServicer_to_server(OrdersService(sessions), server)
        return [pb.DESCRIPTOR.services_by_name["OrdersService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(make_session_factory(make_engine(config.database_url, config.db_schema))))
