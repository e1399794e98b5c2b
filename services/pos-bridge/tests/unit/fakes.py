"""In-memory stand-ins for pos-bridge's adapters: the unit of work, its repositories, a POS provider,
the orders service and a sealer.

They keep the real ones' contracts (test_wiring.py checks the method signatures)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chassis.uow import FakeUnitOfWork
from pos_bridge.adapters.orm import (
    ConnectionSync,
    InboundEvent,
    MenuLink,
    OutboundChange,
    PosConnection,
    PosOrder,
    SyncAudit,
    SyncReview,
)
from pos_bridge.domain.errors import ProviderError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FakeConnectionRepository:
    def __init__(self) -> None:
        self.rows: list[PosConnection] = []
        self.locks = 0   # how often a row lock was asked for

    def add(self, connection: PosConnection) -> None:
        connection.id = connection.id or uuid.uuid4()
        connection.created_at = connection.created_at or datetime.now(UTC)
        self.rows.append(connection)

    def get(self, connection_id: uuid.UUID, *, lock: bool = False) -> PosConnection | None:
        self.locks += lock
        return next((c for c in self.rows if c.id == connection_id and c.deleted_at is None), None)

    def claim_poll(self, providers: tuple[str, ...], now: datetime, lease_until: datetime) -> PosConnection | None:
        due = [c for c in self.rows if c.provider in providers and c.active and c.deleted_at is None
               and (c.next_poll_at is None or c.next_poll_at <= now)]
        if not due:
            return None
        due[0].next_poll_at = lease_until
        return due[0]

    def predecessors(self, connection: PosConnection) -> list[uuid.UUID]:
        same = [c for c in self.rows if c.deleted_at is not None and c.id != connection.id and all(
            getattr(c, k) == getattr(connection, k) for k in (
                "tenant_id", "location_id", "provider", "external_merchant_id", "external_location_id"))]
        return [c.id for c in sorted(same, key=lambda c: c.deleted_at, reverse=True)]

    def for_tenant(self, tenant_id: uuid.UUID, location_id: uuid.UUID | None = None) -> list[PosConnection]:
        return [c for c in self.rows if c.tenant_id == tenant_id and c.deleted_at is None
                and (location_id is None or c.location_id == location_id)]


class FakeInboundEventRepository:
    def __init__(self) -> None:
        self.rows: list[InboundEvent] = []

    def add_if_new(self, event: InboundEvent) -> bool:
        if any(e.connection_id == event.connection_id and e.provider_event_id == event.provider_event_id
               for e in self.rows):
            return False
        event.id = event.id or uuid.uuid4()
        event.status = event.status or "received"
        event.attempts = event.attempts or 0
        event.next_attempt_at = event.next_attempt_at or EPOCH
        event.received_at = event.received_at or datetime.now(UTC)
        self.rows.append(event)
        return True

    def due(self, now: datetime, limit: int) -> list[InboundEvent]:
        return [e for e in self.rows if e.status == "received" and e.next_attempt_at <= now][:limit]

    def for_connection(self, connection_id: uuid.UUID) -> list[InboundEvent]:
        return [e for e in self.rows if e.connection_id == connection_id]


class FakePosOrderRepository:
    def __init__(self) -> None:
        self.rows: list[PosOrder] = []

    def get(self, connection_id: uuid.UUID, provider_order_id: str, *, lock: bool = False) -> PosOrder | None:
        return next((o for o in self.rows if o.connection_id == connection_id
                     and o.provider_order_id == provider_order_id), None)

    def add(self, order: PosOrder) -> None:
        order.id = order.id or uuid.uuid4()
        self.rows.append(order)

    def for_connection(self, connection_id: uuid.UUID) -> list[PosOrder]:
        return [o for o in self.rows if o.connection_id == connection_id]


class FakeOutboundChangeRepository:
    def __init__(self) -> None:
        self.rows: list[OutboundChange] = []

    def add_if_new(self, change: OutboundChange) -> bool:
        if any(c.connection_id == change.connection_id and c.source_event_id == change.source_event_id
               for c in self.rows):
            return False
        change.id = change.id or uuid.uuid4()
        change.seq = len(self.rows) + 1
        change.status = change.status or "queued"
        change.attempts = change.attempts or 0
        change.next_attempt_at = change.next_attempt_at or EPOCH
        change.created_at = change.created_at or datetime.now(UTC)
        self.rows.append(change)
        return True

    def due_heads(self, now: datetime, limit: int) -> list[OutboundChange]:
        heads: dict[tuple, OutboundChange] = {}
        for change in sorted(self.rows, key=lambda c: c.seq):
            if change.status == "queued":
                heads.setdefault((change.connection_id, change.object_ref), change)
        return sorted((c for c in heads.values() if c.next_attempt_at <= now), key=lambda c: c.seq)[:limit]

    def for_connection(self, connection_id: uuid.UUID, limit: int = 200) -> list[OutboundChange]:
        return sorted((c for c in self.rows if c.connection_id == connection_id), key=lambda c: -c.seq)[:limit]

    def counts(self, connection_id: uuid.UUID) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.rows:
            if change.connection_id == connection_id:
                counts[change.status] = counts.get(change.status, 0) + 1
        return counts

    def oldest_queued_at(self, connection_id: uuid.UUID) -> datetime | None:
        return min((c.created_at for c in self.rows if c.connection_id == connection_id and c.status == "queued"),
                   default=None)


class FakeConnectionSyncRepository:
    def __init__(self, connections: FakeConnectionRepository) -> None:
        self.rows: dict[uuid.UUID, ConnectionSync] = {}
        self.connections = connections

    def get(self, connection_id: uuid.UUID, *, lock: bool = False) -> ConnectionSync | None:
        if lock and connection_id not in self.rows:
            self.rows[connection_id] = ConnectionSync(connection_id=connection_id, circuit_state="closed",
                                                      consecutive_failures=0, circuit_openings=0)
        return self.rows.get(connection_id)

    def due_menu_pulls(self, pulled_before: datetime, limit: int) -> list[uuid.UUID]:
        due = []
        for c in self.connections.rows:
            state = self.rows.get(c.id)
            if c.active and c.deleted_at is None and (
                    state is None or state.last_menu_pull_at is None or state.last_menu_pull_at < pulled_before):
                due.append(c.id)
        return due[:limit]


class FakeMenuLinkRepository:
    def __init__(self) -> None:
        self.rows: list[MenuLink] = []

    def get(self, connection_id: uuid.UUID, pos_item_id: str) -> MenuLink | None:
        return next((m for m in self.rows if m.connection_id == connection_id and m.pos_item_id == pos_item_id), None)

    def for_aura_item(self, tenant_id: uuid.UUID, aura_item_id: str) -> list[MenuLink]:
        return [m for m in self.rows if m.tenant_id == tenant_id and m.aura_item_id == aura_item_id]

    def add(self, link: MenuLink) -> None:
        link.id = link.id or uuid.uuid4()
        self.rows.append(link)


class FakeSyncAuditRepository:
    def __init__(self) -> None:
        self.rows: list[SyncAudit] = []

    def add(self, entry: SyncAudit) -> None:
        entry.id = entry.id or uuid.uuid4()
        entry.at = entry.at or datetime.now(UTC)
        self.rows.append(entry)

    def for_connection(self, connection_id: uuid.UUID, limit: int = 500) -> list[SyncAudit]:
        return [a for a in reversed(self.rows) if a.connection_id == connection_id][:limit]


class FakeSyncReviewRepository:
    def __init__(self) -> None:
        self.rows: list[SyncReview] = []

    def add(self, review: SyncReview) -> None:
        review.id = review.id or uuid.uuid4()
        review.status = review.status or "open"
        self.rows.append(review)

    def get(self, review_id: uuid.UUID, *, lock: bool = False) -> SyncReview | None:
        return next((r for r in self.rows if r.id == review_id), None)

    def open_for(self, connection_id: uuid.UUID, object_ref: str, field: str) -> SyncReview | None:
        return next((r for r in self.rows if r.connection_id == connection_id and r.object_ref == object_ref
                     and r.field == field and r.status == "open"), None)

    def for_connection(self, connection_id: uuid.UUID, status: str | None = None) -> list[SyncReview]:
        return [r for r in self.rows if r.connection_id == connection_id and (status is None or r.status == status)]


class FakePosOrderLinkRepository:
    def __init__(self, orders: FakePosOrderRepository) -> None:
        self.orders = orders

    def by_aura_order(self, aura_order_id: str):
        return next((o for o in self.orders.rows if o.aura_order_id == aura_order_id), None)


class FakePosBridgeUnitOfWork(FakeUnitOfWork):
    """One instance plays every transaction of a test (pass `lambda: uow` as the factory)."""

    def __init__(self) -> None:
        super().__init__("/auraconnect/pos-bridge")
        self.connections = FakeConnectionRepository()
        self.inbound_events = FakeInboundEventRepository()
        self.pos_orders = FakePosOrderRepository()
        self.outbound = FakeOutboundChangeRepository()
        self.sync_state = FakeConnectionSyncRepository(self.connections)
        self.menu_links = FakeMenuLinkRepository()
        self.sync_audit = FakeSyncAuditRepository()
        self.sync_reviews = FakeSyncReviewRepository()
        self.pos_order_links = FakePosOrderLinkRepository(self.pos_orders)


class PlainSealer:
    """Reversible and row-bound like the AES-GCM one, readable in a test's failure output."""

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        return b"sealed|" + associated_data + b"|" + plaintext[::-1]

    def open(self, sealed: bytes, associated_data: bytes) -> bytes:
        prefix = b"sealed|" + associated_data + b"|"
        if not sealed.startswith(prefix):
            raise ValueError("sealed for another row")
        return sealed[len(prefix):][::-1]


