"""Inbound POS notifications: verify and store quickly (the webhook, webhook_receive.py), then process
asynchronously (the worker, here): fetch the full object from the POS, keep the newest version, hand it
to orders.

Receiving stores each verified event once (dedup by the provider's event id) and acknowledges; the
POS is never called on that path, so the acknowledgement stays fast. Processing is out-of-order
safe: an event or a fetched order older than what we hold changes nothing."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from chassis.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound
from chassis.identity import service_identity
from chassis.uow import UnitOfWorkFactory

from pos_bridge.adapters.orm import InboundEvent, PosOrder
from pos_bridge.config import SERVICE
from pos_bridge.domain.codec import order_from_json, order_to_json
from pos_bridge.domain.model import EventKind, is_newer
from pos_bridge.domain.retry import backoff_seconds
from pos_bridge.service_layer.connections import open_connection, owned_connection, require_permission
from pos_bridge.service_layer.credentials import with_credentials
from pos_bridge.service_layer.ports import Orders, ProviderError, Providers, Sealer
from pos_bridge.service_layer.pos_updates import apply_pos_update, follow_payments, record_pos_payment
from pos_bridge.service_layer.views import InboundEventView, PosOrderView
from pos_bridge.service_layer.webhook_receive import Received, receive_webhook  # noqa: F401 - moved there

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
PAUSED_RETRY = timedelta(seconds=30)


def process_due_events(uow: UnitOfWorkFactory, sealer: Sealer, providers: Providers, orders: Orders | None,
                       now: datetime, limit: int = 50) -> int:
    """Process up to `limit` stored events, each in its own transaction (one failure never holds up
    or rolls back another). Returns how many were taken."""
    taken = 0
    while taken < limit:
        with uow() as work:
            due = work.inbound_events.due(now, 1)
            if not due:
                return taken
            _process(uow, work, due[0], sealer, providers, orders, now)
            work.commit()
        taken += 1
    return taken


def _process(uow: UnitOfWorkFactory, work, event: InboundEvent, sealer: Sealer, providers: Providers,
             orders: Orders | None, now: datetime) -> None:
    event.attempts += 1
    row = work.connections.get(event.connection_id)
    if row is None:
        _finish(event, "failed", now, "connection deleted")
        return
    if not row.active:
        event.attempts -= 1
        event.next_attempt_at = now + PAUSED_RETRY   # waits for resume, nothing lost
        return
    if event.kind == EventKind.PAYMENT.value and orders is not None and \
            ((event.payload or {}).get("embedded") or {}).get("common_payment"):
        _payment(work, event, row, orders, now)
        return
    if event.kind != EventKind.ORDER.value or not event.object_id:
        _finish(event, "ignored", now)   # catalog and others: the menu pull reads the catalog itself
        return
    held = work.pos_orders.get(row.id, event.object_id, lock=True)
    connection = open_connection(row, sealer)
    if held is not None and event.object_version is not None and not is_newer(
            (event.object_version, event.occurred_at), (held.version, held.provider_updated_at)):
        # An older (or repeated) update: no need to ask the POS, unless orders has yet to get it.
        _stale_or_create(work, event, held, connection, orders, now)
        return
    embedded = (event.payload or {}).get("embedded") or {}
    if embedded.get("common_order"):
        order = order_from_json(embedded["common_order"])   # the POS sent the full order (Toast, a poll)
    else:
        adapter = providers[row.provider]
        try:   # a thin event (Square, Clover): fetch the order, credentials refreshed when due
            order = with_credentials(uow, sealer, adapter, row.id, now,
                                     lambda fresh: adapter.fetch_order(fresh, event.object_id))
        except ProviderError as error:
            _retry_or_fail(event, error, now)
            return
    if held is not None and not is_newer((order.version, order.updated_at), (held.version, held.provider_updated_at)):
        _stale_or_create(work, event, held, connection, orders, now)
        return
    if held is None:
        held = PosOrder(tenant_id=row.tenant_id, connection_id=row.id, provider=row.provider,
                        provider_order_id=order.provider_order_id, state=order.state.value,
                        order=order_to_json(order), status="fetched")
        work.pos_orders.add(held)
    in_orders = held.status == "created"
    previous = (held.version, held.provider_updated_at, held.state, dict(held.order))
    held.version, held.provider_updated_at = order.version, order.updated_at
    held.state, held.order = order.state.value, order_to_json(order)
    _create(work, event, held, connection, order, orders, now)
    if in_orders and event.status == "created" and orders is not None:
        # A newer version of an order orders has: its changes follow (two-way sync, pos_updates.py).
        try:
            apply_pos_update(work, held, previous[3], order, orders)
        except DependencyUnavailable as error:
            # orders is down: keep the older version held so that the retry of this event applies it.
            held.version, held.provider_updated_at, held.state, held.order = previous
            event.status = "received"
            _retry_or_fail(event, ProviderError("TRANSIENT", f"orders: {error}"), now)


def _payment(work, event: InboundEvent, row, orders: Orders, now: datetime) -> None:
    """A payment settled on the POS into orders (pos_updates.record_pos_payment); its order may not
    have reached orders yet: the event waits with the usual backoff."""
    payment = event.payload["embedded"]["common_payment"]
    held = work.pos_orders.get(row.id, payment["order_id"])
    try:
        outcome = record_pos_payment(work, held, payment, orders)
    except (InvalidInput, NotFound, Conflict) as error:
        _retry_or_fail(event, ProviderError("VALIDATION", f"orders: {error}"), now)
        return
    except Exception as error:  # noqa: BLE001 - a peer failure: retry the event later
        _retry_or_fail(event, ProviderError("TRANSIENT", f"orders: {error!r}"), now)
        return
    if outcome == "waiting":
        _retry_or_fail(event, ProviderError("TRANSIENT", "its order has not reached orders yet"), now)
        return
    _finish(event, outcome, now)


def _stale_or_create(work, event: InboundEvent, held: PosOrder, connection, orders: Orders | None,
                     now: datetime) -> None:
    """Nothing newer than what we hold. If orders has it already that is all (`stale`); if an earlier
    attempt fetched it but orders failed (the retry of that very event), hand what we hold to orders."""
    if held.status == "created" or orders is None:
        _finish(event, "stale", now)
        return
    _create(work, event, held, connection, order_from_json(held.order), orders, now)


def _create(work, event: InboundEvent, held: PosOrder, connection, order, orders: Orders | None,
            now: datetime) -> None:
    if orders is None:
        _finish(event, "fetched", now)   # no orders client wired (tests): the order waits here
        return
    identity = service_identity(SERVICE, str(held.tenant_id), frozenset({"orders:create", "orders:update"}))
    try:
        held.aura_order_id = orders.create_order(identity, connection, order)
    except (InvalidInput, NotFound) as error:
        # orders refused the order itself (a field it names): retrying cannot help. Anything else
        # (UNAVAILABLE, a deadline) retries with the POS backoff; the fetched order is kept meanwhile.
        _retry_or_fail(event, ProviderError("VALIDATION", f"orders: {error}"), now)
        return
    except Exception as error:  # noqa: BLE001 - a peer failure: retry the event later, keep the fetch
        _retry_or_fail(event, ProviderError("TRANSIENT", f"orders: {error!r}"), now)
        return
    first = held.status != "created"
    held.status = "created"
    if first:
        # The payments the POS took before the order reached us (a Toast order closed at once).
        try:
            follow_payments(work, held, None, order, orders)
        except Exception as error:  # noqa: BLE001 - orders unavailable: retry the event; create is idempotent
            held.status = "fetched"
            _retry_or_fail(event, ProviderError("TRANSIENT", f"orders: {error!r}"), now)
            return
    _finish(event, "created", now)


def _finish(event: InboundEvent, status: str, now: datetime, error: str | None = None) -> None:
    event.status, event.processed_at, event.last_error = status, now, error


def _retry_or_fail(event: InboundEvent, error: ProviderError, now: datetime) -> None:
    event.last_error = str(error)[:500]
    if not error.retryable or event.attempts >= MAX_ATTEMPTS:
        _finish(event, "failed", now, event.last_error)
        log.warning("inbound event %s failed for good: %s", event.provider_event_id, event.last_error)
        return
    event.next_attempt_at = now + timedelta(seconds=backoff_seconds(event.attempts, retry_after=error.retry_after))


def list_inbound(uow: UnitOfWorkFactory, identity, connection_id: str) -> tuple[list[InboundEventView],
                                                                                 list[PosOrderView]]:
    """What a connection received and the POS orders it holds (settings:read): the sync's own view."""
    require_permission(identity, "settings:read")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        return ([InboundEventView.of(e) for e in work.inbound_events.for_connection(row.id)],
                [PosOrderView.of(o) for o in work.pos_orders.for_connection(row.id)])
