"""Outbound webhooks against real PostgreSQL (migration 0003) and real HTTP: the repositories, the
sender's SKIP LOCKED queue, and the use cases on the real unit of work posting through the httpx
transport (connecting to the checked address, Host header kept) to a local receiver."""
from __future__ import annotations

import base64
import json
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pos_bridge
import pytest
from auraconnect.orders.v1 import events_pb2, orders_pb2
from chassis.crypto import Sealer
from chassis.events import EventEnvelope
from chassis.identity import Identity
from chassis.rbac import role_permissions
from devstack.testing import migrated_scratch_schema
from pos_bridge.adapters.orm_webhooks import WebhookDelivery, WebhookSubscription
from pos_bridge.adapters.unit_of_work import PosBridgeUnitOfWork
from pos_bridge.adapters.webhook_http import HttpxWebhookTransport, SystemResolver
from pos_bridge.domain.subscriptions import verify_signature
from pos_bridge.service_layer import deliveries, subscriptions
from pos_bridge.service_layer.webhook_ports import WebhookPolicy

pytestmark = pytest.mark.integration

MIGRATIONS = Path(pos_bridge.__file__).parent / "migrations"


@pytest.fixture(scope="module")
def pos_bridge_db(infra):
    with migrated_scratch_schema(infra, MIGRATIONS, "pos_bridge") as database:
        yield database


@pytest.fixture
def uow(pos_bridge_db):
    sessions, _ = pos_bridge_db
    return lambda: PosBridgeUnitOfWork(sessions, "/auraconnect/pos-bridge")


def subscription(tenant: uuid.UUID, **changes) -> WebhookSubscription:
    return WebhookSubscription(**{"id": uuid.uuid4(), "tenant_id": tenant, "url": "https://example.com/h",
                                  "event_types": ["*"], "description": "", "active": True,
                                  "secret_sealed": b"x", **changes})


def delivery(sub: WebhookSubscription, event_id: str, due: datetime | None = None) -> WebhookDelivery:
    return WebhookDelivery(id=uuid.uuid4(), tenant_id=sub.tenant_id, subscription_id=sub.id, event_id=event_id,
                           event_type="orders.order.placed", event={"id": event_id}, status="pending", attempts=0,
                           next_attempt_at=due)


def test_subscriptions_read_back_by_tenant_and_hide_deleted(uow):
    tenant = uuid.uuid4()
    with uow() as work:
        first, second = subscription(tenant, event_types=["orders.order.placed"]), subscription(tenant)
        work.webhook_subscriptions.add(first)
        work.webhook_subscriptions.add(second)
        work.webhook_subscriptions.add(subscription(uuid.uuid4()))
        second.deleted_at = datetime.now(UTC)
        work.commit()
    with uow() as work:
        rows = work.webhook_subscriptions.for_tenant(tenant)
        assert [r.id for r in rows] == [first.id] and rows[0].event_types == ["orders.order.placed"]
        assert work.webhook_subscriptions.get(second.id) is None


