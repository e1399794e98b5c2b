"""Integrators' webhook subscriptions: a tenant's admins (settings:update; settings:read lists) point a
URL at public event types. The signing secret is ours: generated here, returned once (at creation
and at each rotation), sealed at rest and never shown again.

A target must be public: its host (an IP literal, or every address its name resolves to) may not be
private, loopback, link-local or otherwise internal, unless the development setting allows it. The
sender checks again at each delivery (a name can be re-pointed after it was accepted)."""
from __future__ import annotations

import secrets as random_secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from chassis.errors import Conflict, InvalidInput, NotFound
from chassis.identity import Identity
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from pos_bridge.adapters.orm_webhooks import WebhookDelivery, WebhookSubscription
from pos_bridge.domain.subscriptions import (
    PING,
    description_field,
    event_types_field,
    literal_address,
    refused_addresses,
    target_url_field,
)
from pos_bridge.service_layer.connections import require_permission
from pos_bridge.service_layer.ports import Sealer
from pos_bridge.service_layer.webhook_ports import Resolver, WebhookPolicy
from pos_bridge.service_layer.webhook_views import Delivery, Subscription

SOURCE = "/auraconnect/pos-bridge/webhooks"
MAX_LOG = 100


def new_secret() -> str:
    return "whsec_" + random_secrets.token_urlsafe(32)


def sealed_for(subscription_id: uuid.UUID, column: str) -> bytes:
    return f"webhook_subscriptions:{subscription_id}:{column}".encode()


def port_of(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def target_addresses(url: str, host: str, resolver: Resolver) -> list[str]:
    literal = literal_address(host)
    return [literal] if literal is not None else resolver.resolve(host, port_of(url))


def checked_url(value: object, resolver: Resolver, policy: WebhookPolicy) -> str:
    """The URL when it is an https URL of a public host (http and any host when the development
    setting allows private targets)."""
    url, host = target_url_field(value)
    if policy.allow_private_targets:
        return url
    if urlsplit(url).scheme != "https":
        # Events carry business data: never in clear text (and production egress is HTTPS only).
        raise InvalidInput("must be an https URL", field="url")
    addresses = target_addresses(url, host, resolver)
    if not addresses:
        raise InvalidInput("host does not resolve", field="url")
    if refused_addresses(addresses):
        raise InvalidInput("must be a public address: the host is or resolves to a private, loopback, "
                           "link-local or otherwise non-public one", field="url")
    return url


def _body(body: object) -> dict:
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field="body")
    return body


def owned_subscription(work, identity: Identity, subscription_id: str) -> WebhookSubscription:
    row = work.webhook_subscriptions.get(parse_uuid(subscription_id, "subscription_id"))
    if row is None or row.tenant_id != identity.tenant_uuid:   # another tenant's is not found
        raise NotFound("no such webhook subscription", field="subscription_id")
    return row


def create_subscription(uow: UnitOfWorkFactory, sealer: Sealer, resolver: Resolver, policy: WebhookPolicy,
                        identity: Identity, body: object,
                        make_secret: Callable[[], str] = new_secret) -> tuple[Subscription, str]:
    """(the subscription, its secret): the only time the secret is returned."""
    require_permission(identity, "settings:update")
    body = _body(body)
    event_types = event_types_field(body.get("event_types"))
    description = description_field(body.get("description"))
    url = checked_url(body.get("url"), resolver, policy)
    subscription_id, secret = uuid.uuid4(), make_secret()
    row = WebhookSubscription(id=subscription_id, tenant_id=identity.tenant_uuid, url=url, event_types=event_types,
                              description=description, active=True,
                              secret_sealed=sealer.seal(secret.encode(), sealed_for(subscription_id, "secret")))
    with uow() as work:
        work.webhook_subscriptions.add(row)
        view = Subscription.of(row)
        work.commit()
    return view, secret


def list_subscriptions(uow: UnitOfWorkFactory, identity: Identity) -> list[Subscription]:
    require_permission(identity, "settings:read")
    with uow() as work:
        return [Subscription.of(row) for row in work.webhook_subscriptions.for_tenant(identity.tenant_uuid)]


def get_subscription(uow: UnitOfWorkFactory, identity: Identity, subscription_id: str) -> Subscription:
    require_permission(identity, "settings:read")
    with uow() as work:
        return Subscription.of(owned_subscription(work, identity, subscription_id))


def update_subscription(uow: UnitOfWorkFactory, resolver: Resolver, policy: WebhookPolicy, identity: Identity,
                        subscription_id: str, body: object) -> Subscription:
    """Change url, event_types, description or active (pause: false); fields left out stay."""
    require_permission(identity, "settings:update")
    body = _body(body)
    unknown = sorted(set(body) - {"url", "event_types", "description", "active"})
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    changes: dict = {}
    if "url" in body:
        changes["url"] = checked_url(body["url"], resolver, policy)
    if "event_types" in body:
        changes["event_types"] = event_types_field(body["event_types"])
    if "description" in body:
        changes["description"] = description_field(body["description"])
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise InvalidInput("must be true or false", field="active")
        changes["active"] = body["active"]
    with uow() as work:
        row = owned_subscription(work, identity, subscription_id)
        for name, value in changes.items():
            setattr(row, name, value)
        view = Subscription.of(row)
        work.commit()
    return view


