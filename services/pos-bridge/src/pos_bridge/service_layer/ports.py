"""What pos-bridge's use cases need from outside, as protocols: adapters implement them, tests fake them."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from chassis.identity import Identity

from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import ChangePage, LineItem, Menu, MenuChange, Order, OrderState, WebhookEvent


class PosProvider(Protocol):
    """One POS (Square, Clover, Toast) behind one interface (`pos_bridge.adapters.<provider>`).

    Every call takes the connection (its secrets opened) and raises ProviderError on failure. The
    webhook calls are pure: they never call the POS."""

    name: str

    def connect(self, connection: ProviderConnection) -> None:
        """Check the credentials reach the merchant/location (raises ProviderError AUTH / NOT_FOUND)."""

    def credentials_due(self, connection: ProviderConnection, now: datetime) -> bool:
        """Whether the credentials must be refreshed before use (a Clover access token about to expire)."""

    def refresh_credentials(self, connection: ProviderConnection) -> dict:
        """New credentials (Square 30-day tokens, Clover single-use refresh tokens, Toast re-login);
        the caller seals and stores them. Returns the same credentials when nothing is due."""

    def pull_menu(self, connection: ProviderConnection, cursor: str | None = None) -> Menu:
        """One page of the POS catalog as a Menu (its `cursor` names the next page)."""

    def push_menu_change(self, connection: ProviderConnection, change: MenuChange) -> None:
        """A price change or an 86 (unavailable) back to the POS."""

    def fetch_order(self, connection: ProviderConnection, order_id: str) -> Order:
        """The full order (after a thin webhook event)."""

    def push_order_status(self, connection: ProviderConnection, order_id: str, state: OrderState | str,
                          expected_version: int | None, idempotency_key: str) -> Order:
        """Our status change back to the POS: domain.outbound.StatusPush READY (kitchen done),
        COMPLETED, CANCELED. Without `expected_version` the adapter reads the current one. A
        provider that has no place for it raises ProviderError NOT_SUPPORTED."""

    def list_changes(self, connection: ProviderConnection, since_cursor: str | None) -> ChangePage:
        """Orders changed since a cursor (polling reconciliation)."""

    def verify_webhook(self, connection: ProviderConnection, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """Whether the notification carries a valid signature for this connection (constant time)."""

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[WebhookEvent]:
        """The events in a verified notification (raises InvalidInput when it is malformed)."""

    def webhook_handshake(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """The code of a one-time endpoint verification the POS sends unsigned (Clover's
        `{"verificationCode"}`), else None."""


class Orders(Protocol):
    """The orders service: where POS orders land (`CreateOrder`, idempotent by channel + external id).

    The real client (orders' gRPC `CreateOrder`) arrives with the orders branch; tests use a fake."""

    def create_order(self, identity: Identity, connection: ProviderConnection, order: Order) -> str:
        """The AuraConnect order id of `order` (the same id when called again for the same POS order)."""

    def update_status(self, identity: Identity, order_id: str, status: str, reason: str) -> None:
        """Move our order (orders `UpdateOrderStatus`): a POS update cancelling or completing it."""

    def apply_line_changes(self, identity: Identity, order_id: str, lines: list[LineItem], void_ids: list[str],
                           reason: str) -> dict:
        """Lines added or changed (`lines`) and removed (`void_ids`) on the POS, by the POS's line ids
        (orders `ApplyExternalOrderChange`, idempotent by them). Returns {"added", "voided",
        "unmatched"}: the line ids orders added, voided, and voids it found no active line for."""

    def record_payment(self, identity: Identity, order_id: str, payment: dict) -> None:
        """A payment settled on the POS (orders `RecordPayment`, idempotent by the POS payment id):
        `payment` is the common payment JSON (payment_id, amount_cents, tip_cents, tender, card_brand,
        card_last4)."""


class MenuReader(Protocol):
    """orders' MenuService (ListMenuItems), as the menu pull needs it."""

    def list_items(self, identity: Identity, location_id: str) -> list[dict]:
        """The location's items: item_id, name, price_cents, description, available, kitchen_tags,
        prep_time_seconds, course, updated_at (aware UTC)."""


class MenuWriter(Protocol):
    """orders' MenuService.UpsertMenuItems: the POS's values written into our menu, in one call."""

    def upsert_items(self, identity: Identity, location_id: str, source: str, items: list[dict]) -> list[dict]:
        """Each item: `external_ref` (the POS item id), optional `item_id` (our item it is linked to), and
        the fields to set: name, price_cents, description, available (at the location), category_name,
        tax_category. Answers per item: external_ref, item_id, created, changed, updated_at (aware UTC).
        Creates the items it does not know by reference; idempotent."""


class Sealer(Protocol):
    """Encryption at rest (chassis.crypto.Sealer): AES-256-GCM bound to a row and column."""

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes: ...

    def open(self, sealed: bytes, associated_data: bytes) -> bytes: ...


Providers = Mapping[str, PosProvider]

__all__ = ["MenuReader", "MenuWriter", "Orders", "PosProvider", "ProviderError", "Providers", "Sealer"]
