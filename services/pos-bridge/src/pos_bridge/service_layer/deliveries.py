"""Outbound webhook deliveries: the Kafka events become delivery rows (record_event, a consumer
handler), and the sender posts due rows (send_due), each attempt logged.

Durability: a delivery is a PostgreSQL row written in the consumer's transaction (with the processed
event id, so a redelivered Kafka event makes none twice); the sender takes one due row at a time with
FOR UPDATE SKIP LOCKED (several senders never post the same one), and its next_attempt_at survives any
restart. 2xx = delivered; anything else is retried with exponential backoff and full jitter until the
retry window (3 days from the first try, or from a replay) is over: then the delivery is dead."""
from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from chassis.events import EventEnvelope
from chassis.uow import UnitOfWorkFactory
from google.protobuf import json_format

from pos_bridge.adapters.orm_webhooks import WebhookAttempt, WebhookDelivery
from pos_bridge.domain.subscriptions import (
    REDACTED,
    SIGNATURE_HEADER,
    matches,
    next_attempt_at,
    public_types,
    refused_addresses,
    signature_header,
    tenant_of,
)
from pos_bridge.service_layer.ports import Sealer
from pos_bridge.service_layer.subscriptions import cloud_event, target_addresses, valid_secrets
from pos_bridge.service_layer.webhook_ports import PostResult, Resolver, WebhookPolicy, WebhookTransport

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
EVENT_NAMESPACE = uuid.UUID("6f1c4f5e-3f0e-4b8e-9d59-7a8f0c1e2b3a")   # public event ids: uuid5(this, ...)
MAX_ERROR = 500


def public_event_id(source_event_id: str, public_type: str) -> str:
    """Stable per (Kafka event, public type): the same id on every retry and for every subscriber, so a
    receiver can deduplicate; two public types from one event (paid + closed) get two ids."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{source_event_id}/{public_type}"))


def event_data(message, source_type: str) -> dict:
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    for name in REDACTED.get(source_type, ()):
        data.pop(name, None)
    return data


def record_event(work, message, envelope: EventEnvelope) -> int:
    """Consumer handler body: one pending delivery per matching active subscription of the event's
    tenant and public type. Runs in the consumer's unit of work (never commits). Returns how many."""
    types = public_types(envelope.event_type, message)
    tenant = tenant_of(message)
    if not types or not tenant:
        return 0
    try:
        tenant_id = uuid.UUID(tenant)
    except ValueError:
        return 0
    subscriptions = [s for s in work.webhook_subscriptions.for_tenant(tenant_id) if s.active]
    if not subscriptions:
        return 0
    data = event_data(message, envelope.event_type)
    made = 0
    for public_type in types:
        event_id = public_event_id(envelope.event_id, public_type)
        document = cloud_event(event_id, public_type, envelope.source, envelope.time, envelope.subject, data)
        for subscription in subscriptions:
            if matches(subscription.event_types, public_type):
                made += work.webhook_deliveries.add_if_new(WebhookDelivery(
                    id=uuid.uuid4(), tenant_id=tenant_id, subscription_id=subscription.id, event_id=event_id,
                    event_type=public_type, event=document, status="pending", attempts=0))
    return made


def record_handler(uow, message, envelope: EventEnvelope) -> None:
    """The chassis consumer's handler signature: handler(uow, message, envelope)."""
    record_event(uow, message, envelope)


def send_due(uow: UnitOfWorkFactory, sealer: Sealer, transport: WebhookTransport, resolver: Resolver,
             policy: WebhookPolicy, clock, limit: int = 20, observe=None) -> int:
    """Post up to `limit` due deliveries, each in its own transaction (its row locked meanwhile);
    `observe(status)` is told each outcome (pending = will retry, delivered, dead). Returns how many
    were taken."""
    taken = 0
    while taken < limit:
        with uow() as work:
            due = work.webhook_deliveries.due(clock(), 1)
            if not due:
                break
            status = attempt(work, due[0], sealer, transport, resolver, policy, clock)
            work.commit()
        if observe is not None:
            observe(status)
        taken += 1
    return taken