class FakeOrders:
    """The orders service's CreateOrder: idempotent by channel + external id, like the real one."""

    def __init__(self) -> None:
        self.created: dict[tuple[str, str], str] = {}
        self.calls = 0
        self.identities: list = []
        self.failures: list[Exception] = []   # raised, one per call, before anything is created
        self.statuses: list[tuple[str, str, str]] = []   # update_status calls
        self.payments: dict[str, tuple[str, dict]] = {}   # record_payment: POS payment id -> (order, payment)
        self.lines: dict[str, dict[str, object]] = {}   # apply_line_changes: order -> POS line id -> active line
        self.line_calls: list[tuple[str, list[str], list[str]]] = []   # (order, line ids, void ids)

    def create_order(self, identity, connection, order) -> str:
        self.calls += 1
        self.identities.append(identity)
        if self.failures:
            raise self.failures.pop(0)
        key = (f"pos:{connection.provider}", order.provider_order_id)
        return self.created.setdefault(key, str(uuid.uuid4()))

    def record_payment(self, identity, order_id: str, payment: dict) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.payments.setdefault(payment["payment_id"], (order_id, payment))   # idempotent by the POS id

    def apply_line_changes(self, identity, order_id: str, lines, void_ids: list[str], reason: str) -> dict:
        """Like ApplyExternalOrderChange: idempotent by the POS line ids (equal lines change nothing)."""
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.line_calls.append((order_id, [line.id for line in lines], list(void_ids)))
        active = self.lines.setdefault(order_id, {})
        voided = [i for i in void_ids if active.pop(i, None) is not None]
        unmatched = [i for i in void_ids if i not in voided]
        added = []
        for line in lines:
            if active.get(line.id) != line:
                if line.id in active:
                    voided.append(line.id)
                active[line.id] = line
                added.append(line.id)
        return {"added": added, "voided": voided, "unmatched": unmatched}

    def update_status(self, identity, order_id: str, status: str, reason: str) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.statuses.append((order_id, status, reason))


