"""Clover and Toast inbound through the use cases, with the real adapters talking to the fake Clover
and fake Toast over HTTP (pos-bridge's own storage faked in memory): Clover's verification handshake
kept for the admin, the auth code, thin events fetched with credentials refreshed once (the single-use
refresh token stored before use), Toast's full-order events taken without a fetch, older updates
changing nothing, and polling reconciliation turning changed orders into the same events."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from chassis.errors import Unauthenticated
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.adapters.clover.provider import CloverProvider
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.adapters.toast.provider import ToastProvider
from pos_bridge.service_layer.connections import create_connection, get_connection, open_connection, set_webhook
from pos_bridge.service_layer.inbound import process_due_events, receive_webhook
from pos_bridge.service_layer.reconcile import poll_due_connections
from pos_bridge_fakes import FakeOrders, FakePosBridgeUnitOfWork, PlainSealer
from posfakes.clover.server import DEFAULT_MERCHANT, DEFAULT_TOKEN
from posfakes.toast.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_RESTAURANT, sign

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
AUTH_CODE = "clover-app-auth-code"
TOAST_SECRET = "toast-webhook-secret"
INTERVAL = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(UTC)


class World:
    def __init__(self, provider: str, url: str, credentials: dict, merchant: str, location: str) -> None:
        self.uow, self.sealer, self.orders = FakePosBridgeUnitOfWork(), PlainSealer(), FakeOrders()
        client = httpx.Client(timeout=5)
        self.providers = {"clover": CloverProvider(client, retry=RetryPolicy(attempts=2), sleep=lambda s: None),
                          "toast": ToastProvider(client, retry=RetryPolicy(attempts=2), sleep=lambda s: None)}
        self.provider = provider
        self.cid = str(create_connection(lambda: self.uow, self.sealer, ADMIN, {
            "provider": provider, "location_id": str(uuid.uuid4()), "external_merchant_id": merchant,
            "external_location_id": location, "api_base_url": url, "credentials": credentials}).connection_id)

    def hook(self, key: str) -> None:
        set_webhook(lambda: self.uow, self.sealer, ADMIN, self.cid, {
            "notification_url": f"https://aura.example/api/pos-bridge/v1/webhooks/{self.provider}/{self.cid}",
            "signature_key": key})

    def receive(self, headers: dict, body: bytes):
        return receive_webhook(lambda: self.uow, self.sealer, self.providers, self.provider, self.cid, headers, body, now())

    def process(self, at: datetime | None = None) -> int:
        return process_due_events(lambda: self.uow, self.sealer, self.providers, self.orders, at or now())

    def poll(self, at: datetime | None = None) -> int:
        return poll_due_connections(lambda: self.uow, self.sealer, self.providers, at or now(), INTERVAL)

    def held(self, order_id: str):
        return next((o for o in self.uow.pos_orders.rows if o.provider_order_id == order_id), None)

    def credentials(self) -> dict:
        return open_connection(self.uow.connections.rows[0], self.sealer).credentials


def clover_world(clover, **credentials) -> World:
    return World("clover", clover.url, {"access_token": DEFAULT_TOKEN} | credentials, DEFAULT_MERCHANT, DEFAULT_MERCHANT)


def clover_body(order_id: str, ts: int, merchant: str = DEFAULT_MERCHANT, kind: str = "UPDATE") -> bytes:
    return json.dumps({"appId": "APP", "merchants": {merchant: [
        {"objectId": f"O:{order_id}", "type": kind, "ts": ts}]}}).encode()


def test_clover_handshake_is_kept_for_the_admin_and_stores_no_event(clover):
    world = clover_world(clover)
    received = world.receive({"content-type": "application/json"}, b'{"verificationCode":"abc-123"}')
    assert received.verification and world.uow.inbound_events.rows == []
    shown = get_connection(lambda: world.uow, ADMIN, world.cid).as_json()
    assert shown["webhook"]["verification_code"] == "abc-123" and shown["webhook"]["verification_received_at"]
    world.hook(AUTH_CODE)
    with pytest.raises(Unauthenticated):   # after the handshake every event needs the auth code
        world.receive({"x-clover-auth": "wrong"}, clover_body("ORDER", 1))
    with pytest.raises(Unauthenticated):
        world.receive({}, clover_body("ORDER", 1))
    assert world.uow.inbound_events.rows == []


def test_clover_events_fetch_the_order_once_and_older_ones_change_nothing(clover):
    world = clover_world(clover)
    world.hook(AUTH_CODE)
    made = clover.create_order([{"name": "Fries", "price": 399, "quantity": 2}])
    body = clover_body(made["id"], made["modifiedTime"], kind="CREATE")
    assert [world.receive({"X-Clover-Auth": AUTH_CODE}, body).stored for _ in range(3)] == [1, 0, 0]
    other = clover_body("ELSEWHERE0001", 5, merchant="OTHERMERCHANT")   # another merchant of the app
    assert world.receive({"X-Clover-Auth": AUTH_CODE}, other).stored == 0
    world.process()
    held = world.held(made["id"])
    assert held.status == "created" and held.version == made["modifiedTime"] and len(world.orders.created) == 1
    newer = clover.update_order(made["id"], state="locked")
    world.receive({"X-Clover-Auth": AUTH_CODE}, clover_body(made["id"], newer["modifiedTime"]))
    world.process()
    assert held.version == newer["modifiedTime"] and held.state == "COMPLETED"
    fetches = sum(r["path"].endswith(made["id"]) for r in clover.requests)
    world.receive({"X-Clover-Auth": AUTH_CODE}, clover_body(made["id"], made["modifiedTime"] + 1))   # late, older
    world.process()
    assert world.uow.inbound_events.rows[-1].status == "stale" and held.version == newer["modifiedTime"]
    assert sum(r["path"].endswith(made["id"]) for r in clover.requests) == fetches   # no fetch for a stale one
    assert list(world.orders.created) == [("pos:clover", made["id"])]


def test_an_expiring_clover_token_is_refreshed_once_and_stored_before_use(clover):
    clover.add_refresh_token("rt-0", "app-client")
    world = clover_world(clover, access_token="about-to-expire", refresh_token="rt-0", client_id="app-client",
                         access_token_expiration=str(int(now().timestamp()) + 10))
    world.hook(AUTH_CODE)
    made = [clover.create_order([{"name": "Tea", "price": 250}]) for _ in range(3)]
    for order in made:
        world.receive({"X-Clover-Auth": AUTH_CODE}, clover_body(order["id"], order["modifiedTime"]))
    world.process()
    assert clover.refreshes == 1 and all(world.held(o["id"]).status == "created" for o in made)
    stored = world.credentials()
    assert stored["refresh_token"] != "rt-0" and stored["access_token"].startswith("clover-at-")
    assert world.uow.connections.locks >= 1


def test_a_refused_clover_token_is_refreshed_and_the_fetch_retried(clover):
    clover.add_refresh_token("rt-1", "app-client")
    world = clover_world(clover, access_token="revoked", refresh_token="rt-1", client_id="app-client")
    world.hook(AUTH_CODE)
    made = clover.create_order([{"name": "Tea", "price": 250}])
    world.receive({"X-Clover-Auth": AUTH_CODE}, clover_body(made["id"], made["modifiedTime"]))
    world.process()
    assert world.held(made["id"]).status == "created" and clover.refreshes == 1


def toast_world(toast) -> World:
    world = World("toast", toast.url, {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET},
                  "GROUP", DEFAULT_RESTAURANT)
    world.hook(TOAST_SECRET)
    return world


def toast_delivery(toast, guid: str, revision: int | None = None, event_guid: str | None = None) -> tuple[dict, bytes]:
    event = toast.order_event(guid, revision, event_guid)
    body = json.dumps(event).encode()
    return {"Toast-Signature": sign(TOAST_SECRET, body, event["timestamp"]),
            "Toast-Restaurant-External-ID": DEFAULT_RESTAURANT}, body


def test_toast_events_carry_the_order_and_an_older_one_changes_nothing(toast):
    world = toast_world(toast)
    made = toast.create_order([{"name": "Crab cakes", "price": 5.0, "quantity": 2}])
    headers, body = toast_delivery(toast, made["guid"], event_guid="evt-1")
    assert [world.receive(headers, body).stored for _ in range(3)] == [1, 0, 0]
    with pytest.raises(Unauthenticated):
        world.receive({"Toast-Signature": sign("nope", body, "")}, body)
    world.process()
    held = world.held(made["guid"])
    assert held.status == "created" and toast.logins == 0   # the full order came with the event: no API call
    toast.update_order(made["guid"], closed=True)
    world.receive(*toast_delivery(toast, made["guid"]))
    world.process()
    newest = held.version
    assert held.state == "COMPLETED"
    world.receive(*toast_delivery(toast, made["guid"], revision=0))   # the first version, delivered late
    world.process()
    assert world.uow.inbound_events.rows[-1].status == "stale" and held.version == newest
    assert held.state == "COMPLETED" and len(world.orders.created) == 1


def test_polling_finds_what_no_webhook_told(toast, clover):
    tw = toast_world(toast)
    lost = toast.create_order([{"name": "Tea", "price": 2.5}])
    assert tw.poll() == 1, tw.uow.connections.rows[0].last_poll_error
    assert tw.process() == 1, (tw.uow.connections.rows[0].last_poll_error, tw.uow.inbound_events.rows)
    assert tw.held(lost["guid"]).status == "created"
    row = tw.uow.connections.rows[0]
    assert row.poll_cursor and row.next_poll_at > now() and row.last_poll_error is None
    assert tw.poll() == 0   # not due again yet
    assert tw.poll(now() + INTERVAL * 2) == 1 and tw.process() == 0   # the same order again: stored once
    cw = clover_world(clover)
    quiet = clover.create_order([{"name": "Coffee", "price": 300}])
    cw.poll()
    cw.process()
    assert cw.held(quiet["id"]).status == "created" and ("pos:clover", quiet["id"]) in cw.orders.created


def test_a_failed_poll_is_recorded_and_retried_later(clover):
    world = clover_world(clover)
    clover.inject(503, count=5)
    world.poll()
    row = world.uow.connections.rows[0]
    assert "TRANSIENT" in row.last_poll_error and row.poll_cursor is None
    assert get_connection(lambda: world.uow, ADMIN, world.cid).as_json()["polling"]["last_error"]


def test_clover_lines_and_payments_follow_into_orders(clover):
    world = clover_world(clover)
    world.hook(AUTH_CODE)
    made = clover.create_order([{"name": "Fries", "price": 399, "quantity": 2}, {"name": "Shake", "price": 550}])
    world.receive({"X-Clover-Auth": AUTH_CODE}, clover_body(made["id"], made["modifiedTime"], kind="CREATE"))
    world.process()
    aura = world.held(made["id"]).aura_order_id
    fries, _, shake = made["lineItems"]["elements"]
    clover.add_line(made["id"], {"name": "Pie", "price": 425})
    clover.remove_line(made["id"], shake["id"])
    paid = clover.pay(made["id"], amount=1223, tip_amount=200)
    world.receive({"X-Clover-Auth": AUTH_CODE}, clover_body(made["id"], clover.orders[made["id"]]["modifiedTime"]))
    world.process()
    [(order_id, lines, voids)] = world.orders.line_calls
    assert order_id == aura and voids == [shake["id"]] and len(lines) == 1   # Pie (a new Clover line id)
    assert world.orders.lines[aura][lines[0]].name == "Pie" and fries["id"] not in lines
    (recorded_for, payment), = world.orders.payments.values()
    assert recorded_for == aura and payment["payment_id"] == paid["id"]
    assert (payment["amount_cents"], payment["tip_cents"], payment["tender"], payment["card_last4"]) == (
        1223, 200, "card", "1111")


def test_a_toast_order_paid_before_it_reaches_us_brings_its_payment_and_voids_follow(toast):
    world = toast_world(toast)
    made = toast.create_order([{"name": "Crab cakes", "price": 5.0, "quantity": 2}, {"name": "Soda", "price": 2.5}])
    toast.pay(made["guid"], amount=12.5, tip_amount=2.0, payment_type="CASH")
    world.receive(*toast_delivery(toast, made["guid"]))
    world.process()
    held = world.held(made["guid"])
    [(recorded_for, payment)] = world.orders.payments.values()
    assert recorded_for == held.aura_order_id and (payment["amount_cents"], payment["tip_cents"],
                                                   payment["tender"]) == (1250, 200, "cash")
    soda = made["checks"][0]["selections"][1]["guid"]
    toast.void_selection(made["guid"], soda)
    added = toast.add_selection(made["guid"], {"name": "Key lime pie", "price": 6.0})
    world.receive(*toast_delivery(toast, made["guid"]))
    world.process()
    pie = added["checks"][0]["selections"][-1]["guid"]
    assert world.orders.line_calls == [(held.aura_order_id, [pie], [soda])]
    world.receive(*toast_delivery(toast, made["guid"]))   # the same version again: nothing more
    world.process()
    assert len(world.orders.line_calls) == 1 and len(world.orders.payments) == 1