def test_a_delivery_is_stored_once_and_the_queue_skips_locked_rows(uow):
    sub = subscription(uuid.uuid4())
    past = datetime.now(UTC) - timedelta(seconds=5)
    with uow() as work:
        work.webhook_subscriptions.add(sub)
        assert work.webhook_deliveries.add_if_new(delivery(sub, "e1", past))
        assert not work.webhook_deliveries.add_if_new(delivery(sub, "e1", past))
        assert work.webhook_deliveries.add_if_new(delivery(sub, "e2", past + timedelta(seconds=1)))
        assert work.webhook_deliveries.add_if_new(delivery(sub, "e3", datetime.now(UTC) + timedelta(hours=1)))
        work.commit()
    now = datetime.now(UTC)
    with uow() as one, uow() as two:
        taken = one.webhook_deliveries.due(now, 1)
        assert [d.event_id for d in taken] == ["e1"]
        others = two.webhook_deliveries.due(now, 10)
        assert [d.event_id for d in others] == ["e2"]          # e1 locked, e3 not due
    with uow() as work:   # leave the shared queue empty for the next test
        for row in work.webhook_deliveries.for_subscription(sub.id, 10):
            row.status = "delivered"
        work.commit()


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                self.send_response(statuses.pop(0) if statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_use_cases_on_the_real_unit_of_work_post_signed_events(uow):
    receiver = Receiver([500])
    sealer = Sealer(base64.b64encode(os.urandom(32)).decode())
    tenant = str(uuid.uuid4())
    admin = Identity(subject="a", tenant_id=tenant, permissions=role_permissions("admin"))
    policy = WebhookPolicy(allow_private_targets=True, retry_base_seconds=0.01, retry_cap_seconds=0.01)
    resolver, transport = SystemResolver(), HttpxWebhookTransport()
    try:
        # "localhost" resolves here; the transport connects to the resolved address, Host stays as written.
        view, secret = subscriptions.create_subscription(
            uow, sealer, resolver, policy, admin,
            {"url": f"http://localhost:{receiver.port}/hook?x=1", "event_types": ["orders.order.placed"]})
        message = events_pb2.OrderPlaced(order=orders_pb2.Order(order_id="o1", tenant_id=tenant))
        envelope = EventEnvelope(str(uuid.uuid4()), "auraconnect.orders.v1.OrderPlaced", "/auraconnect/orders",
                                 datetime.now(UTC), "o1")
        with uow() as work:
            assert deliveries.record_event(work, message, envelope) == 1
            work.commit()
        with uow() as work:
            assert deliveries.record_event(work, message, envelope) == 0
            work.commit()

        clock = lambda: datetime.now(UTC)  # noqa: E731
        assert deliveries.send_due(uow, sealer, transport, resolver, policy, clock, limit=1) == 1
        import time

        time.sleep(0.05)
        assert deliveries.send_due(uow, sealer, transport, resolver, policy, clock, limit=1) == 1
        log = subscriptions.list_deliveries(uow, admin, str(view.subscription_id))
        assert log[0].status == "delivered" and [a.status_code for a in log[0].log] == [500, 200]
        request = receiver.requests[-1]
        assert request["path"] == "/hook?x=1" and request["headers"]["Host"] == f"localhost:{receiver.port}"
        now = int(datetime.now(UTC).timestamp())
        assert verify_signature(request["headers"]["AuraConnect-Signature"], secret, request["body"], now)
        assert json.loads(request["body"])["data"]["order"]["order_id"] == "o1"

        # The same target with the development setting off is refused at subscription time.
        with pytest.raises(Exception) as refused:
            subscriptions.create_subscription(uow, sealer, resolver, WebhookPolicy(), admin,
                                              {"url": f"https://localhost:{receiver.port}/", "event_types": ["*"]})
        assert getattr(refused.value, "field", None) == "url" and "public" in str(refused.value)
    finally:
        transport.close()
        receiver.server.shutdown()
        receiver.server.server_close()


def test_pruning_forgets_only_old_finished_deliveries_and_their_attempts(uow):
    from pos_bridge.adapters.orm_webhooks import WebhookAttempt
    from pos_bridge.service_layer.deliveries import prune_log

    sub = subscription(uuid.uuid4())
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=40), now - timedelta(days=1)
    future = now + timedelta(days=365)                     # never due: the other tests' senders leave them be
    rows = {"old-delivered": ("delivered", old, None), "old-dead": ("dead", None, old),
            "recent": ("delivered", recent, None), "old-pending": ("pending", None, None)}
    with uow() as work:
        work.webhook_subscriptions.add(sub)
        for event_id, (status, delivered_at, dead_at) in rows.items():
            row = delivery(sub, event_id, future)
            row.status, row.delivered_at, row.dead_at, row.created_at = status, delivered_at, dead_at, old
            work.webhook_deliveries.add_if_new(row)
            work.webhook_deliveries.add_attempt(WebhookAttempt(id=uuid.uuid4(), delivery_id=row.id, number=1,
                                                               status_code=500))
        work.commit()
    assert prune_log(uow, now - timedelta(days=30), batch=1) == 2
    with uow() as work:
        left = work.webhook_deliveries.for_subscription(sub.id, 10)
        assert sorted(d.event_id for d in left) == ["old-pending", "recent"]
        assert len(work.webhook_deliveries.attempts([d.id for d in left])) == 2
