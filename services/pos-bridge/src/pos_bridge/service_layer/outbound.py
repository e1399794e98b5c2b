"""Outbound sync: our order status changes and 86'd menu items back to the POS, through a durable queue.

The Kafka handlers (`queue_order_status`, `queue_menu_availability`) run in the consumer's
transaction: the change is written to `outbound_changes` in the same commit that marks the event
processed, so it is queued exactly once and survives a restart. The sender (`send_due_changes`, a
loop in the consumer process) takes the oldest queued change of each object (a later change of the
same order or item waits until the earlier one is sent or given up: in order per object) and calls
the connection's adapter. While a provider fails (5xx, timeout, 429) the connection's circuit breaker
opens (domain/circuit.py, state on `connection_sync`, shared by every replica) and nothing is sent to
it until the cool-down is over; each change backs off exponentially with jitter, Retry-After a floor.

Echoes are not sent back: a status change pos-bridge itself made in orders (a POS update arriving)
carries actor `service:pos-bridge` and is skipped, and a POS order already in the target state is too."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.orders.v1 import menu_events_pb2 as menu_events
from auraconnect.orders.v1 import orders_pb2
from chassis.consumer import PermanentEventError
from chassis.events import EventEnvelope
from chassis.uow import UnitOfWorkFactory

from pos_bridge.adapters.orm import ConnectionSync, OutboundChange
from pos_bridge.config import SERVICE
from pos_bridge.domain import outbound as rules
from pos_bridge.domain.circuit import Circuit, allows, record_failure, record_success
from pos_bridge.domain.model import MenuChange
from pos_bridge.domain.outbound import StatusPush
from pos_bridge.domain.retry import backoff_seconds
from pos_bridge.service_layer.credentials import with_credentials
from pos_bridge.service_layer.ports import PosProvider, ProviderError, Providers, Sealer

log = logging.getLogger(__name__)

OUR_ACTOR = f"service:{SERVICE}"
PAUSED_RETRY = timedelta(seconds=30)


# ------------------------------------------------------------------ Kafka handlers (queueing)
def _status_name(status: int) -> str:
    return orders_pb2.OrderStatus.Name(status).removeprefix("ORDER_STATUS_").lower()


def queue_order_status(work, message, envelope: EventEnvelope) -> None:
    """OrderStatusChanged / OrderCancelled / OrderVoided of an order that came from a POS: queue the
    status for that POS (ready, closed, cancelled; the others mean nothing to a POS)."""
    if isinstance(message, order_events.OrderCancelled):
        status, actor = "cancelled", message.actor_id
    elif isinstance(message, order_events.OrderVoided):
        status, actor = "voided", message.actor_id
    else:
        status, actor = _status_name(message.status), message.actor_id
    push = rules.ORDER_STATUS_PUSH.get(status)
    if push is None or not message.order_id:
        return
    if actor == OUR_ACTOR:
        return   # pos-bridge made this change itself, from the POS: nothing to tell the POS
    held = work.pos_order_links.by_aura_order(message.order_id)
    if held is None:
        return   # not a POS order
    if message.tenant_id and str(held.tenant_id) != message.tenant_id:
        raise PermanentEventError(f"order {message.order_id} belongs to another tenant than its event")
    if held.state == push.value:
        return   # the POS is there already
    work.outbound.add_if_new(OutboundChange(
        tenant_id=held.tenant_id, connection_id=held.connection_id, object_kind="order",
        object_ref=held.provider_order_id, aura_ref=message.order_id, change_type=rules.ORDER_STATUS,
        payload={"status": push.value, "aura_status": status}, source_event_id=envelope.event_id))


def queue_menu_availability(work, message: menu_events.MenuItemAvailabilityChanged, envelope: EventEnvelope) -> None:
    """An item 86'd (or back) at a location: queue it for every POS catalog item linked to it at a
    connection of that location."""
    try:
        tenant = uuid.UUID(message.tenant_id)
    except ValueError:
        raise PermanentEventError(f"malformed tenant id in {envelope.event_id}") from None
    for link in work.menu_links.for_aura_item(tenant, message.item_id):
        row = work.connections.get(link.connection_id)
        if row is None or str(row.location_id) != message.location_id:
            continue
        if message.changed_by == OUR_ACTOR and (link.pos_values or {}).get("available") == bool(message.available):
            continue   # our menu pull wrote the POS's own value: sending it back would only echo
        work.outbound.add_if_new(OutboundChange(
            tenant_id=tenant, connection_id=link.connection_id, object_kind="menu_item", object_ref=link.pos_item_id,
            aura_ref=message.item_id, change_type=rules.MENU_AVAILABILITY,
            payload={"available": bool(message.available), "variation_id": link.pos_variation_id},
            source_event_id=envelope.event_id))


# ------------------------------------------------------------------ the sender
def send_due_changes(uow: UnitOfWorkFactory, sealer: Sealer, providers: Providers, now: datetime,
                     limit: int = 50) -> int:
    """Send up to `limit` due changes, each in its own transaction. Returns how many were taken."""
    taken = 0
    while taken < limit:
        with uow() as work:
            heads = work.outbound.due_heads(now, 1)
            if not heads:
                return taken
            _send(uow, work, heads[0], sealer, providers, now)
            work.commit()
        taken += 1
    return taken


def _circuit_of(state: ConnectionSync) -> Circuit:
    return Circuit(state.circuit_state or "closed", state.consecutive_failures or 0, state.circuit_openings or 0,
                   state.circuit_retry_at)


def _store_circuit(state: ConnectionSync, circuit: Circuit) -> None:
    state.circuit_state, state.consecutive_failures = circuit.state, circuit.failures
    state.circuit_openings, state.circuit_retry_at = circuit.openings, circuit.retry_at


def _send(uow: UnitOfWorkFactory, work, change: OutboundChange, sealer: Sealer, providers: Providers,
          now: datetime) -> None:
    row = work.connections.get(change.connection_id)
    if row is None:
        _finish(change, rules.FAILED, now, "connection deleted")
        return
    if not row.active:
        change.next_attempt_at = now + PAUSED_RETRY   # paused: waits for resume, nothing lost
        return
    adapter = providers.get(row.provider)
    if adapter is None:
        _finish(change, rules.NOT_SUPPORTED, now, f"no adapter for {row.provider}")
        return
    state = work.sync_state.get(row.id, lock=True)   # one sender per connection at a time
    circuit = _circuit_of(state)
    if not allows(circuit, now):
        change.next_attempt_at = max(change.next_attempt_at, circuit.retry_at)   # waits out the cool-down
        return
    change.attempts += 1
    if change.change_type == rules.ORDER_STATUS:
        # Hold the POS order's row while pushing: the POS's notification of this very update waits for
        # our commit (the inbound worker locks the row too) and then finds the state noted below.
        work.pos_orders.get(change.connection_id, change.object_ref, lock=True)
    try:
        with_credentials(uow, sealer, adapter, row.id, now, lambda connection: push(adapter, connection, change))
    except ProviderError as error:
        _failed(change, state, circuit, error, now)
    else:
        record_success(circuit)
        state.last_outbound_success_at = now
        _finish(change, rules.SENT, now)
        _note_pos_state(work, change)
    _store_circuit(state, circuit)


def _note_pos_state(work, change: OutboundChange) -> None:
    """The POS order is now in the state we sent: note it on the order we hold, so that the POS's own
    notification of our change (Square sends order.updated for API updates too) is not taken for a
    change on the POS and sent back to orders."""
    status = (change.payload or {}).get("status")
    if change.change_type != rules.ORDER_STATUS or status not in (StatusPush.COMPLETED, StatusPush.CANCELED):
        return
    held = work.pos_orders.get(change.connection_id, change.object_ref)
    if held is not None:
        held.state = status
        held.order = {**(held.order or {}), "state": status}


def push(adapter: PosProvider, connection, change: OutboundChange) -> None:
    """One queued change through the provider port."""
    payload = change.payload or {}
    if change.change_type == rules.ORDER_STATUS:
        adapter.push_order_status(connection, change.object_ref, StatusPush(payload["status"]), None, str(change.id))
    elif change.change_type == rules.MENU_AVAILABILITY:
        adapter.push_menu_change(connection, MenuChange(item_id=change.object_ref,
                                                        variation_id=payload.get("variation_id"),
                                                        available=bool(payload["available"])))
    else:
        raise ProviderError("NOT_SUPPORTED", f"unknown change type {change.change_type}")


def _failed(change: OutboundChange, state: ConnectionSync, circuit: Circuit, error: ProviderError,
            now: datetime) -> None:
    message = str(error)[:500]
    change.last_error = message
    if error.kind == "NOT_SUPPORTED":
        # The provider cannot take this change (Toast's read-only menus, ...): say so, never pretend.
        _finish(change, rules.NOT_SUPPORTED, now, message)
        return
    state.last_outbound_failure_at, state.last_outbound_error = now, message
    if error.retryable:
        record_failure(circuit, now, error.retry_after)   # the provider is down or throttling: the circuit counts
    if (error.retryable or error.kind == "CONFLICT") and change.attempts < rules.MAX_ATTEMPTS:
        wait = timedelta(seconds=backoff_seconds(change.attempts, retry_after=error.retry_after))
        change.next_attempt_at = max(now + wait, circuit.retry_at or now)
        return
    _finish(change, rules.FAILED, now, message)
    log.warning("outbound change %s to %s failed for good: %s", change.id, change.object_ref, message)


def _finish(change: OutboundChange, status: str, now: datetime, error: str | None = None) -> None:
    change.status, change.sent_at = status, now if status == rules.SENT else change.sent_at
    if error is not None:
        change.last_error = error
