"""Outbound webhooks' use cases and REST API on fakes: subscriptions (secret once, rotation with an
overlap, refused targets), the consumer handler making deliveries, the sender's retries, dead letters
and replay, the delivery log."""
from __future__ import annotations

import inspect
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from auraconnect.orders.v1 import events_pb2, orders_pb2
from auraconnect.payroll.v1 import events_pb2 as payroll_events
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.events import EventEnvelope
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from pos_bridge.adapters.orm_webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription
from pos_bridge.adapters.webhook_repositories import WebhookDeliveryRepository, WebhookSubscriptionRepository
from pos_bridge.domain.subscriptions import PostResult, verify_signature
from pos_bridge.service_layer import deliveries, subscriptions
from pos_bridge.service_layer.webhook_ports import WebhookPolicy
from pos_bridge_fakes import FakePosBridgeUnitOfWork, PlainSealer

TENANT = str(uuid.uuid4())
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
PUBLIC_URL = "https://hooks.integrator.example/aura"


# ---- fakes of the webhook adapters (same contracts as the real ones: checked below) ----

class FakeSubscriptionRepository:
    def __init__(self) -> None:
        self.rows: list[WebhookSubscription] = []

    def add(self, subscription: WebhookSubscription) -> None:
        subscription.created_at = subscription.created_at or T0
        self.rows.append(subscription)

    def get(self, subscription_id: uuid.UUID) -> WebhookSubscription | None:
        return next((s for s in self.rows if s.id == subscription_id and s.deleted_at is None), None)

    def for_tenant(self, tenant_id: uuid.UUID) -> list[WebhookSubscription]:
        return [s for s in self.rows if s.tenant_id == tenant_id and s.deleted_at is None]


class FakeDeliveryRepository:
    def __init__(self, clock) -> None:
        self.rows: list[WebhookDelivery] = []
        self.attempt_rows: list[WebhookAttempt] = []
        self.clock = clock

    def add_if_new(self, delivery: WebhookDelivery) -> bool:
        if any(d.subscription_id == delivery.subscription_id and d.event_id == delivery.event_id for d in self.rows):
            return False
        now = self.clock()
        delivery.created_at = delivery.created_at or now
        delivery.next_attempt_at = delivery.next_attempt_at or now
        delivery.retry_window_start = delivery.retry_window_start or now
        self.rows.append(delivery)
        return True

    def get(self, delivery_id: uuid.UUID, *, lock: bool = False) -> WebhookDelivery | None:
        return next((d for d in self.rows if d.id == delivery_id), None)

    def due(self, now: datetime, limit: int) -> list[WebhookDelivery]:
        due = [d for d in self.rows if d.status == "pending" and d.next_attempt_at <= now]
        return sorted(due, key=lambda d: d.next_attempt_at)[:limit]

    def for_subscription(self, subscription_id: uuid.UUID, limit: int) -> list[WebhookDelivery]:
        return [d for d in reversed(self.rows) if d.subscription_id == subscription_id][:limit]

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.attempt_rows.append(attempt)

    def attempts(self, delivery_ids: list[uuid.UUID]) -> list[WebhookAttempt]:
        return [a for a in self.attempt_rows if a.delivery_id in delivery_ids]

    def prune(self, finished_before: datetime, limit: int) -> int:
        gone = [d for d in self.rows if d.status != "pending"
                and ((d.delivered_at or d.dead_at) < finished_before)][:limit]
        self.rows = [d for d in self.rows if d not in gone]
        self.attempt_rows = [a for a in self.attempt_rows if a.delivery_id not in {d.id for d in gone}]
        return len(gone)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Uow(FakePosBridgeUnitOfWork):
    def __init__(self, clock) -> None:
        super().__init__()
        self.webhook_subscriptions = FakeSubscriptionRepository()
        self.webhook_deliveries = FakeDeliveryRepository(clock)


class FakeResolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    def resolve(self, host: str, port: int) -> list[str]:
        return list(self.table.get(host, []))


class FakeTransport:
    """Answers with the queued status codes (200 once they run out) and keeps every request."""

    def __init__(self, statuses=()) -> None:
        self.statuses = list(statuses)
        self.posts: list[dict] = []

    def post(self, url, address, body, headers, timeout) -> PostResult:
        self.posts.append({"url": url, "address": address, "body": body, "headers": headers, "timeout": timeout})
        return PostResult(self.statuses.pop(0) if self.statuses else 200, 12)


def public_methods(cls) -> dict:
    return {n: inspect.signature(f) for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}