def delete_subscription(uow: UnitOfWorkFactory, identity: Identity, subscription_id: str, now: datetime) -> None:
    """Soft delete: the delivery log stays, the sealed secrets are wiped, pending deliveries die."""
    require_permission(identity, "settings:update")
    with uow() as work:
        row = owned_subscription(work, identity, subscription_id)
        row.deleted_at, row.active = now, False
        row.secret_sealed, row.previous_secret_sealed = b"", None
        work.commit()


def rotate_secret(uow: UnitOfWorkFactory, sealer: Sealer, policy: WebhookPolicy, identity: Identity,
                  subscription_id: str, now: datetime,
                  make_secret: Callable[[], str] = new_secret) -> tuple[Subscription, str]:
    """A new secret (returned once); the current one stays valid for the overlap, so deliveries carry
    two signatures until the receiver has switched. Rotating again within the overlap drops the oldest."""
    require_permission(identity, "settings:update")
    secret = make_secret()
    with uow() as work:
        row = owned_subscription(work, identity, subscription_id)
        current = sealer.open(row.secret_sealed, sealed_for(row.id, "secret"))
        row.previous_secret_sealed = sealer.seal(current, sealed_for(row.id, "previous_secret"))
        row.previous_secret_expires_at = now + policy.secret_overlap
        row.secret_sealed = sealer.seal(secret.encode(), sealed_for(row.id, "secret"))
        view = Subscription.of(row)
        work.commit()
    return view, secret


def valid_secrets(row: WebhookSubscription, sealer: Sealer, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one in its overlap."""
    found = [sealer.open(row.secret_sealed, sealed_for(row.id, "secret")).decode()]
    if (row.previous_secret_sealed is not None and row.previous_secret_expires_at is not None
            and row.previous_secret_expires_at > now):
        found.append(sealer.open(row.previous_secret_sealed, sealed_for(row.id, "previous_secret")).decode())
    return found


def cloud_event(event_id: str, event_type: str, source: str, time: datetime, subject: str | None,
                data: dict) -> dict:
    """The CloudEvents 1.0 JSON document a receiver gets (structured mode)."""
    document = {"specversion": "1.0", "id": event_id, "source": source, "type": event_type,
                "time": time.isoformat().replace("+00:00", "Z"), "datacontenttype": "application/json",
                "data": data}
    if subject:
        document["subject"] = subject
    return document


def send_test(uow: UnitOfWorkFactory, identity: Identity, subscription_id: str, now: datetime) -> Delivery:
    """Queue a `webhooks.ping` event to this subscription (sent like any delivery, retried likewise)."""
    require_permission(identity, "settings:update")
    event_id = str(uuid.uuid4())
    with uow() as work:
        row = owned_subscription(work, identity, subscription_id)
        delivery = WebhookDelivery(
            id=uuid.uuid4(), tenant_id=row.tenant_id, subscription_id=row.id, event_id=event_id, event_type=PING,
            event=cloud_event(event_id, PING, SOURCE, now, str(row.id), {"subscription_id": str(row.id)}),
            status="pending", attempts=0, next_attempt_at=now, retry_window_start=now, created_at=now)
        work.webhook_deliveries.add_if_new(delivery)
        view = Delivery.of(delivery)
        work.commit()
    return view


def list_deliveries(uow: UnitOfWorkFactory, identity: Identity, subscription_id: str,
                    limit: int = 50) -> list[Delivery]:
    """The delivery log, newest first, each with its attempts (status codes, latency, errors)."""
    require_permission(identity, "settings:read")
    if not 1 <= limit <= MAX_LOG:
        raise InvalidInput(f"must be between 1 and {MAX_LOG}", field="limit")
    with uow() as work:
        row = owned_subscription(work, identity, subscription_id)
        deliveries = work.webhook_deliveries.for_subscription(row.id, limit)
        attempts = work.webhook_deliveries.attempts([d.id for d in deliveries])
        return [Delivery.of(d, [a for a in attempts if a.delivery_id == d.id]) for d in deliveries]


def replay_delivery(uow: UnitOfWorkFactory, identity: Identity, subscription_id: str, delivery_id: str,
                    now: datetime) -> Delivery:
    """A dead-lettered delivery goes back to the queue, due now, with a fresh retry window."""
    require_permission(identity, "settings:update")
    with uow() as work:
        row = owned_subscription(work, identity, subscription_id)
        delivery = work.webhook_deliveries.get(parse_uuid(delivery_id, "delivery_id"), lock=True)
        if delivery is None or delivery.subscription_id != row.id:
            raise NotFound("no such delivery", field="delivery_id")
        if delivery.status != "dead":
            raise Conflict(f"only a dead-lettered delivery replays (this one is {delivery.status})",
                           field="delivery_id")
        delivery.status, delivery.next_attempt_at, delivery.retry_window_start = "pending", now, now
        delivery.dead_at = None
        view = Delivery.of(delivery)
        work.commit()
    return view
