"""The orders composition root: the one place that constructs adapters.

    container = bootstrap(config)                                   # real: PostgreSQL, tax over gRPC
    container = bootstrap(config, uow=lambda: fake, tax=FakeTax())  # a test

Entrypoints build a container and pass its parts to the use cases.
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.uow import UnitOfWorkFactory

from orders.adapters.auth_locations import AuthLocations
from orders.adapters.tax_client import TaxClient
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.config import SOURCE, Settings
from orders.service_layer.ports import LocationDirectory, SalesTaxPort


@dataclass
class OrdersContainer(Container):
    # None in a process that has no TAX_GRPC_ADDR (gRPC server, relay, consumer): they never price.
    tax: SalesTaxPort | None = None
    # auth: is a location the caller's tenant's? None in a process without AUTH_GRPC_ADDR (relay, consumer).
    locations: LocationDirectory | None = None


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, tax: SalesTaxPort | None = None,
              locations: LocationDirectory | None = None) -> OrdersContainer:
    if tax is None and config.tax_grpc_addr:
        tax = TaxClient(config.tax_grpc_addr)
    if locations is None and config.auth_grpc_addr:
        locations = AuthLocations(config.auth_grpc_addr)
    return OrdersContainer(**base_parts(config, OrdersUnitOfWork, SOURCE, uow, clock, new_id), tax=tax,
                           locations=locations)
