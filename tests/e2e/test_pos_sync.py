"""The two-way POS sync through Envoy, against the fake Square (a real HTTP server):

- a Square order rung up on the fake with a signed webhook becomes an AuraConnect order; a newer POS
  version (cancelled on the POS) cancels it, an older one arriving late changes nothing;
- our status change (kitchen ready, cancel through the orders API) reaches the fake Square (its
  request log shows the UpdateOrder calls; the order's state there changes);
- with the fake in outage (/_fake/faults 503) the changes queue (the sync status shows them and the
  circuit open), survive a restart of the consumer, and after the outage they replay, in order per order;
- a menu item 86'd in orders reaches the fake Square's catalog (absent at the location), after a menu
  pull linked it and audited the POS's price overwriting ours."""
from __future__ import annotations

import uuid

import httpx
import pytest
from devstack import procs
from posfakes.square.server import DEFAULT_TOKEN

from tests.e2e.support import eventually, menu_items

pytestmark = pytest.mark.e2e

SIGNATURE_KEY = "e2e-sync-signature-key"
SQUARE_LOCATION = "LE2ESYNC01"
BRIDGE = "/api/pos-bridge/v1/connections"
ORDERS = "/api/orders/v1/orders"


@pytest.fixture
def connection(admin, platform, gateway, square) -> str:
    made = admin.post(BRIDGE, json={
        "provider": "square", "location_id": platform.demo["location_id"], "external_merchant_id": "MSYNC",
        "external_location_id": SQUARE_LOCATION, "api_base_url": square.url,
        "credentials": {"access_token": DEFAULT_TOKEN}})
    assert made.status_code == 201, made.text
    connection_id = made.json()["connection_id"]
    url = f"{gateway}/api/pos-bridge/v1/webhooks/square/{connection_id}"
    assert admin.put(f"{BRIDGE}/{connection_id}/webhook",
                     json={"notification_url": url, "signature_key": SIGNATURE_KEY}).status_code == 200
    square.subscribe(url, SIGNATURE_KEY)
    yield connection_id
    admin.delete(f"{BRIDGE}/{connection_id}")


def held(admin, connection_id: str, order_id: str) -> dict | None:
    orders = admin.get(f"{BRIDGE}/{connection_id}/orders").json()["orders"]
    return next((o for o in orders if o["provider_order_id"] == order_id), None)


def event_status(admin, connection_id: str, event_id: str) -> str | None:
    events = admin.get(f"{BRIDGE}/{connection_id}/events").json()["events"]
    return next((e["status"] for e in events if e["provider_event_id"] == event_id and e["status"] != "received"),
                None)


def sync(admin, connection_id: str) -> dict:
    answer = admin.get(f"{BRIDGE}/{connection_id}/sync")
    assert answer.status_code == 200, answer.text
    return answer.json()


def square_order_in_orders(admin, square, connection_id: str, fulfillment: bool = False) -> tuple[str, str]:
    """A sale on the fake Square, notified (signed): (Square order id, AuraConnect order id)."""
    order = square.create_order(SQUARE_LOCATION, line_items=[
        {"uid": "L1", "name": "Burger", "quantity": "1", "base_price_money": {"amount": 1200, "currency": "USD"}}])
    if fulfillment:
        with square.lock:
            square.orders[order["id"]]["fulfillments"] = [{"uid": "F1", "type": "PICKUP", "state": "PROPOSED"}]
    assert square.notify(order["id"], "order.created")["deliveries"] == [200]
    got = eventually(lambda: (o := held(admin, connection_id, order["id"])) and o["aura_order_id"] and o)
    return order["id"], got["aura_order_id"]


def move(admin, order_id: str, status: str) -> dict:
    moved = admin.patch(f"{ORDERS}/{order_id}", json={"status": status, "reason": "e2e"})
    assert moved.status_code == 200, moved.text
    return moved.json()


def puts(square, order_id: str) -> list[dict]:
    return [r for r in square.requests if r["method"] == "PUT" and r["path"] == f"/v2/orders/{order_id}"]


