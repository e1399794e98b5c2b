"""Receiving a POS notification (the acknowledgement path): verify it against its connection, store
its events once, answer. Processing comes later (inbound.py, in the consumer process).

This path is the POS's view of us, and it has a latency target (issue 12: p99 < 100 ms at 200
webhooks/s on a shared 2-core box). So it is async end to end (no thread hand-off) and does one
database statement per webhook: each HTTP worker process keeps the connections it has seen with
their signature key already unsealed (`WebhookReceiver`), and the store is a single INSERT ... ON
CONFLICT DO NOTHING guarded by the version of the connection row the key came from. A connection
changed since it was cached (key rotated, notification URL changed, paused, deleted) fails the guard,
is read again and the webhook verified again: a rotation takes effect on the next webhook, in every
worker, with no invalidation message to lose. A cached entry that refuses a webhook (bad signature,
paused) is also read again once, as the key may have been rotated a moment ago.

Guarantees kept from the first version: a bad or missing signature is 401 and stores nothing (an
unknown connection or provider looks the same); comparison in constant time (the adapters use
hmac.compare_digest); the event is committed before the 200; dedup by the provider's event id;
Clover's unsigned verification handshake is recorded for the admin, nothing else trusted from it."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol

from chassis.errors import DependencyUnavailable, Unauthenticated
from chassis.uow import UnitOfWorkFactory

from pos_bridge.adapters.orm import InboundEvent, PosConnection
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.service_layer.connections import open_connection
from pos_bridge.service_layer.ports import Providers, Sealer

MAX_VERIFICATION_CODE = 256
CACHE_SIZE = 4096   # connections remembered per worker process (a few hundred bytes each)


@dataclass(frozen=True)
class Received:
    stored: int        # new events stored
    duplicates: int    # events we already had (a redelivery)
    verification: bool = False   # a one-time endpoint verification (Clover), kept for the admin


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A verified event to store: an inbound_events row (a plain object, not an ORM instance: building
    one of those per webhook cost more CPU than the HMAC and the INSERT together)."""
    id: uuid.UUID
    tenant_id: uuid.UUID
    connection_id: uuid.UUID
    provider: str
    provider_event_id: str
    event_type: str
    kind: str
    object_id: str | None
    object_version: int | None
    occurred_at: datetime | None
    payload: dict
    status: str
    attempts: int
    next_attempt_at: datetime | None   # None: the store's clock
    received_at: datetime | None


class WebhookInbox(Protocol):
    """Where verified events are stored, and the connection rows they are verified against."""

    async def connection(self, connection_id: uuid.UUID) -> tuple[PosConnection, object] | None:
        """The live connection row (secrets still sealed) and its version; None when there is none."""

    async def store(self, connection: PosConnection, version: object, events: list[NewEvent]) -> int | None:
        """Commit the events not stored yet (dedup by connection + provider event id); how many were new.
        None, storing nothing, when the connection row is no longer at `version` (or is gone)."""

    async def record_verification(self, connection_id: uuid.UUID, code: str, at: datetime) -> None:
        """Keep Clover's verification code on the connection for its admin."""

    async def open(self) -> None:
        """Get ready before the first webhook (a worker's start); never fails: the store retries lazily."""

    async def close(self) -> None:
        """Let go of what `open` took (a worker's stop)."""


@dataclass(frozen=True)
class _Known:
    row: PosConnection
    version: object
    connection: ProviderConnection   # the signature key unsealed


