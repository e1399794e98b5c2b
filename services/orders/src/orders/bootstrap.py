"""The orders composition root: the one place that constructs adapters.

    container = bootstrap(config)                                   # real: PostgreSQL, tax and auth over gRPC
    container = bootstrap(config, uow=lambda: fake, tax=FakeTax())  # a test

Entrypoints build a container and pass its parts to the use cases.
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.uow import UnitOfWorkFactory

from orders.adapters.auth_client import AuthDirectory
from orders.adapters.tax_client import TaxClient
from orders.adapters.unit_of_work import OrdersUnitOfWork
from orders.config import SOURCE, Settings
from orders.service_layer.checks import CheckPeers
from orders.service_layer.ports import MenuLookup, Pricing, SalesTaxPort, StaffDirectory


@dataclass
class OrdersContainer(Container):
    # None in a process that has no TAX_GRPC_ADDR (relay, consumer): they never price.
    tax: SalesTaxPort | None = None
    # None without AUTH_GRPC_ADDR: servers are then not checked, business dates are UTC dates.
    directory: StaffDirectory | None = None
    # The menu and pricing rules (other branches of issue 8; wired at merge). None: today's lines only.
    menu: MenuLookup | None = None
    pricing: Pricing | None = None

    def peers(self) -> CheckPeers:
        return CheckPeers(clock=self.clock, new_id=self.new_id, tax=self.tax, directory=self.directory,
                          menu=self.menu, pricing=self.pricing)


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, tax: SalesTaxPort | None = None,
              directory: StaffDirectory | None = None, menu: MenuLookup | None = None,
              pricing: Pricing | None = None) -> OrdersContainer:
    if tax is None and config.tax_grpc_addr:
        tax = TaxClient(config.tax_grpc_addr)
    if directory is None and config.auth_grpc_addr:
        directory = AuthDirectory(config.auth_grpc_addr)
    return OrdersContainer(**base_parts(config, OrdersUnitOfWork, SOURCE, uow, clock, new_id), tax=tax,
                           directory=directory, menu=menu, pricing=pricing)