def test_the_fakes_keep_the_real_contracts():
    assert public_methods(FakeSubscriptionRepository) == public_methods(WebhookSubscriptionRepository)
    assert public_methods(FakeDeliveryRepository) == public_methods(WebhookDeliveryRepository)
    from pos_bridge.adapters.webhook_http import HttpxWebhookTransport, SystemResolver

    def names(cls, method):
        return list(public_methods(cls)[method].parameters)

    assert names(FakeTransport, "post") == names(HttpxWebhookTransport, "post")
    assert names(FakeResolver, "resolve") == names(SystemResolver, "resolve")


# ---- fixtures ----

def admin(tenant: str = TENANT) -> Identity:
    return Identity(subject=str(uuid.uuid4()), tenant_id=tenant, permissions=role_permissions("admin"))


@pytest.fixture
def world():
    clock = Clock()
    uow = Uow(clock)
    resolver = FakeResolver({"hooks.integrator.example": ["93.184.216.34"],
                             "rebind.example": ["93.184.216.35"], "internal.example": ["10.0.0.5"],
                             "sneaky.example": ["93.184.216.36", "127.0.0.1"]})
    return {"clock": clock, "uow": uow, "factory": lambda: uow, "sealer": PlainSealer(), "resolver": resolver,
            "transport": FakeTransport(), "outcomes": [], "policy": WebhookPolicy(retry_base_seconds=10, retry_cap_seconds=600)}


def subscribe(world, url=PUBLIC_URL, types=("orders.order.placed",), identity=None, policy=None):
    return subscriptions.create_subscription(world["factory"], world["sealer"], world["resolver"],
                                             policy or world["policy"], identity or admin(),
                                             {"url": url, "event_types": list(types), "description": "erp"})


def order_placed(tenant: str = TENANT) -> tuple[events_pb2.OrderPlaced, EventEnvelope]:
    message = events_pb2.OrderPlaced(order=orders_pb2.Order(order_id="o-1", tenant_id=tenant, total_cents=1234))
    envelope = EventEnvelope(str(uuid.uuid4()), "auraconnect.orders.v1.OrderPlaced", "/auraconnect/orders", T0, "o-1")
    return message, envelope


def send(world) -> int:
    return deliveries.send_due(world["factory"], world["sealer"], world["transport"], world["resolver"],
                               world["policy"], world["clock"], observe=world["outcomes"].append)


# ---- subscriptions ----

def test_the_secret_is_returned_once_and_sealed(world):
    view, secret = subscribe(world)
    assert secret.startswith("whsec_") and len(secret) > 30
    row = world["uow"].webhook_subscriptions.rows[0]
    assert secret.encode() not in row.secret_sealed
    assert secret not in json.dumps(view.as_json())
    listed = subscriptions.list_subscriptions(world["factory"], admin())
    assert secret not in json.dumps([s.as_json() for s in listed])


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://[::1]/x", "http://169.254.169.254/latest",
                                 "https://internal.example/x", "https://sneaky.example/x", "http://nowhere.example/",
                                 "http://[::ffff:10.0.0.1]/", "gopher://hooks.integrator.example/",
                                 "http://hooks.integrator.example/aura"])
def test_internal_targets_are_refused_naming_url(world, url):
    with pytest.raises(InvalidInput) as raised:
        subscribe(world, url=url)
    assert raised.value.field == "url"
    assert world["uow"].webhook_subscriptions.rows == []


def test_the_development_setting_allows_local_targets(world):
    view, _ = subscribe(world, url="http://127.0.0.1:9/hook", policy=WebhookPolicy(allow_private_targets=True))
    assert view.url == "http://127.0.0.1:9/hook"


