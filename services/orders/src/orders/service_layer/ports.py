"""What the use cases need from the outside world, as protocols the adapters implement.

bootstrap() wires the real implementations (orders.adapters.*); tests pass fakes."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from chassis.identity import Identity

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


# ---- the menu (built on another branch; the lead wires it at merge) ----
class PricedModifier(Protocol):
    option_id: uuid.UUID
    name: str
    price_delta_cents: int


class PricedItem(Protocol):
    """What checks reads of orders.domain.menu.PricedItem (menu branch): one unit of an item with
    its modifiers at a location; `unit_price_cents` includes the modifiers' deltas."""

    item_id: uuid.UUID
    name: str
    unit_price_cents: int
    tax_category: str
    kitchen_tags: tuple[str, ...]
    prep_time_seconds: int
    course: str
    modifiers: Sequence[PricedModifier]


class MenuLookup(Protocol):
    def priced_item(self, tenant_id: uuid.UUID, location_id: uuid.UUID, item_id: uuid.UUID,
                    modifier_ids: list[uuid.UUID], at: datetime, *, field_prefix: str = "") -> PricedItem:
        """One unit of the item with those modifiers at the location, from the menu. Conflict naming
        `<field_prefix>.item_id` when 86'd; NotFound / InvalidInput naming the field otherwise.
        Implemented on the menu branch (orders.service_layer.menu.MenuFromUnitOfWork)."""
        ...


# ---- pricing rules (built on another branch; the lead wires it at merge) ----
class LineDiscountLike(Protocol):
    """What checks reads of orders.domain.pricing.LineDiscount (pricing branch)."""

    line_ref: str  # the order line's id, as a string
    rule_id: str
    amount_cents: int


class Pricing(Protocol):
    def discounts(self, identity: Identity, location_id: uuid.UUID, lines: list[OrderLine],
                  at: datetime) -> Sequence[LineDiscountLike]:
        """The automatic discounts the location's pricing rules give these lines at `at` (one per
        line and rule; a line's discounts are summed). At merge: an adapter over
        orders.service_layer.pricing.quote, each line a BasketLine(line_ref=str(line.line_id),
        quantity, unit_price_cents, item_id, name, category, tags=frozenset(line.kitchen_tags)).
        Its time zones port (LocationTimeZones) is the container's `directory` (same `time_zone`)."""
        ...
