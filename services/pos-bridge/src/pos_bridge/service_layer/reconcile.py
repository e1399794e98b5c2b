"""Polling reconciliation: Clover does not guarantee that a webhook arrives ("when, or if") and Toast
retries a failed one only twice, so every Clover and Toast connection is also polled for the orders
changed since its cursor. Each changed order is stored as an inbound event carrying the order
(event id `poll:<order id>:<version>`, so a poll that sees an order again stores nothing) and goes
through the same worker as a webhook: out-of-order safe (an older version never overwrites a newer
one) and idempotent into orders (CreateOrder by channel + external id)."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from chassis.uow import UnitOfWorkFactory

from pos_bridge.adapters.orm import InboundEvent
from pos_bridge.domain.codec import order_to_json
from pos_bridge.domain.model import ChangePage, EventKind
from pos_bridge.service_layer.credentials import with_credentials
from pos_bridge.service_layer.ports import PosProvider, ProviderError, Providers, Sealer

log = logging.getLogger(__name__)

POLLED_PROVIDERS = ("clover", "toast")
LEASE = timedelta(minutes=5)   # a poll that dies mid-way is taken up again after this


def poll_due_connections(uow: UnitOfWorkFactory, sealer: Sealer, providers: Providers, now: datetime,
                         interval: timedelta, limit: int = 20) -> int:
    """Poll up to `limit` connections whose poll is due, one at a time. Returns how many were polled."""
    polled_providers = tuple(p for p in POLLED_PROVIDERS if p in providers)
    polled = 0
    while polled < limit and polled_providers:
        with uow() as work:
            row = work.connections.claim_poll(polled_providers, now, now + LEASE)
            if row is None:
                return polled
            connection_id, provider, cursor = row.id, row.provider, row.poll_cursor
            work.commit()
        poll_connection(uow, sealer, providers[provider], connection_id, cursor, now, interval)
        polled += 1
    return polled


def poll_connection(uow: UnitOfWorkFactory, sealer: Sealer, adapter: PosProvider, connection_id: uuid.UUID,
                    cursor: str | None, now: datetime, interval: timedelta) -> int:
    """One poll: the orders changed since `cursor` become inbound events; the cursor moves on.
    Returns how many new events were stored."""
    try:
        page: ChangePage = with_credentials(uow, sealer, adapter, connection_id, now,
                                            lambda connection: adapter.list_changes(connection, cursor))
    except ProviderError as error:
        wait = max(interval, timedelta(seconds=error.retry_after or 0))
        with uow() as work:
            row = work.connections.get(connection_id)
            if row is not None:
                row.last_poll_error, row.next_poll_at = str(error)[:500], now + wait
                work.commit()
        log.warning("poll of connection %s failed: %s", connection_id, error)
        return 0
    stored = 0
    with uow() as work:
        row = work.connections.get(connection_id)
        if row is None:
            return 0
        for order in page.orders:
            stored += work.inbound_events.add_if_new(InboundEvent(
                tenant_id=row.tenant_id, connection_id=row.id, provider=row.provider,
                provider_event_id=f"poll:{order.provider_order_id}:{order.version}", event_type="poll.order",
                kind=EventKind.ORDER.value, object_id=order.provider_order_id, object_version=order.version,
                occurred_at=order.updated_at,
                payload={"merchant_ref": None, "location_ref": order.location_ref,
                         "embedded": {"common_order": order_to_json(order)}}))
        row.poll_cursor, row.last_polled_at, row.last_poll_error = page.cursor, now, None
        row.next_poll_at = now + interval
        work.commit()
    return stored