def test_only_admins_subscribe_and_tenants_are_apart(world):
    manager = Identity(subject="m", tenant_id=TENANT, permissions=role_permissions("manager"))
    with pytest.raises(PermissionDenied):
        subscribe(world, identity=manager)
    view, _ = subscribe(world)
    assert [s.subscription_id for s in subscriptions.list_subscriptions(world["factory"], manager)] == [
        view.subscription_id]
    other = admin(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        subscriptions.get_subscription(world["factory"], other, str(view.subscription_id))
    assert subscriptions.list_subscriptions(world["factory"], other) == []


def test_update_checks_each_field(world):
    view, _ = subscribe(world)
    sid = str(view.subscription_id)
    for body, field in (({"url": "http://10.0.0.1/"}, "url"), ({"event_types": ["x"]}, "event_types"),
                        ({"active": "no"}, "active"), ({"secret": "mine"}, "secret")):
        with pytest.raises(InvalidInput) as raised:
            subscriptions.update_subscription(world["factory"], world["resolver"], world["policy"], admin(), sid, body)
        assert raised.value.field == field
    changed = subscriptions.update_subscription(world["factory"], world["resolver"], world["policy"], admin(), sid,
                                                {"event_types": ["*"], "active": False})
    assert changed.event_types == ("*",) and not changed.active


# ---- deliveries ----

def test_an_event_becomes_one_delivery_per_matching_subscription(world):
    subscribe(world, types=["orders.order.placed"])
    subscribe(world, types=["*"])
    subscribe(world, types=["orders.order.closed"])
    subscribe(world, identity=admin(str(uuid.uuid4())))               # another tenant's
    message, envelope = order_placed()
    uow = world["uow"]
    assert deliveries.record_event(uow, message, envelope) == 2
    assert deliveries.record_event(uow, message, envelope) == 0        # a redelivered Kafka event
    first = uow.webhook_deliveries.rows[0]
    assert first.event["type"] == "orders.order.placed" and first.event["specversion"] == "1.0"
    assert first.event["data"]["order"]["total_cents"] == "1234"       # protobuf JSON: int64 as a string
    assert first.event["subject"] == "o-1" and first.event["source"] == "/auraconnect/orders"


def test_paychecks_go_out_without_the_ssn_digits(world):
    subscribe(world, types=["payroll.paycheck.finalized"])
    message = payroll_events.PaycheckFinalized(tenant_id=TENANT, paycheck_id="p1", ssn_last4="1234")
    envelope = EventEnvelope("e1", "auraconnect.payroll.v1.PaycheckFinalized", "/auraconnect/payroll", T0)
    deliveries.record_event(world["uow"], message, envelope)
    data = world["uow"].webhook_deliveries.rows[0].event["data"]
    assert data["paycheck_id"] == "p1" and "ssn_last4" not in data


def test_a_delivery_is_signed_and_delivered(world):
    _, secret = subscribe(world)
    deliveries.record_event(world["uow"], *order_placed())
    assert send(world) == 1
    post = world["transport"].posts[0]
    assert post["address"] == "93.184.216.34" and post["url"] == PUBLIC_URL
    header = post["headers"]["AuraConnect-Signature"]
    assert verify_signature(header, secret, post["body"], now=int(T0.timestamp()))
    assert json.loads(post["body"])["type"] == "orders.order.placed"
    delivery = world["uow"].webhook_deliveries.rows[0]
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert send(world) == 0


def test_failures_retry_with_backoff_then_succeed_and_the_log_keeps_each_attempt(world):
    view, _ = subscribe(world)
    world["transport"].statuses = [500, 503, 404]
    deliveries.record_event(world["uow"], *order_placed())
    clock = world["clock"]
    for _ in range(4):
        assert send(world) == 1
        clock.now = world["uow"].webhook_deliveries.rows[0].next_attempt_at or clock.now
    log = subscriptions.list_deliveries(world["factory"], admin(), str(view.subscription_id))
    assert log[0].status == "delivered"
    assert [a.status_code for a in log[0].log] == [500, 503, 404, 200]
    assert world["outcomes"] == ["pending", "pending", "pending", "delivered"]   # what the metric counts
    assert all(a.latency_ms is not None for a in log[0].log)


def test_three_days_of_failures_dead_letter_and_a_replay_delivers(world):
    view, _ = subscribe(world)
    world["transport"].statuses = [500] * 10_000
    deliveries.record_event(world["uow"], *order_placed())
    delivery = world["uow"].webhook_deliveries.rows[0]
    clock = world["clock"]
    while delivery.status == "pending":
        clock.now = delivery.next_attempt_at
        send(world)
    assert delivery.status == "dead" and delivery.dead_at <= T0 + timedelta(days=3)
    assert delivery.attempts > 10
    sid, did = str(view.subscription_id), str(delivery.id)
    world["transport"].statuses = []
    replayed = subscriptions.replay_delivery(world["factory"], admin(), sid, did, clock.now)
    assert replayed.status == "pending"
    send(world)
    assert delivery.status == "delivered"
    with pytest.raises(Conflict):
        subscriptions.replay_delivery(world["factory"], admin(), sid, did, clock.now)


def test_a_rotated_secret_signs_with_both_during_the_overlap(world):
    view, old = subscribe(world)
    sid = str(view.subscription_id)
    rotated, new = subscriptions.rotate_secret(world["factory"], world["sealer"], world["policy"], admin(), sid,
                                               world["clock"]())
    assert new != old and rotated.previous_secret_expires_at == T0 + timedelta(hours=24)
    subscriptions.send_test(world["factory"], admin(), sid, world["clock"]())
    send(world)
    post = world["transport"].posts[-1]
    now = int(T0.timestamp())
    assert json.loads(post["body"])["type"] == "webhooks.ping"
    assert verify_signature(post["headers"]["AuraConnect-Signature"], new, post["body"], now)
    assert verify_signature(post["headers"]["AuraConnect-Signature"], old, post["body"], now)
    world["clock"].now = T0 + timedelta(hours=25)
    subscriptions.send_test(world["factory"], admin(), sid, world["clock"]())
    send(world)
    header = world["transport"].posts[-1]["headers"]["AuraConnect-Signature"]
    assert header.count("v1=") == 1


def test_a_name_rebound_to_an_internal_address_is_refused_at_delivery(world):
    subscribe(world, url="https://rebind.example/hook")
    world["resolver"].table["rebind.example"] = ["127.0.0.1"]          # DNS rebinding after the check
    deliveries.record_event(world["uow"], *order_placed())
    send(world)
    delivery = world["uow"].webhook_deliveries.rows[0]
    assert world["transport"].posts == []
    assert delivery.status == "pending" and "non-public" in delivery.last_error
    assert world["uow"].webhook_deliveries.attempt_rows[0].status_code is None


def test_deleted_or_paused_subscriptions_get_nothing_more(world):
    view, _ = subscribe(world)
    deliveries.record_event(world["uow"], *order_placed())
    subscriptions.delete_subscription(world["factory"], admin(), str(view.subscription_id), T0)
    send(world)
    assert world["transport"].posts == [] and world["uow"].webhook_deliveries.rows[0].status == "dead"


# ---- REST over fakes ----

def rest(world):
    import warnings

    from pos_bridge.bootstrap import bootstrap
    from pos_bridge.config import Settings
    from pos_bridge.entrypoints.http_api import build_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    config = Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="pos_bridge")
    container = bootstrap(config, uow=world["factory"], sealer=world["sealer"], clock=world["clock"],
                          webhook_transport=world["transport"], resolver=world["resolver"])
    return TestClient(build_app(container))


