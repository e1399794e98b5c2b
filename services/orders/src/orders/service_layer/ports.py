"""What the use cases need from the outside world, as protocols the adapters implement.

bootstrap() wires the real implementations (orders.adapters.*); tests pass fakes."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chassis.identity import Identity
from chassis.uow import UnitOfWork

from orders.domain.menu import ItemRequest, PricedItem
from orders.domain.order import Order, OrderLine, SalesTax


class SalesTaxPort(Protocol):
    def sales_tax(self, identity: Identity, order: Order) -> SalesTax:
        """Sales tax for the order's active lines at its location on its business date, computed
        as `identity` (the tax peer authorizes the end user). Raises a DomainError naming the field
        it refuses (an unknown category or location) or DependencyUnavailable."""
        ...


class StaffDirectory(Protocol):
    """The auth service, as orders needs it."""

    def check_server(self, identity: Identity, user_id: str, location_id: str) -> None:
        """The user is an active member of the caller's tenant who may work at the location;
        InvalidInput naming `server_staff_id` otherwise (DependencyUnavailable when auth is down)."""
        ...

    def time_zone(self, identity: Identity, location_id: str) -> str:
        """The location's IANA time zone (NotFound naming `location_id` for an unknown location)."""
        ...


# ---- pricing rules (orders.service_layer.pricing.PricingFromUnitOfWork) ----
class LineDiscountLike(Protocol):
    """What checks reads of orders.domain.pricing.LineDiscount (pricing branch)."""

    line_ref: str  # the order line's id, as a string
    rule_id: str
    rule_name: str
    amount_cents: int


class Pricing(Protocol):
    def discounts(self, identity: Identity, location_id: uuid.UUID, lines: list[OrderLine],
                  at: datetime, *, within: UnitOfWork | None = None) -> Sequence[LineDiscountLike]:
        """The automatic discounts the location's pricing rules give these lines at `at` (one per
        line and rule; a line's discounts are summed), `at` read in the location's time zone.
        `within`: the caller's open unit of work (the rules are read in the order's transaction).
        Implemented by orders.service_layer.pricing.PricingFromUnitOfWork."""
        ...


class LocationTimeZones(Protocol):
    def time_zone(self, identity: Identity, location_id: str) -> str:
        """The IANA time zone of the caller's tenant's location (auth's `GetLocation.time_zone`),
        asked as `identity`. Raises NotFound naming `location_id` for a location the tenant does not
        have, DependencyUnavailable when auth cannot answer."""
        ...


class MenuLookup(Protocol):
    def priced_item(self, tenant_id: uuid.UUID, location_id: uuid.UUID, item_id: uuid.UUID,
                    modifier_ids: list[uuid.UUID], at: datetime, *, field_prefix: str = "") -> PricedItem:
        """One unit of the item with those modifiers at the location, from the menu (location price
        override applied, defaults for groups given no selection). Conflict naming
        `<field_prefix>.item_id` (or `.modifier_ids[i]`) when 86'd or inactive; NotFound naming
        `<field_prefix>.item_id` for an unknown item; InvalidInput naming `<field_prefix>.modifier_ids`
        (or `[i]`) when an option is unknown, not offered, or a group's min/max is broken.
        Implemented by orders.service_layer.menu.MenuFromUnitOfWork."""
        ...

    def priced_items(self, tenant_id: uuid.UUID, location_id: uuid.UUID, requests: list[ItemRequest],
                     at: datetime, *, within: UnitOfWork | None = None) -> list[PricedItem]:
        """`priced_item` for every request at once (same errors, naming each request's field_prefix),
        in the caller's open unit of work `within` when given: one order, one transaction."""
        ...


class LocationDirectory(Protocol):
    def check_location(self, identity: Identity, location_id: uuid.UUID, field: str = "location_id") -> None:
        """Nothing when `location_id` is a location of the caller's tenant; NotFound naming `field`
        otherwise, DependencyUnavailable when auth cannot say."""
        ...


# ---- the kitchen's live stream (orders.adapters.kitchen_feed.PostgresKitchenFeed) ----
class KitchenChange(Protocol):
    sequence: int
    tenant_id: uuid.UUID
    ticket_id: uuid.UUID
    station_id: uuid.UUID
    payload: dict  # the ticket as the screens see it (service_layer.kitchen_views.ticket_to_json)


class KitchenFeed(Protocol):
    """A location's kitchen change log, for async streams: reads are short, waiting holds no
    thread and no database connection of its own (one listener per process wakes every waiter)."""

    async def changes(self, location_id: uuid.UUID, after: int) -> Sequence[KitchenChange]:
        """The location's changes with a sequence above `after`, in order (at most a few hundred:
        ask again from the last one)."""
        ...

    async def wait(self, location_id: uuid.UUID, after: int, timeout: float) -> bool:
        """Returns True as soon as the location may have a change above `after`, False after `timeout`."""
        ...

    async def oldest(self, location_id: uuid.UUID) -> int | None:
        """The lowest sequence the log still holds for the location (None: nothing logged)."""
        ...
