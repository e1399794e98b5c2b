"""Clover and Toast orders reach AuraConnect through the gateway: the fakes (real HTTP servers) send
their webhooks to Envoy, pos-bridge verifies (X-Clover-Auth after Clover's verificationCode handshake;
Toast-Signature) and stores them, its worker fetches Clover's thin events (refreshing the expiring
OAuth token once, single-use refresh token stored first) and takes Toast's full orders, and places
each in orders (CreateOrder, channel pos:clover / pos:toast). A duplicate webhook makes one order, an
older update changes nothing, a bad signature is 401."""
from __future__ import annotations

import time

import pytest
from posfakes.clover.server import DEFAULT_MERCHANT
from posfakes.toast.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_RESTAURANT

from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e

CLOVER_AUTH_CODE = "e2e-clover-app-auth-code"
TOAST_SECRET = "e2e-toast-webhook-secret"


def connect(admin, platform, body: dict) -> str:
    made = admin.post("/api/pos-bridge/v1/connections", json={"location_id": platform.demo["location_id"]} | body)
    assert made.status_code == 201, made.text
    for secret in body["credentials"].values():
        assert secret not in made.text
    return made.json()["connection_id"]


def events(admin, connection_id: str) -> list[dict]:
    return admin.get(f"/api/pos-bridge/v1/connections/{connection_id}/events").json()["events"]


def event_status(admin, connection_id: str, provider_event_id: str) -> str | None:
    return next((e["status"] for e in events(admin, connection_id) if e["provider_event_id"] == provider_event_id
                 and e["status"] != "received"), None)


def held(admin, connection_id: str, order_id: str) -> dict | None:
    orders = admin.get(f"/api/pos-bridge/v1/connections/{connection_id}/orders").json()["orders"]
    return next((o for o in orders if o["provider_order_id"] == order_id), None)


def aura_orders(admin, platform, channel: str, external_id: str) -> list[dict]:
    listed = admin.get("/api/orders/v1/orders", params={"location_id": platform.demo["location_id"], "channel": channel})
    assert listed.status_code == 200, listed.text
    return [o for o in listed.json()["orders"] if o["external_id"] == external_id]


def test_a_clover_order_arrives_once_verified_and_newest_first(admin, platform, gateway, clover):
    clover.add_refresh_token("e2e-refresh-token", "e2e-clover-app")
    connection = connect(admin, platform, {
        "provider": "clover", "external_merchant_id": DEFAULT_MERCHANT, "external_location_id": DEFAULT_MERCHANT,
        "api_base_url": clover.url, "credentials": {
            "access_token": "e2e-expiring-access-token", "refresh_token": "e2e-refresh-token",
            "client_id": "e2e-clover-app", "access_token_expiration": str(int(time.time()) + 5)}})
    try:
        url = f"{gateway}/api/pos-bridge/v1/webhooks/clover/{connection}"
        # Clover's one-time verification: the code lands on the connection for the admin to paste back.
        handshake = clover.subscribe(url, auth_code=CLOVER_AUTH_CODE)
        assert handshake["deliveries"] == [200]
        shown = admin.get(f"/api/pos-bridge/v1/connections/{connection}").json()
        assert shown["webhook"]["verification_code"] == handshake["verification_code"]
        hooked = admin.put(f"/api/pos-bridge/v1/connections/{connection}/webhook",
                           json={"notification_url": url, "signature_key": CLOVER_AUTH_CODE})
        assert hooked.status_code == 200 and CLOVER_AUTH_CODE not in hooked.text

        # A sale on the Clover device (one line item per unit): a thin CREATE, fetched, placed in orders.
        order = clover.create_order([{"name": "Cheeseburger", "price": 1099, "quantity": 2, "item_id": "ITEM000000001"},
                                     {"name": "Fries", "price": 399}], external_reference_id="table-5")
        created = clover.notify(order["id"], "CREATE")
        assert created["deliveries"] == [200]
        got = eventually(lambda: (o := held(admin, connection, order["id"])) and o["status"] == "created" and o, 30)
        [aura] = eventually(lambda: aura_orders(admin, platform, "pos:clover", order["id"]))
        assert aura["order_id"] == got["aura_order_id"]
        detail = admin.get(f"/api/orders/v1/orders/{aura['order_id']}")
        assert detail.status_code == 200 and detail.json()["channel"] == "pos:clover"
        assert sorted((line["name"], line["quantity"], line["unit_price_cents"]) for line in detail.json()["lines"]) == [
            ("Cheeseburger", 2, 1099), ("Fries", 1, 399)]
        assert clover.refreshes == 1   # the expiring token was refreshed once, before the fetch

        # The same notification five times: one event, one order.
        assert clover.notify(order["id"], "CREATE", ts=order["modifiedTime"], times=5)["deliveries"] == [200] * 5
        creates = [e for e in events(admin, connection) if e["object_id"] == order["id"] and e["event_type"] == "O.CREATE"]
        assert len(creates) == 1   # (a reconciliation poll may add its own poll.order event: stored once too)

        # A bad auth code: 401, nothing stored.
        before = len(events(admin, connection))
        assert clover.notify(order["id"], bad_auth=True)["deliveries"] == [401]
        assert len(events(admin, connection)) == before

        # The order is closed on the device; then an older notification arrives late: it changes nothing.
        newest = clover.update_order(order["id"], state="locked")
        clover.notify(order["id"], "UPDATE")
        eventually(lambda: (o := held(admin, connection, order["id"])) and o["version"] == newest["modifiedTime"], 30)
        clover.notify(order["id"], "UPDATE", ts=order["modifiedTime"])   # the first version's change, late
        stale = eventually(lambda: next((e["status"] for e in events(admin, connection)
                                         if e["event_type"] == "O.UPDATE" and e["object_version"] == order["modifiedTime"]
                                         and e["status"] != "received"), None))
        assert stale == "stale"
        final = held(admin, connection, order["id"])
        assert final["version"] == newest["modifiedTime"] and final["state"] == "COMPLETED"
        assert len(aura_orders(admin, platform, "pos:clover", order["id"])) == 1
    finally:
        admin.delete(f"/api/pos-bridge/v1/connections/{connection}")


