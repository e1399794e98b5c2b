"""What use cases return: plain values copied from rows inside the unit of work.

A unit of work left without commit (every read) rolls back, and a rollback expires the rows it
loaded: touching one afterwards fails. So use cases never hand out rows; entrypoints map these
values to JSON or protobuf. Secrets never appear here: only whether they are set."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pos_bridge.adapters.orm import InboundEvent, PosConnection, PosOrder


@dataclass(frozen=True)
class Connection:
    connection_id: uuid.UUID
    location_id: uuid.UUID
    provider: str  # square | clover | toast
    active: bool
    external_merchant_id: str | None = None
    external_location_id: str | None = None
    api_base_url: str | None = None
    credentials_set: bool = False
    notification_url: str | None = None
    signature_key_set: bool = False
    created_at: datetime | None = None
    verification_code: str | None = None        # Clover's endpoint verification, for the admin
    verification_at: datetime | None = None
    last_polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    last_poll_error: str | None = None

    @classmethod
    def of(cls, row: PosConnection) -> Connection:
        return cls(row.id, row.location_id, row.provider, row.active, row.external_merchant_id,
                   row.external_location_id, row.api_base_url, row.credentials_sealed is not None,
                   row.webhook_notification_url, row.webhook_signature_key_sealed is not None, row.created_at,
                   row.webhook_verification_code, row.webhook_verification_at, row.last_polled_at, row.next_poll_at,
                   row.last_poll_error)

    def as_json(self) -> dict:
        return {"connection_id": str(self.connection_id), "location_id": str(self.location_id),
                "provider": self.provider, "active": self.active, "status": "active" if self.active else "paused",
                "external_merchant_id": self.external_merchant_id, "external_location_id": self.external_location_id,
                "api_base_url": self.api_base_url, "credentials": {"set": self.credentials_set},
                "webhook": {"notification_url": self.notification_url, "signature_key_set": self.signature_key_set,
                            "verification_code": self.verification_code,
                            "verification_received_at": _iso(self.verification_at)},
                "polling": {"last_polled_at": _iso(self.last_polled_at), "next_poll_at": _iso(self.next_poll_at),
                            "last_error": self.last_poll_error},
                "created_at": _iso(self.created_at)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class InboundEventView:
    event_id: uuid.UUID
    provider_event_id: str
    event_type: str
    object_id: str | None
    object_version: int | None
    status: str
    attempts: int
    last_error: str | None

    @classmethod
    def of(cls, row: InboundEvent) -> InboundEventView:
        return cls(row.id, row.provider_event_id, row.event_type, row.object_id, row.object_version, row.status,
                   row.attempts, row.last_error)

    def as_json(self) -> dict:
        return {"event_id": str(self.event_id), "provider_event_id": self.provider_event_id,
                "event_type": self.event_type, "object_id": self.object_id, "object_version": self.object_version,
                "status": self.status, "attempts": self.attempts, "last_error": self.last_error}


@dataclass(frozen=True)
class PosOrderView:
    provider_order_id: str
    version: int | None
    state: str
    status: str
    aura_order_id: str | None
    order: dict

    @classmethod
    def of(cls, row: PosOrder) -> PosOrderView:
        return cls(row.provider_order_id, row.version, row.state, row.status, row.aura_order_id, dict(row.order))

    def as_json(self) -> dict:
        return {"provider_order_id": self.provider_order_id, "version": self.version, "state": self.state,
                "status": self.status, "aura_order_id": self.aura_order_id, "order": self.order}