class WebhookReceiver:
    """One per HTTP worker process: verifies and stores webhooks, remembering the connections."""

    def __init__(self, inbox: WebhookInbox, sealer: Sealer | None, providers: Providers) -> None:
        self.inbox, self.sealer, self.providers = inbox, sealer, providers
        self._known: dict[uuid.UUID, _Known] = {}

    async def receive(self, provider: str, connection_id: str, headers: Mapping[str, str], raw_body: bytes,
                      now: datetime | None = None) -> Received:
        """Verify and store; Unauthenticated (401) when it does not verify, DependencyUnavailable (503)
        when the connection is paused (the POS retries until it is resumed)."""
        adapter = self.providers.get(provider)
        try:
            connection_uuid = uuid.UUID(connection_id)
        except ValueError:
            raise Unauthenticated("signature does not verify") from None
        if adapter is None:
            raise Unauthenticated("signature does not verify")
        known = self._known.get(connection_uuid)
        for _ in range(3):   # a connection that changes under us three times running: let the POS retry
            fresh = known is None
            if fresh:
                known = await self._read(connection_uuid)
            if known is None or known.row.provider != provider:
                raise Unauthenticated("signature does not verify")
            code = adapter.webhook_handshake(headers, raw_body)
            if code is not None:
                # Clover's endpoint verification comes unsigned: keep its code for the admin to paste into
                # Clover (GET /connections/{id} shows it); nothing else is stored or trusted from it.
                await self.inbox.record_verification(connection_uuid, code[:MAX_VERIFICATION_CODE],
                                                     now or datetime.now(UTC))
                self._known.pop(connection_uuid, None)
                return Received(0, 0, verification=True)
            if not adapter.verify_webhook(known.connection, headers, raw_body) or not known.row.active:
                if not fresh:   # what we remember may be older than a rotation or a resume: read again
                    known = None
                    continue
                if known.row.active:
                    raise Unauthenticated("signature does not verify")
                # Paused: refuse without storing so the POS retries (Square for 72 h) until resumed.
                raise DependencyUnavailable("connection is paused")
            events = adapter.parse_webhook(headers, raw_body)
            if provider == "clover":
                # One Clover app webhook batches every merchant of the app: keep this connection's.
                events = [e for e in events if e.merchant_ref == known.connection.external_merchant_id]
            row = known.row
            stored = await self.inbox.store(row, known.version, [NewEvent(
                id=uuid.uuid4(), tenant_id=row.tenant_id, connection_id=row.id, provider=provider,
                provider_event_id=event.provider_event_id, event_type=event.event_type, kind=event.kind.value,
                object_id=event.object_id, object_version=event.object_version, occurred_at=event.occurred_at,
                payload={"merchant_ref": event.merchant_ref, "location_ref": event.location_ref,
                         "embedded": event.embedded},
                # now None: the store's clock (the column defaults)
                status="received", attempts=0, next_attempt_at=now, received_at=now) for event in events])
            if stored is None:   # the row changed since it was read: verify against the new one
                self._known.pop(connection_uuid, None)
                known = None
                continue
            return Received(stored, len(events) - stored)
        raise DependencyUnavailable("the connection is being changed: retry")

    async def _read(self, connection_id: uuid.UUID) -> _Known | None:
        self._known.pop(connection_id, None)
        found = await self.inbox.connection(connection_id)
        if found is None:
            return None   # unknown ids are not remembered: a connection created later must work at once
        if self.sealer is None:
            raise RuntimeError("POS_CREDENTIALS_KEY is not configured")
        row, version = found
        known = _Known(row, version, open_connection(row, self.sealer, credentials=False))
        if len(self._known) >= CACHE_SIZE:
            self._known.pop(next(iter(self._known)))   # the oldest remembered
        self._known[connection_id] = known
        return known


class UnitOfWorkInbox:
    """The inbox over a unit of work (the repositories): what the unit tests' fakes and a caller
    without the async PostgreSQL adapter use. Its version is the fields a webhook is verified against."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self.uow = uow

    @staticmethod
    def _version(row: PosConnection) -> tuple:
        return (row.provider, row.active, row.external_merchant_id, row.webhook_notification_url,
                row.webhook_signature_key_sealed, row.deleted_at)

    async def connection(self, connection_id: uuid.UUID) -> tuple[PosConnection, object] | None:
        with self.uow() as work:
            row = work.connections.get(connection_id)
            return None if row is None else (row, self._version(row))

    async def store(self, connection: PosConnection, version: object, events: list[NewEvent]) -> int | None:
        with self.uow() as work:
            row = work.connections.get(connection.id)
            if row is None or self._version(row) != version:
                return None
            stored = sum(1 for event in events if work.inbound_events.add_if_new(InboundEvent(
                **{k: v for k, v in asdict(event).items() if v is not None})))
            work.commit()
        return stored

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def record_verification(self, connection_id: uuid.UUID, code: str, at: datetime) -> None:
        with self.uow() as work:
            row = work.connections.get(connection_id)
            if row is not None:
                row.webhook_verification_code, row.webhook_verification_at = code, at
                work.commit()


def receive_webhook(uow: UnitOfWorkFactory, sealer: Sealer, providers: Providers, provider: str,
                    connection_id: str, headers: Mapping[str, str], raw_body: bytes,
                    now: datetime | None = None) -> Received:
    """The receiving use case, synchronous and without a cache: for callers outside an event loop
    (tests that feed the processing side). The HTTP route uses a long-lived WebhookReceiver."""
    return asyncio.run(WebhookReceiver(UnitOfWorkInbox(uow), sealer, providers).receive(
        provider, connection_id, headers, raw_body, now))
