"""The orders service, as pos-bridge sees it (implements service_layer.ports.Orders)."""
from __future__ import annotations

import grpc
from auraconnect.orders.v1 import orders_pb2, orders_service_pb2, orders_service_pb2_grpc
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity


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