def _post(delivery: WebhookDelivery, url: str, secrets: list[str], transport: WebhookTransport,
          resolver: Resolver, policy: WebhookPolicy, now: datetime) -> PostResult:
    host = urlsplit(url).hostname or ""
    addresses = target_addresses(url, host, resolver)
    if not addresses:
        return PostResult(None, 0, "host does not resolve")
    if not policy.allow_private_targets and refused_addresses(addresses):
        # Checked after resolution, at each attempt: a name accepted as public may be re-pointed
        # inside (DNS rebinding). The connection then goes to the checked address only.
        return PostResult(None, 0, "refused: the host resolves to a non-public address")
    body = json.dumps(delivery.event, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": CONTENT_TYPE, "User-Agent": "AuraConnect-Webhooks/1",
               SIGNATURE_HEADER: signature_header(secrets, int(now.timestamp()), body),
               "AuraConnect-Delivery": str(delivery.id), "AuraConnect-Event-Type": delivery.event_type}
    try:
        return transport.post(url, addresses[0], body, headers, policy.timeout_seconds)
    except Exception as error:  # noqa: BLE001 - a transport bug is one failed attempt, not a dead sender
        return PostResult(None, 0, f"{type(error).__name__}: {error}")


def attempt(work, delivery: WebhookDelivery, sealer: Sealer, transport: WebhookTransport, resolver: Resolver,
            policy: WebhookPolicy, clock) -> str:
    """One try of one delivery; updates the row and logs the attempt. Returns the new status."""
    now = clock()
    subscription = work.webhook_subscriptions.get(delivery.subscription_id)
    if subscription is None or not subscription.active:
        delivery.status, delivery.dead_at, delivery.next_attempt_at = "dead", now, None
        delivery.last_error = "subscription deleted" if subscription is None else "subscription paused"
        return delivery.status
    started = time.monotonic()
    try:
        secrets = valid_secrets(subscription, sealer, now)
    except Exception as error:  # noqa: BLE001 - a secret that will not open (key changed) fails this attempt
        log.error("webhook subscription %s: secret cannot be opened", subscription.id)
        result = PostResult(None, 0, f"signing secret cannot be opened ({type(error).__name__})")
    else:
        result = _post(delivery, subscription.url, secrets, transport, resolver, policy, now)
    latency = result.latency_ms or int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    work.webhook_deliveries.add_attempt(WebhookAttempt(
        id=uuid.uuid4(), delivery_id=delivery.id, number=delivery.attempts, attempted_at=now,
        status_code=result.status_code, latency_ms=latency,
        error=None if result.error is None else result.error[:MAX_ERROR]))
    delivery.last_status_code = result.status_code
    if result.status_code is not None and 200 <= result.status_code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        delivery.last_error = None
        return delivery.status
    delivery.last_error = (result.error or f"HTTP {result.status_code}")[:MAX_ERROR]
    window_start = delivery.retry_window_start or delivery.created_at or now
    due = next_attempt_at(delivery.attempts, window_start, now, base=policy.retry_base_seconds,
                          cap=policy.retry_cap_seconds, horizon=policy.retry_horizon)
    if due is None:
        delivery.status, delivery.dead_at, delivery.next_attempt_at = "dead", now, None
        log.warning("webhook delivery %s dead-lettered after %d attempts", delivery.id, delivery.attempts)
    else:
        delivery.next_attempt_at = due
    return delivery.status


def prune_log(uow: UnitOfWorkFactory, finished_before: datetime, batch: int = 500) -> int:
    """Forget deliveries finished before `finished_before` (the log's retention), a batch per transaction."""
    pruned = 0
    while True:
        with uow() as work:
            count = work.webhook_deliveries.prune(finished_before, batch)
            work.commit()
        pruned += count
        if count < batch:
            return pruned
