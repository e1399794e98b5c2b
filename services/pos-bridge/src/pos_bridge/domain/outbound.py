"""What we push back to a POS, in provider-neutral terms (pure).

AuraConnect order statuses that mean something to a POS: ready (the kitchen is done), closed (paid
and done), cancelled / voided. The others (open, sent, served) stay ours: no POS has a place for them.
Menu changes: an item 86'd (unavailable) at the location or back, a location price."""
from __future__ import annotations

from enum import StrEnum


class StatusPush(StrEnum):
    READY = "READY"            # Square: the order's fulfillments PREPARED
    COMPLETED = "COMPLETED"    # Square order state COMPLETED
    CANCELED = "CANCELED"      # Square order state CANCELED


# orders' OrderStatus names (proto enum without its prefix, lower case) -> what the POS is told.
ORDER_STATUS_PUSH: dict[str, StatusPush] = {
    "ready": StatusPush.READY,
    "closed": StatusPush.COMPLETED,
    "completed": StatusPush.COMPLETED,   # the first order flow's name for served-and-done
    "cancelled": StatusPush.CANCELED,
    "voided": StatusPush.CANCELED,
}

ORDER_STATUS = "order_status"          # change kinds (outbound_changes.change_type)
MENU_AVAILABILITY = "menu_availability"
MENU_PRICE = "menu_price"

# outbound_changes.status
QUEUED, SENT, FAILED, NOT_SUPPORTED, SKIPPED = "queued", "sent", "failed", "not_supported", "skipped"
MAX_ATTEMPTS = 30   # transient failures (a long outage is what the circuit's cool-down is for)