class FakeProvider:
    """A POS whose orders a test sets; webhooks 'signed' with the connection's signature key verbatim."""

    name = "square"

    def __init__(self) -> None:
        self.orders: dict[str, object] = {}
        self.fetches: list[str] = []
        self.failures: list[ProviderError] = []

    def connect(self, connection) -> None:
        return None

    def credentials_due(self, connection, now) -> bool:
        return False

    def refresh_credentials(self, connection) -> dict:
        return dict(connection.credentials)

    def webhook_handshake(self, headers, raw_body):
        return None

    def pull_menu(self, connection, cursor=None):
        raise NotImplementedError

    def push_menu_change(self, connection, change) -> None:
        raise NotImplementedError

    def fetch_order(self, connection, order_id):
        self.fetches.append(order_id)
        if self.failures:
            raise self.failures.pop(0)
        return self.orders[order_id]

    def push_order_status(self, connection, order_id, state, expected_version, idempotency_key):
        raise NotImplementedError

    def list_changes(self, connection, since_cursor):
        raise NotImplementedError

    def verify_webhook(self, connection, headers, raw_body) -> bool:
        return headers.get("x-test-signature") == connection.signature_key

    def parse_webhook(self, headers, raw_body):
        import json

        from pos_bridge.adapters.square.mapping import event_from_square

        return [event_from_square(json.loads(raw_body))]
