"""What pos-bridge's use cases need from outside, as protocols: adapters implement them, tests fake them."""
from __future__ import annotations

from typing import Protocol

from auraconnect.orders.v1 import orders_pb2
from chassis.identity import Identity


class Orders(Protocol):
    """The orders service (`pos_bridge.adapters.orders_client.OrdersClient`): where POS orders land
    and whose status changes go back to the POS. Raises the peer's errors as domain errors."""

    def get_order(self, identity: Identity, order_id: str) -> orders_pb2.Order: ...
