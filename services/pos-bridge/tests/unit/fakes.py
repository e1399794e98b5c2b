"""In-memory stand-ins for pos-bridge's adapters: the unit of work, its repositories, a POS provider,
the orders service and a sealer.

They keep the real ones' contracts (test_wiring.py checks the method signatures)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chassis.uow import FakeUnitOfWork
from pos_bridge.adapters.orm import InboundEvent, PosConnection, PosOrder
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


class FakePosBridgeUnitOfWork(FakeUnitOfWork):
    """One instance plays every transaction of a test (pass `lambda: uow` as the factory)."""

    def __init__(self) -> None:
        super().__init__("/auraconnect/pos-bridge")
        self.connections = FakeConnectionRepository()
        self.inbound_events = FakeInboundEventRepository()
        self.pos_orders = FakePosOrderRepository()


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

    def create_order(self, identity, connection, order) -> str:
        self.calls += 1
        self.identities.append(identity)
        if self.failures:
            raise self.failures.pop(0)
        key = (f"pos:{connection.provider}", order.provider_order_id)
        return self.created.setdefault(key, str(uuid.uuid4()))


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
