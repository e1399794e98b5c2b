"""pos-bridge's composition root: the one place that constructs its adapters.

Real adapters by default; a test passes fakes for any of them. A peer whose address is not
configured is left out (None): the process that calls it requires the address at start-up.
POS provider adapters (Square, Clover, Toast), webhook verifiers and the sync queue join here."""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.uow import UnitOfWorkFactory

from pos_bridge.adapters.unit_of_work import PosBridgeUnitOfWork
from pos_bridge.config import SOURCE, Settings
from pos_bridge.service_layer.ports import Orders


@dataclass
class PosBridgeContainer(Container):
    orders: Orders | None = None  # the orders service


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, orders: Orders | None = None) -> PosBridgeContainer:
    if orders is None and config.orders_grpc_addr:
        from pos_bridge.adapters.orders_client import OrdersClient

        orders = OrdersClient(config.orders_grpc_addr)
    return PosBridgeContainer(**base_parts(config, PosBridgeUnitOfWork, SOURCE, uow, clock, new_id),
                              orders=orders)
