"""POS connections: which POS account (Square, Clover, Toast) each location is linked to.

Admins (settings:update) create, pause, resume and delete them; settings:read lists and reads.
Credentials and the webhook signature key are write-only: sealed with the POS credentials key,
bound to the row and column, and never returned."""
from __future__ import annotations

import json
import uuid

from chassis.errors import InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from pos_bridge.adapters.orm import PosConnection
from pos_bridge.domain.connection import (
    PRODUCTION_HOSTS,
    ProviderConnection,
    credentials_field,
    provider_field,
    text_field,
    url_field,
)
from pos_bridge.service_layer.ports import Sealer
from pos_bridge.service_layer.views import Connection


def require_permission(identity: Identity, permission: str) -> None:
    if not identity.has(permission):
        raise PermissionDenied(f"missing permission {permission}")


def _sealed_for(connection_id: uuid.UUID, column: str) -> bytes:
    return f"pos_connections:{connection_id}:{column}".encode()


def list_connections(uow: UnitOfWorkFactory, identity: Identity,
                     location_id: str | None = None) -> list[Connection]:
    """The caller's tenant's live connections (of one location when given): settings:read."""
    require_permission(identity, "settings:read")
    # None lists every location; "" (proto3's unset string) is a missing id, refused like a bad one.
    location = None if location_id is None else parse_uuid(location_id, "location_id")
    with uow() as work:
        return [Connection.of(row) for row in work.connections.for_tenant(identity.tenant_uuid, location)]


def create_connection(uow: UnitOfWorkFactory, sealer: Sealer, identity: Identity, body: dict) -> Connection:
    """Link a location to a POS account: settings:update. Secrets are sealed before they are stored."""
    require_permission(identity, "settings:update")
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field="body")
    provider = provider_field(body.get("provider"))
    location_id = parse_uuid(body.get("location_id"), "location_id")
    if not identity.may_access_location(str(location_id)):
        raise PermissionDenied("no access to this location")
    merchant = text_field(body.get("external_merchant_id"), "external_merchant_id")
    external_location = text_field(body.get("external_location_id"), "external_location_id")
    api_base_url = url_field(body.get("api_base_url"), "api_base_url", required=False) or PRODUCTION_HOSTS[provider]
    credentials = credentials_field(body.get("credentials"), provider)
    webhook = body.get("webhook")
    if webhook is not None and not isinstance(webhook, dict):
        raise InvalidInput("must be an object", field="webhook")
    webhook = webhook or {}
    notification_url = url_field(webhook.get("notification_url"), "webhook.notification_url", required=False)
    signature_key = text_field(webhook.get("signature_key"), "webhook.signature_key", required=False)
    if (notification_url is None) != (signature_key is None):
        raise InvalidInput("notification_url and signature_key go together",
                           field="webhook.signature_key" if signature_key is None else "webhook.notification_url")
    connection_id = uuid.uuid4()
    row = PosConnection(
        id=connection_id, tenant_id=identity.tenant_uuid, location_id=location_id, provider=provider, active=True,
        external_merchant_id=merchant, external_location_id=external_location, api_base_url=api_base_url,
        credentials_sealed=sealer.seal(json.dumps(credentials).encode(), _sealed_for(connection_id, "credentials")),
        webhook_notification_url=notification_url,
        webhook_signature_key_sealed=None if signature_key is None else sealer.seal(
            signature_key.encode(), _sealed_for(connection_id, "webhook_signature_key")))
    with uow() as work:
        work.connections.add(row)
        view = Connection.of(row)
        work.commit()
    return view


def set_webhook(uow: UnitOfWorkFactory, sealer: Sealer, identity: Identity, connection_id: str, body: dict) -> Connection:
    """Set (or replace) the webhook subscription's notification URL and signature key: settings:update.
    The URL usually names the connection's own id, so it is often known only after creation."""
    require_permission(identity, "settings:update")
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field="body")
    notification_url = url_field(body.get("notification_url"), "notification_url")
    signature_key = text_field(body.get("signature_key"), "signature_key")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        row.webhook_notification_url = notification_url
        row.webhook_signature_key_sealed = sealer.seal(signature_key.encode(),
                                                       _sealed_for(row.id, "webhook_signature_key"))
        view = Connection.of(row)
        work.commit()
    return view


def owned_connection(work, identity: Identity, connection_id: str) -> PosConnection:
    row = work.connections.get(parse_uuid(connection_id, "connection_id"))
    if row is None or row.tenant_id != identity.tenant_uuid:   # another tenant's is not found, not forbidden
        raise NotFound("no such connection", field="connection_id")
    return row


def get_connection(uow: UnitOfWorkFactory, identity: Identity, connection_id: str) -> Connection:
    require_permission(identity, "settings:read")
    with uow() as work:
        return Connection.of(owned_connection(work, identity, connection_id))


def set_active(uow: UnitOfWorkFactory, identity: Identity, connection_id: str, active: bool) -> Connection:
    """Pause (webhooks are refused, nothing is fetched) or resume a connection: settings:update."""
    require_permission(identity, "settings:update")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        row.active = active
        view = Connection.of(row)
        work.commit()
    return view


def delete_connection(uow: UnitOfWorkFactory, identity: Identity, connection_id: str, now) -> None:
    """Soft delete: the row stays for the audit trail, its sealed secrets are wiped."""
    require_permission(identity, "settings:update")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        row.deleted_at, row.active = now, False
        row.credentials_sealed = row.webhook_signature_key_sealed = None
        work.commit()


def store_credentials(row: PosConnection, sealer: Sealer, credentials: dict) -> None:
    """Seal new credentials (a refreshed token pair) onto the row; the caller commits."""
    row.credentials_sealed = sealer.seal(json.dumps(credentials).encode(), _sealed_for(row.id, "credentials"))


def open_connection(row: PosConnection, sealer: Sealer, *, credentials: bool = True) -> ProviderConnection:
    """The connection with its secrets opened, for an adapter (never returned to a client).
    `credentials=False`: the webhook signature key only (verifying a webhook needs no POS token)."""
    opened = {} if row.credentials_sealed is None or not credentials else json.loads(
        sealer.open(row.credentials_sealed, _sealed_for(row.id, "credentials")))
    signature_key = None if row.webhook_signature_key_sealed is None else sealer.open(
        row.webhook_signature_key_sealed, _sealed_for(row.id, "webhook_signature_key")).decode()
    return ProviderConnection(
        connection_id=row.id, tenant_id=row.tenant_id, location_id=row.location_id, provider=row.provider,
        external_merchant_id=row.external_merchant_id or "", external_location_id=row.external_location_id or "",
        api_base_url=row.api_base_url or PRODUCTION_HOSTS[row.provider], credentials=opened,
        notification_url=row.webhook_notification_url, signature_key=signature_key, active=row.active)
