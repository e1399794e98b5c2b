"""The common POS model: one shape for an order, a menu and a webhook event, whatever the provider.

Money is integer minor units (cents) with its currency, quantities are Decimal, times are aware UTC,
ids are the provider's own strings. Each provider adapter maps its wire format onto these values and
back (`pos_bridge.adapters.<provider>.mapping`); a property test per adapter shows that nothing held
here is lost on the way out and in again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from chassis.errors import InvalidInput

PROVIDERS = ("square", "clover", "toast")


class OrderState(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    DRAFT = "DRAFT"


class EventKind(StrEnum):
    ORDER = "ORDER"
    PAYMENT = "PAYMENT"
    MENU = "MENU"
    OTHER = "OTHER"   # kept for the record, never processed (oauth revoked, inventory, ...)


@dataclass(frozen=True)
class Money:
    minor: int       # smallest unit of the currency (cents)
    currency: str    # ISO 4217

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise InvalidInput("money must be an integer amount of minor units", field="amount")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise InvalidInput("currency must be an ISO 4217 code", field="currency")


def require_utc(value: datetime | None, what: str) -> datetime | None:
    """Times in the model are aware and in UTC: a naive one is a mapping bug, refused loudly."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("time must carry its UTC offset", field=what)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Modifier:
    id: str | None             # the line's own modifier id (Square uid, Clover modification id)
    catalog_ref: str | None    # the catalog modifier / option it came from
    name: str
    quantity: Decimal
    unit_price: Money
    group_ref: str | None = None   # modifier list / option group


@dataclass(frozen=True)
class AppliedTax:
    tax_ref: str                   # the order tax's id
    amount: Money | None = None    # None where the POS does not say per line (Clover)


@dataclass(frozen=True)
class LineItem:
    id: str                        # the provider's line id
    catalog_ref: str | None        # the catalog item (variation) it sells, None for custom amounts
    name: str
    quantity: Decimal
    unit_price: Money
    modifiers: tuple[Modifier, ...] = ()
    applied_taxes: tuple[AppliedTax, ...] = ()
    note: str | None = None
    total: Money | None = None     # as the POS computed it (read-only on the POS side)


@dataclass(frozen=True)
class Tax:
    id: str
    name: str
    rate_percent: Decimal          # 9.25 means 9.25 %
    inclusive: bool = False
    amount: Money | None = None    # what the POS applied on this order


@dataclass(frozen=True)
class Discount:
    id: str
    name: str
    amount: Money


@dataclass(frozen=True)
class Totals:
    """As the POS computed them; a part the POS does not report is None (Clover reports the total only)."""

    total: Money
    tax: Money | None = None
    discount: Money | None = None
    tip: Money | None = None
    service_charge: Money | None = None


@dataclass(frozen=True)
class Payment:
    """A payment taken on the POS against the order (Clover's and Toast's orders carry them; Square's
    arrive as payment events). Read-only: we follow them into orders, never write them back."""

    id: str                        # the POS's payment id: orders' RecordPayment is idempotent by it
    status: str                    # PAYMENT_STATES
    amount: Money                  # excluding the tip
    tip: Money | None = None
    tender: str = "external"       # card | cash | gift_card | external (orders' tenders)
    card_brand: str = ""
    card_last4: str = ""
    refunded: bool = False         # the POS refunded part or all of it (not followed into orders yet)


PAYMENT_STATES = ("COMPLETED", "PENDING", "FAILED", "VOIDED")


@dataclass(frozen=True)
class Order:
    provider: str
    provider_order_id: str
    location_ref: str              # Square location_id, Clover merchant id, Toast restaurant guid
    state: OrderState
    created_at: datetime
    updated_at: datetime
    version: int | None = None     # provider concurrency token as an ordered number (Square version)
    external_ref: str | None = None
    closed_at: datetime | None = None
    line_items: tuple[LineItem, ...] = ()
    taxes: tuple[Tax, ...] = ()
    discounts: tuple[Discount, ...] = ()
    totals: Totals | None = None
    # Payments taken on the POS, read in only (not part of the in-and-out mapping, hence not compared).
    payments: tuple[Payment, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise InvalidInput(f"unknown provider {self.provider!r}", field="provider")
        for name in ("created_at", "updated_at", "closed_at"):
            object.__setattr__(self, name, require_utc(getattr(self, name), name))


def is_newer(candidate: tuple[int | None, datetime | None], current: tuple[int | None, datetime | None]) -> bool:
    """Whether a (version, updated_at) pair is strictly newer than the one we hold.

    Versions win when both sides have one (Square); otherwise the modification time decides (Clover,
    Toast, orders rung up on Square's own app which carry no version). Equal is not newer: a replay
    of what we hold changes nothing."""
    (version, updated), (held_version, held_updated) = candidate, current
    if version is not None and held_version is not None:
        return version > held_version
    if updated is not None and held_updated is not None:
        return updated > held_updated
    return held_version is None and held_updated is None


@dataclass(frozen=True)
class WebhookEvent:
    """One notification from a POS, after its signature was verified."""

    provider_event_id: str           # Square event_id, Toast guid, derived for Clover
    event_type: str                  # the provider's own type: order.created
    kind: EventKind
    merchant_ref: str | None
    location_ref: str | None
    object_id: str | None            # the order / payment / catalog object it is about
    object_version: int | None = None
    occurred_at: datetime | None = None
    embedded: dict | None = field(default=None, compare=False)   # the full object when the POS sends it


@dataclass(frozen=True)
class MenuVariation:
    id: str
    name: str
    price: Money | None              # None: priced at the POS (variable price)
    sku: str | None = None


@dataclass(frozen=True)
class MenuItem:
    id: str
    name: str
    variations: tuple[MenuVariation, ...] = ()
    description: str | None = None
    category_ids: tuple[str, ...] = ()
    modifier_group_ids: tuple[str, ...] = ()
    tax_ids: tuple[str, ...] = ()
    available: bool | None = True    # None: the POS's catalog does not say (Toast's menus API has no 86)
    version: int | None = None
    category_name: str | None = None   # the first category's name, when the catalog names it


@dataclass(frozen=True)
class MenuTax:
    id: str
    name: str
    rate_percent: Decimal
    inclusive: bool = False


@dataclass(frozen=True)
class Menu:
    items: tuple[MenuItem, ...] = ()
    taxes: tuple[MenuTax, ...] = ()
    cursor: str | None = None        # the next page, when the POS pages its catalog
    # (category id, name) of the categories on this page (Square lists CATEGORY objects apart from
    # its items, maybe on another page: the menu pull resolves item.category_ids with all pages')
    categories: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MenuChange:
    """One change we push to the POS: a price, or an item 86'd (unavailable) / back."""

    item_id: str
    variation_id: str | None = None
    price: Money | None = None
    available: bool | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangePage:
    """Orders changed since a cursor (polling reconciliation) and where to continue."""

    orders: tuple[Order, ...]
    cursor: str | None
