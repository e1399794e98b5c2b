"""A Square order reaches pos-bridge through the gateway: the fake Square (a real HTTP server) signs and
sends a webhook to Envoy, pos-bridge verifies and stores it, acknowledges, fetches the full order from
the fake asynchronously, records it and places it in orders (gRPC CreateOrder, channel pos:square, the
POS's prices). Duplicates store one event and make one order, a bad signature stores nothing, an older
update changes nothing."""
from __future__ import annotations

import json
import uuid

import httpx
import pytest
from posfakes.square.server import DEFAULT_TOKEN

from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e

SIGNATURE_KEY = "e2e-square-signature-key"
SQUARE_LOCATION = "LE2ESQUARE01"


@pytest.fixture
def connection(admin, platform, gateway, square) -> str:
    made = admin.post("/api/pos-bridge/v1/connections", json={
        "provider": "square", "location_id": platform.demo["location_id"], "external_merchant_id": "ME2E",
        "external_location_id": SQUARE_LOCATION, "api_base_url": square.url,
        "credentials": {"access_token": DEFAULT_TOKEN}})
    assert made.status_code == 201, made.text
    assert DEFAULT_TOKEN not in made.text
    connection_id = made.json()["connection_id"]
    url = f"{gateway}/api/pos-bridge/v1/webhooks/square/{connection_id}"
    hooked = admin.put(f"/api/pos-bridge/v1/connections/{connection_id}/webhook",
                       json={"notification_url": url, "signature_key": SIGNATURE_KEY})
    assert hooked.status_code == 200 and SIGNATURE_KEY not in hooked.text
    square.subscribe(url, SIGNATURE_KEY)
    yield connection_id
    admin.delete(f"/api/pos-bridge/v1/connections/{connection_id}")


def events(admin, connection_id: str) -> list[dict]:
    return admin.get(f"/api/pos-bridge/v1/connections/{connection_id}/events").json()["events"]


def held(admin, connection_id: str, order_id: str) -> dict | None:
    orders = admin.get(f"/api/pos-bridge/v1/connections/{connection_id}/orders").json()["orders"]
    return next((o for o in orders if o["provider_order_id"] == order_id), None)


def test_a_square_order_arrives_once_verified_and_newest_first(admin, gateway, square, connection):
    # A sale on the POS: Square sends a thin, signed order.created; the bridge acknowledges it.
    order = square.create_order(SQUARE_LOCATION, reference_id="table-12")
    sent = square.notify(order["id"], "order.created", event_id="evt-created-1")
    assert sent["deliveries"] == [200]
    got = eventually(lambda: (o := held(admin, connection, order["id"])) and o["version"] == 1 and o)
    assert got["status"] == "created" and got["state"] == "OPEN"
    assert got["order"]["external_ref"] == "table-12" and got["order"]["totals"]["total"]["minor"] == 6176
    fetches = [r for r in square.requests if r["path"] == f"/v2/orders/{order['id']}"]
    assert fetches and fetches[0]["headers"]["square-version"] == "2025-08-20"

    # The same webhook ten times (Square retries): one event.
    again = square.notify(order["id"], "order.created", event_id="evt-created-1", times=10)
    assert again["deliveries"] == [200] * 10
    assert [e["provider_event_id"] for e in events(admin, connection)].count("evt-created-1") == 1

    # A bad signature: 401 and nothing stored.
    before = len(events(admin, connection))
    forged = square.notify(order["id"], "order.updated", bad_signature=True)
    assert forged["deliveries"] == [401]
    assert len(events(admin, connection)) == before

    # Two updates on the POS; the newest arrives, then the older one late: it changes nothing.
    square.update_order(order["id"])
    square.update_order(order["id"], state="COMPLETED")
    square.notify(order["id"], "order.updated", event_id="evt-v3")
    eventually(lambda: (o := held(admin, connection, order["id"])) and o["version"] == 3)
    square.notify(order["id"], "order.updated", version=2, event_id="evt-v2-late")
    late = eventually(lambda: next((e for e in events(admin, connection)
                                    if e["provider_event_id"] == "evt-v2-late" and e["status"] != "received"), None))
    assert late["status"] == "stale"
    final = held(admin, connection, order["id"])
    assert final["version"] == 3 and final["state"] == "COMPLETED"