def test_a_toast_order_arrives_once_verified_and_newest_first(admin, platform, gateway, toast):
    connection = connect(admin, platform, {
        "provider": "toast", "external_merchant_id": "e2e-group", "external_location_id": DEFAULT_RESTAURANT,
        "api_base_url": toast.url, "credentials": {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}})
    try:
        url = f"{gateway}/api/pos-bridge/v1/webhooks/toast/{connection}"
        hooked = admin.put(f"/api/pos-bridge/v1/connections/{connection}/webhook",
                           json={"notification_url": url, "signature_key": TOAST_SECRET})
        assert hooked.status_code == 200
        toast.subscribe(url, TOAST_SECRET)

        # A sale on the Toast POS: order_updated with the full order, signed; placed in orders.
        order = toast.create_order([{"name": "Crab cakes", "price": 5.0, "quantity": 2},
                                    {"name": "Lobster roll", "price": 24.5}])
        assert toast.notify(order["guid"], event_guid="e2e-toast-evt-1")["deliveries"] == [200]
        got = eventually(lambda: (o := held(admin, connection, order["guid"])) and o["status"] == "created" and o, 30)
        [aura] = eventually(lambda: aura_orders(admin, platform, "pos:toast", order["guid"]))
        assert aura["order_id"] == got["aura_order_id"]
        detail = admin.get(f"/api/orders/v1/orders/{aura['order_id']}")
        assert detail.status_code == 200 and detail.json()["channel"] == "pos:toast"
        assert sorted((line["name"], line["quantity"], line["unit_price_cents"]) for line in detail.json()["lines"]) == [
            ("Crab cakes", 2, 500), ("Lobster roll", 1, 2450)]

        # Toast retries the same event (Toast-Attempt-Number 1..5): one event, one order.
        assert toast.notify(order["guid"], event_guid="e2e-toast-evt-1", times=5)["deliveries"] == [200] * 5
        assert [e["provider_event_id"] for e in events(admin, connection)].count("e2e-toast-evt-1") == 1

        # A bad signature: 401, nothing stored.
        before = len(events(admin, connection))
        assert toast.notify(order["guid"], bad_signature=True)["deliveries"] == [401]
        assert len(events(admin, connection)) == before

        # The check is closed; the first version of the order then arrives late: it changes nothing.
        toast.update_order(order["guid"], closed=True)
        toast.notify(order["guid"], event_guid="e2e-toast-evt-closed")
        eventually(lambda: event_status(admin, connection, "e2e-toast-evt-closed"), 30)
        closed = held(admin, connection, order["guid"])
        assert closed["state"] == "COMPLETED"
        toast.notify(order["guid"], revision=0, event_guid="e2e-toast-evt-late")
        assert eventually(lambda: event_status(admin, connection, "e2e-toast-evt-late"), 30) == "stale"
        final = held(admin, connection, order["guid"])
        assert final["version"] == closed["version"] and final["state"] == "COMPLETED"
        assert len(aura_orders(admin, platform, "pos:toast", order["guid"])) == 1
    finally:
        admin.delete(f"/api/pos-bridge/v1/connections/{connection}")


def test_orders_no_webhook_told_about_arrive_by_polling(admin, platform, clover, toast):
    """Clover may never send a notification and Toast gives up after two retries: the consumer's
    reconciliation poll (a connection's first poll runs within seconds and looks back a day) finds
    orders rung up before any webhook was set up, and they reach orders like the rest."""
    clover_order = clover.create_order([{"name": "Fries", "price": 399, "quantity": 3}])
    toast_order = toast.create_order([{"name": "Lobster roll", "price": 24.5}])
    polled = {
        "clover": (clover_order["id"], connect(admin, platform, {
            "provider": "clover", "external_merchant_id": DEFAULT_MERCHANT, "external_location_id": DEFAULT_MERCHANT,
            "api_base_url": clover.url, "credentials": {"access_token": "fake-clover-access-token"}})),
        "toast": (toast_order["guid"], connect(admin, platform, {
            "provider": "toast", "external_merchant_id": "e2e-group", "external_location_id": DEFAULT_RESTAURANT,
            "api_base_url": toast.url,
            "credentials": {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}}))}
    try:
        for provider, (order_id, connection) in polled.items():
            got = eventually(lambda c=connection, o=order_id: (h := held(admin, c, o)) and h["status"] == "created" and h,
                             45)
            [aura] = eventually(lambda p=provider, o=order_id: aura_orders(admin, platform, f"pos:{p}", o))
            assert aura["order_id"] == got["aura_order_id"]
            [event] = [e for e in events(admin, connection) if e["object_id"] == order_id]
            assert event["event_type"] == "poll.order" and event["provider_event_id"].startswith("poll:")
            shown = admin.get(f"/api/pos-bridge/v1/connections/{connection}").json()
            assert shown["polling"]["last_polled_at"] and shown["polling"]["last_error"] is None
    finally:
        for _, connection in polled.values():
            admin.delete(f"/api/pos-bridge/v1/connections/{connection}")
