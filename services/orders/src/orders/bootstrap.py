"""The orders composition root: the one place that constructs adapters.

    container = bootstrap(config)                                   # real: PostgreSQL, tax and auth over gRPC
    container = bootstrap(config, uow=lambda: fake, tax=FakeTax())  # a test

Entrypoints build a container and pass its parts to the use cases.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.db import libpq_dsn, make_session_factory
from chassis.uow import UnitOfWorkFactory

from orders.adapters.auth_client import AuthClient
from orders.adapters.kitchen_feed import PostgresKitchenFeed
from orders.adapters.tax_client import TaxClient
from orders.adapters.unit_of_work import OrdersUnitOfWork, PlacementBatch
from orders.config import SOURCE, Settings
from orders.service_layer.checks import CheckPeers
from orders.service_layer.menu import MenuFromUnitOfWork
from orders.service_layer.ports import (
    KitchenFeed,
    LocationDirectory,
    LocationTimeZones,
    MenuLookup,
    Pricing,
    SalesTaxPort,
    StaffDirectory,
)
from orders.service_layer.pricing import PricingFromUnitOfWork


@dataclass
class OrdersContainer(Container):
    # None in a process that has no TAX_GRPC_ADDR (relay, consumer): they never price.
    tax: SalesTaxPort | None = None
    # auth (one client): servers checked, business dates and quotes from location time zones, menu
    # locations checked. None without AUTH_GRPC_ADDR (relay, consumer): business dates are then UTC dates.
    directory: StaffDirectory | None = None
    time_zones: LocationTimeZones | None = None
    locations: LocationDirectory | None = None
    # The menu prices lines by item; pricing rules discount them. Both over this service's own unit of work.
    menu: MenuLookup | None = None
    pricing: Pricing | None = None
    # The kitchen change log for the live streams (asyncio; connects on the first stream). None with a fake unit of work.
    kitchen_feed: KitchenFeed | None = None
    # Opens one transaction for a batch of placements (group commit, entrypoints/group_commit.py):
    # placement_batch(deferred=True|False). None with a fake unit of work: each placement commits alone.
    placement_batch: Callable[..., PlacementBatch] | None = None

    def peers(self) -> CheckPeers:
        return CheckPeers(clock=self.clock, new_id=self.new_id, tax=self.tax, directory=self.directory,
                          menu=self.menu, pricing=self.pricing)


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, tax: SalesTaxPort | None = None,
              directory: StaffDirectory | None = None, time_zones: LocationTimeZones | None = None,
              locations: LocationDirectory | None = None, menu: MenuLookup | None = None,
              pricing: Pricing | None = None, kitchen_feed: KitchenFeed | None = None) -> OrdersContainer:
    if tax is None and config.tax_grpc_addr:
        tax = TaxClient(config.tax_grpc_addr)
    auth = AuthClient(config.auth_grpc_addr) if config.auth_grpc_addr else None
    parts = base_parts(config, OrdersUnitOfWork, SOURCE, uow, clock, new_id, config.db_pool_size)
    directory, time_zones, locations = directory or auth, time_zones or auth, locations or auth
    # The checks read menu prices and pricing rules inside the order's own unit of work (`within`):
    # one connection per request, so requests holding a check's lock never wait for a second one.
    menu = menu or MenuFromUnitOfWork(parts["uow"])
    if pricing is None and time_zones is not None:
        pricing = PricingFromUnitOfWork(parts["uow"], time_zones)
    if kitchen_feed is None and parts["engine"] is not None:
        kitchen_feed = PostgresKitchenFeed(libpq_dsn(parts["engine"]), config.db_schema)
    placement_batch = None
    if parts["engine"] is not None:
        sessions = make_session_factory(parts["engine"])
        placement_batch = partial(PlacementBatch, sessions, SOURCE)
    return OrdersContainer(**parts, tax=tax, directory=directory, time_zones=time_zones, locations=locations,
                           menu=menu, pricing=pricing, kitchen_feed=kitchen_feed, placement_batch=placement_batch)