def test_newer_pos_versions_update_our_order_and_older_ones_do_not(admin, square, connection):
    square_id, aura_id = square_order_in_orders(admin, square, connection)
    assert admin.get(f"{ORDERS}/{aura_id}").json()["status"] == "open"
    square.update_order(square_id)                        # v2
    square.update_order(square_id, state="CANCELED")      # v3: cancelled on the POS
    square.notify(square_id, "order.updated", event_id=f"v3-{square_id}")
    eventually(lambda: admin.get(f"{ORDERS}/{aura_id}").json()["status"] == "cancelled", timeout=30)
    square.notify(square_id, "order.updated", version=2, event_id=f"v2-{square_id}")   # late and older
    assert eventually(lambda: event_status(admin, connection, f"v2-{square_id}")) == "stale"
    assert admin.get(f"{ORDERS}/{aura_id}").json()["status"] == "cancelled"
    audit = admin.get(f"{BRIDGE}/{connection}/sync/audit").json()["audit"]
    assert any(a["aura_ref"] == aura_id and a["field"] == "status" and a["applied"] for a in audit)
    # our cancel came from the POS: nothing is pushed back to it
    assert puts(square, square_id) == []


def test_our_status_changes_reach_square_and_an_outage_queues_and_replays_in_order(admin, platform, square,
                                                                                    connection):
    # Cancelled through the orders API: Square's order is cancelled (UpdateOrder in the fake's log).
    square_id, aura_id = square_order_in_orders(admin, square, connection)
    move(admin, aura_id, "cancelled")
    # (the fake logs a request once it has answered it: wait for the log too, not only the state)
    eventually(lambda: square.orders[square_id]["state"] == "CANCELED" and puts(square, square_id), timeout=30)
    assert [r["status"] for r in puts(square, square_id)] == [200]
    # Square notifies our own update (order.updated, version 2): taken in, but nothing to tell orders.
    eventually(lambda: (o := held(admin, connection, square_id)) and o["version"] == 2, timeout=30)
    audit = admin.get(f"{BRIDGE}/{connection}/sync/audit").json()["audit"]
    assert not [a for a in audit if a["aura_ref"] == aura_id and a["field"] == "status"]

    # Square goes down (the fake's fault injection), the kitchen marks an order ready, then it is cancelled.
    square_id, aura_id = square_order_in_orders(admin, square, connection, fulfillment=True)
    assert httpx.post(f"{square.url}/_fake/faults", json={"status": 503, "count": 100000}).status_code == 200
    move(admin, aura_id, "sent")
    move(admin, aura_id, "ready")
    move(admin, aura_id, "cancelled")
    status = eventually(lambda: (s := sync(admin, connection)) and s["outbound"]["queued"] >= 2
                        and s["circuit"]["state"] in ("open", "half_open") and s, timeout=40)
    assert status["lag_seconds"] > 0 and "503" in (status["outbound"]["last_error"] or "")
    assert square.orders[square_id]["state"] == "OPEN"
    assert all(r["status"] == 503 for r in puts(square, square_id)) or not puts(square, square_id)

    # The consumer (the sender) is restarted meanwhile: the queue is in PostgreSQL, nothing is lost.
    assert procs.stop(platform.layout.run_dir, "pos-bridge-consumer", timeout=15)
    platform.stack.start_services()
    assert procs.running_pid(platform.layout.run_dir, "pos-bridge-consumer")
    assert sync(admin, connection)["outbound"]["queued"] >= 2

    # Square is back: the queued changes replay, READY (fulfillment PREPARED) before the cancel.
    assert httpx.delete(f"{square.url}/_fake/faults").status_code == 200
    eventually(lambda: square.orders[square_id]["state"] == "CANCELED", timeout=120)
    assert square.orders[square_id]["fulfillments"][0]["state"] == "PREPARED"
    after = eventually(lambda: (s := sync(admin, connection)) and s["outbound"]["queued"] == 0 and s, timeout=30)
    assert after["circuit"]["state"] == "closed" and after["lag_seconds"] == 0
    sent = [c for c in after["outbound"]["changes"] if c["object_ref"] == square_id]
    assert [c["payload"]["status"] for c in sorted(sent, key=lambda c: c["seq"])] == ["READY", "CANCELED"]
    assert all(c["status"] == "sent" for c in sent)
    # READY went first: the fake refuses any update to a CANCELED order, yet the fulfillment is PREPARED.
    ok = [r for r in puts(square, square_id) if r["status"] == 200]
    assert len(ok) == 2


