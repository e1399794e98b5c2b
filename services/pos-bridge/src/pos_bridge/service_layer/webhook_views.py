"""Outbound webhooks as use cases return them: plain values copied from rows inside the unit of
work. A secret never appears here, only when the previous one stops being valid."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pos_bridge.adapters.orm_webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Subscription:
    subscription_id: uuid.UUID
    url: str
    event_types: tuple[str, ...]
    description: str
    active: bool
    previous_secret_expires_at: datetime | None
    created_at: datetime | None

    @classmethod
    def of(cls, row: WebhookSubscription) -> Subscription:
        return cls(row.id, row.url, tuple(row.event_types), row.description, row.active,
                   row.previous_secret_expires_at if row.previous_secret_sealed is not None else None,
                   row.created_at)

    def as_json(self) -> dict:
        return {"subscription_id": str(self.subscription_id), "url": self.url,
                "event_types": list(self.event_types), "description": self.description, "active": self.active,
                "secret": {"set": True, "previous_valid_until": _iso(self.previous_secret_expires_at)},
                "created_at": _iso(self.created_at)}


@dataclass(frozen=True)
class Attempt:
    number: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int | None
    error: str | None

    @classmethod
    def of(cls, row: WebhookAttempt) -> Attempt:
        return cls(row.number, row.attempted_at, row.status_code, row.latency_ms, row.error)

    def as_json(self) -> dict:
        return {"number": self.number, "attempted_at": _iso(self.attempted_at), "status_code": self.status_code,
                "latency_ms": self.latency_ms, "error": self.error}


@dataclass(frozen=True)
class Delivery:
    delivery_id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime | None
    delivered_at: datetime | None
    dead_at: datetime | None
    log: tuple[Attempt, ...] = ()

    @classmethod
    def of(cls, row: WebhookDelivery, attempts: list[WebhookAttempt] = ()) -> Delivery:
        return cls(row.id, row.subscription_id, row.event_id, row.event_type, row.status, row.attempts,
                   row.next_attempt_at if row.status == "pending" else None, row.last_status_code, row.last_error,
                   row.created_at, row.delivered_at, row.dead_at, tuple(Attempt.of(a) for a in attempts))

    def as_json(self) -> dict:
        return {"delivery_id": str(self.delivery_id), "subscription_id": str(self.subscription_id),
                "event_id": self.event_id, "event_type": self.event_type, "status": self.status,
                "attempts": self.attempts, "next_attempt_at": _iso(self.next_attempt_at),
                "last_status_code": self.last_status_code, "last_error": self.last_error,
                "created_at": _iso(self.created_at), "delivered_at": _iso(self.delivered_at),
                "dead_at": _iso(self.dead_at), "log": [a.as_json() for a in self.log]}