def test_the_rest_api(world):
    client = rest(world)
    headers = {"Authorization": bearer_for_tests(admin(), "pos-bridge")}
    base = "/api/pos-bridge/v1/webhook-subscriptions"
    bad = client.post(base, json={"url": "http://127.0.0.1/x", "event_types": ["*"]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "url"
    made = client.post(base, json={"url": PUBLIC_URL, "event_types": ["orders.order.placed"]}, headers=headers)
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]["value"]
    sid = made.json()["subscription_id"]
    got = client.get(f"{base}/{sid}", headers=headers)
    assert got.status_code == 200 and secret not in got.text
    rotated = client.post(f"{base}/{sid}:rotate-secret", headers=headers)
    assert rotated.status_code == 200 and rotated.json()["secret"]["value"] != secret
    assert client.post(f"{base}/{sid}:test", headers=headers).status_code == 202
    send(world)
    log = client.get(f"{base}/{sid}/deliveries", headers=headers).json()["deliveries"]
    assert log[0]["status"] == "delivered" and log[0]["log"][0]["status_code"] == 200
    replay = client.post(f"{base}/{sid}/deliveries/{log[0]['delivery_id']}:replay", headers=headers)
    assert replay.status_code == 409
    assert client.patch(f"{base}/{sid}", json={"description": "x" * 600}, headers=headers).status_code == 422
    assert client.get(f"{base}/not-a-uuid", headers=headers).status_code == 422
    assert client.delete(f"{base}/{sid}", headers=headers).status_code == 204
    assert client.get(f"{base}/{sid}", headers=headers).status_code == 404
    types = client.get("/api/pos-bridge/v1/webhook-event-types", headers=headers).json()
    assert "orders.order.placed" in [t["type"] for t in types["event_types"]]


def test_a_secret_that_will_not_open_fails_the_attempt_not_the_sender(world):
    subscribe(world)
    world["uow"].webhook_subscriptions.rows[0].secret_sealed = b"garbage"
    deliveries.record_event(world["uow"], *order_placed())
    assert send(world) == 1
    delivery = world["uow"].webhook_deliveries.rows[0]
    assert delivery.status == "pending" and "cannot be opened" in delivery.last_error
    assert delivery.attempts == 1


def test_the_log_forgets_finished_deliveries_after_the_retention_only(world):
    subscribe(world)
    world["transport"].statuses = [500]
    deliveries.record_event(world["uow"], *order_placed())
    send(world)                                                   # failed once: pending
    subscriptions.send_test(world["factory"], admin(), str(world["uow"].webhook_subscriptions.rows[0].id), T0)
    send(world)                                                   # the ping: delivered at T0
    assert deliveries.prune_log(world["factory"], T0) == 0
    assert deliveries.prune_log(world["factory"], T0 + timedelta(days=31)) == 1
    assert [d.status for d in world["uow"].webhook_deliveries.rows] == ["pending"]