def test_webhooks_are_public_only_where_they_must_be(gateway, connection):
    hook = f"{gateway}/api/pos-bridge/v1/webhooks/square/{connection}"
    body = json.dumps({"event_id": str(uuid.uuid4()), "type": "order.created", "data": {}}).encode()
    unsigned = httpx.post(hook, content=body, timeout=10)
    assert unsigned.status_code == 401   # pos-bridge refused it: no signature
    assert httpx.post(f"{gateway}/api/pos-bridge/v1/webhooks/square/{uuid.uuid4()}", content=body,
                      timeout=10).status_code == 401
    # Everything else under pos-bridge still needs a token at Envoy.
    assert httpx.get(hook, timeout=10).status_code == 401
    assert httpx.get(f"{gateway}/api/pos-bridge/v1/connections", timeout=10).status_code == 401
    assert httpx.post(f"{hook}/extra", content=body, timeout=10).status_code == 401
    big = httpx.post(hook, content=b"{" + b" " * (300 * 1024) + b"}", timeout=10)
    assert big.status_code == 413


def test_connections_are_for_admins(platform, gateway, admin, square):
    bad = admin.post("/api/pos-bridge/v1/connections", json={"provider": "square", "location_id": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "location_id"
    listed = admin.get("/api/pos-bridge/v1/connections").json()["connections"]
    assert all("access_token" not in json.dumps(c) for c in listed)


def pos_orders(admin, location_id: str) -> list[dict]:
    listed = admin.get("/api/orders/v1/orders", params={"location_id": location_id, "channel": "pos:square"})
    assert listed.status_code == 200, listed.text
    return listed.json()["orders"]


def test_a_square_order_becomes_one_auraconnect_order(admin, platform, square, connection):
    location = platform.demo["location_id"]
    order = square.create_order(SQUARE_LOCATION, reference_id="table-7", line_items=[
        {"uid": "L1", "name": "Cheesesteak", "quantity": "2", "base_price_money": {"amount": 1250, "currency": "USD"}},
        {"uid": "L2", "name": "Fries", "quantity": "1", "base_price_money": {"amount": 450, "currency": "USD"},
         "modifiers": [{"uid": "M1", "name": "Cheese sauce", "quantity": "1",
                        "base_price_money": {"amount": 100, "currency": "USD"}}]}])
    assert square.notify(order["id"], "order.created", event_id="evt-to-orders")["deliveries"] == [200]
    got = eventually(lambda: (o := held(admin, connection, order["id"])) and o["status"] == "created" and o)
    placed = eventually(lambda: [o for o in pos_orders(admin, location) if o["external_id"] == order["id"]])
    [aura] = placed
    assert aura["order_id"] == got["aura_order_id"] and aura["channel"] == "pos:square"
    assert [(line["name"], line["quantity"], line["unit_price_cents"], line["open_price"]) for line in aura["lines"]] == [
        ("Cheesesteak", 2, 1250, True), ("Fries", 1, 550, True)]   # the modifier folded into the POS price
    assert aura["subtotal_cents"] == sum(line["quantity"] * line["unit_price_cents"] - line["discount_cents"]
                                         for line in aura["lines"])
    assert aura["total_cents"] == aura["subtotal_cents"] + aura["tax_cents"] + aura["tip_cents"] >= 3050 - sum(
        line["discount_cents"] for line in aura["lines"])

    # Square redelivers the webhook ten times and the order is fetched again: still one order.
    assert square.notify(order["id"], "order.created", event_id="evt-to-orders", times=10)["deliveries"] == [200] * 10
    square.update_order(order["id"])
    square.notify(order["id"], "order.updated", event_id="evt-to-orders-v2")
    eventually(lambda: next((e for e in events(admin, connection)
                             if e["provider_event_id"] == "evt-to-orders-v2" and e["status"] == "created"), None))
    assert [o["order_id"] for o in pos_orders(admin, location) if o["external_id"] == order["id"]] == [aura["order_id"]]
