"""What the use cases need from the outside world, as protocols the adapters implement.

bootstrap() wires the real implementations (orders.adapters.*); tests pass fakes."""
from __future__ import annotations

from typing import Protocol

from chassis.identity import Identity

from orders.domain.order import Order, SalesTax


class SalesTaxPort(Protocol):
    def sales_tax(self, identity: Identity, order: Order) -> SalesTax:
        """Sales tax for the order's lines at its location on its day, computed as `identity`
        (the tax peer authorizes the end user). Raises a DomainError naming the field it refuses
        (an unknown category or location) or DependencyUnavailable."""
        ...


class LocationTimeZones(Protocol):
    def time_zone(self, identity: Identity, location_id: str) -> str:
        """The IANA time zone of the caller's tenant's location (auth's `GetLocation.time_zone`),
        asked as `identity`. Raises NotFound naming `location_id` for a location the tenant does not
        have, DependencyUnavailable when auth cannot answer."""
        ...