def test_a_menu_item_86d_in_orders_reaches_square(admin, platform, square, connection):
    name = f"E2E Sync Steak {uuid.uuid4().hex[:8]}"
    item_id = f"XE2E{uuid.uuid4().hex[:20].upper()}"
    # ours first: a pull seeing the POS item with no item of ours would create one (menu sync creates)
    aura_item = menu_items(admin, {name: 2000}, category="e2e sync")[name]
    with square.lock:
        square.catalog.append({"type": "ITEM", "id": item_id, "version": 1, "updated_at": "2026-01-01T00:00:00Z",
                               "is_deleted": False, "present_at_all_locations": True, "item_data": {
                                   "name": name, "variations": [{"type": "ITEM_VARIATION", "id": f"{item_id}V",
                                                                 "item_variation_data": {
                                                                     "item_id": item_id, "name": "Regular",
                                                                     "pricing_type": "FIXED_PRICING",
                                                                     "price_money": {"amount": 2400,
                                                                                     "currency": "USD"}}}]}})
    assert admin.post(f"{BRIDGE}/{connection}/sync/menu-pull").status_code == 202
    # The pull links the items by name; the POS's price wins by policy: audited.
    audit = eventually(lambda: [a for a in admin.get(f"{BRIDGE}/{connection}/sync/audit").json()["audit"]
                                if a["aura_ref"] == aura_item], timeout=40)
    assert (audit[0]["field"], audit[0]["old_value"], audit[0]["new_value"], audit[0]["rule"]) == (
        "price_cents", 2000, 2400, "pos")

    eighty_six = admin.post(f"/api/orders/v1/menu/items/{aura_item}/availability",
                            json={"location_id": platform.demo["location_id"], "available": False})
    assert eighty_six.status_code == 200, eighty_six.text
    catalog_item = eventually(lambda: (o := next(o for o in square.catalog if o["id"] == item_id))
                              and SQUARE_LOCATION in (o.get("absent_at_location_ids") or []) and o, timeout=30)
    assert catalog_item["version"] == 2
    upserts = [r for r in square.requests if r["method"] == "POST" and r["path"] == "/v2/catalog/object"]
    assert upserts and upserts[-1]["status"] == 200
    status = sync(admin, connection)
    assert status["menu"]["last_pull_at"] and status["conflicts"]["overwrites_audited"] >= 1


def test_a_payment_settled_on_square_is_recorded_in_orders(admin, square, connection):
    square_id, aura_id = square_order_in_orders(admin, square, connection)
    payment_id = f"PAY{uuid.uuid4().hex[:20].upper()}"
    event = {"merchant_id": "MSYNC", "type": "payment.updated", "event_id": str(uuid.uuid4()),
             "created_at": "2026-11-29T12:00:00Z", "data": {"type": "payment", "id": payment_id, "object": {"payment": {
                 "id": payment_id, "order_id": square_id, "location_id": SQUARE_LOCATION, "status": "COMPLETED",
                 "source_type": "CARD", "amount_money": {"amount": 500, "currency": "USD"},
                 "tip_money": {"amount": 100, "currency": "USD"},
                 "card_details": {"card": {"card_brand": "VISA", "last_4": "1111"}}}}}}
    assert square.send(event, times=3) == [200, 200, 200]   # redelivered: recorded once

    def processed():
        found = [e for e in admin.get(f"{BRIDGE}/{connection}/events").json()["events"]
                 if e["provider_event_id"] == event["event_id"]]
        return found and (found[0]["status"] != "received" or found[0]["last_error"]) and found[0]

    stored = eventually(processed, timeout=30)
    assert stored["status"] == "created", stored["last_error"]
    money = eventually(lambda: (m := admin.get(f"{ORDERS}/{aura_id}/payments")).status_code == 200
                       and payment_id in m.text and m.json(), timeout=30)
    assert money["paid_cents"] == 500   # three deliveries, one payment (RecordPayment by the POS payment id)
