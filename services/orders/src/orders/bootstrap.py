"""The orders composition root: the one place that constructs adapters.

    container = bootstrap(config)                                   # real: PostgreSQL, tax over gRPC
    container = bootstrap(config, uow=lambda: fake, tax=FakeTax())  # a test

Entrypoints build a container and pass its parts to the use cases.
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.uow import UnitOfWorkFactory

from orders.adapters.auth_client import AuthClient
from orders.adapters.tax_client import TaxClient
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.config import SOURCE, Settings
from orders.service_layer.ports import LocationDirectory, LocationTimeZones, SalesTaxPort


@dataclass
class OrdersContainer(Container):
    # None in a process that has no TAX_GRPC_ADDR (gRPC server, relay, consumer): they never price.
    tax: SalesTaxPort | None = None
    # auth (one client): is a location the caller's tenant's (menu), its time zone (quotes). None in a
    # process without AUTH_GRPC_ADDR (relay, consumer).
    time_zones: LocationTimeZones | None = None
    locations: LocationDirectory | None = None


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, tax: SalesTaxPort | None = None,
              time_zones: LocationTimeZones | None = None,
              locations: LocationDirectory | None = None) -> OrdersContainer:
    if tax is None and config.tax_grpc_addr:
        tax = TaxClient(config.tax_grpc_addr)
    auth = AuthClient(config.auth_grpc_addr) if config.auth_grpc_addr else None
    return OrdersContainer(**base_parts(config, OrdersUnitOfWork, SOURCE, uow, clock, new_id), tax=tax,
                           time_zones=time_zones or auth, locations=locations or auth)
