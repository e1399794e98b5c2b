"""Issue 10, the kitchen API through Envoy with the real services: an order placed and sent by a
server becomes a ticket on the station its menu item routes to (built by the orders consumer from
orders.order.v1); the live stream (Server-Sent Events, read with httpx streaming) delivers it, and
a resume with Last-Event-ID gives every later change once, in order; the cook bumps it and a
connected stream sees that at once; expo's bump moves the order to ready (status history, by the cook).

The test routes a kitchen tag of its own to a station of its own, so tickets of other tests at the
demo location never reach the station it watches.
"""
from __future__ import annotations

import json
import queue
import threading
import uuid

import httpx
import pytest

from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e

KITCHEN = "/api/orders/v1/kitchen"
ORDERS = "/api/orders/v1/orders"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def sse_events(gateway: str, token: str, params: dict, last_event_id: int | None, wanted, limit: int = 50,
               timeout: float = 20, connected: threading.Event | None = None) -> list[dict]:
    """Reads the stream until `wanted(events)` is true (then closes it). Each event: {"event", "id", "data"}."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    events: list[dict] = []
    with httpx.Client(base_url=gateway, timeout=httpx.Timeout(timeout, connect=5)) as client, \
            client.stream("GET", f"{KITCHEN}/stream", params=params, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        if connected is not None:
            connected.set()
        block: dict = {}
        for line in response.iter_lines():
            if line == "":
                if "data" in block:
                    events.append({"event": block.get("event", "message"),
                                   "id": int(block["id"]) if block.get("id") else None,
                                   "data": json.loads(block["data"])})
                    if wanted(events) or len(events) >= limit:
                        return events
                block = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                block[name] = value[1:] if value.startswith(" ") else value
    return events


def test_an_order_reaches_its_station_live_and_expo_completes_it(platform, gateway, demo_members):
    location = platform.demo["location_id"]
    manager, server, cook = demo_members["manager"], demo_members["staff"], demo_members["kitchen"]
    tag = f"e2e-grill-{uuid.uuid4().hex[:6]}"
    with manager.http(gateway) as boss, server.http(gateway) as waiter, cook.http(gateway) as kitchen:
        # The manager sets up a station for this test's tag and an item that carries it.
        stations = ok(kitchen.get(f"{KITCHEN}/stations", params={"location_id": location}))["stations"]
        assert {s["kind"] for s in stations} >= {"prep", "expo"}
        assert kitchen.post(f"{KITCHEN}/stations", json={"location_id": location, "name": "nope"}).status_code == 403
        station = ok(boss.post(f"{KITCHEN}/stations", json={
            "location_id": location, "name": f"Grill {tag[-6:]}", "warn_after_seconds": 120,
            "late_after_seconds": 240}), 201)
        route = ok(boss.post(f"{KITCHEN}/routes", json={"station_id": station["station_id"],
                                                        "match": {"tag": tag}}), 201)
        assert route["match"] == {"tag": tag}
        category = ok(boss.post("/api/orders/v1/menu/categories", json={"name": f"Kitchen {tag}"}), 201)
        burger = ok(boss.post("/api/orders/v1/menu/items", json={
            "category_id": category["category_id"], "name": f"Burger {tag[-6:]}", "price_cents": 1450,
            "kitchen_tags": [tag], "prep_time_seconds": 600, "allergens": ["gluten"]}), 201)
        watch = {"location_id": location, "station_id": station["station_id"]}
        before = ok(kitchen.get(f"{KITCHEN}/tickets", params=watch))
        assert before["tickets"] == []

        # The server opens a check at table 7 and sends it: the ticket arrives on the station.
        check = ok(waiter.post(ORDERS, json={"location_id": location, "table": "7", "guest_count": 2,
                                             "lines": [{"item_id": burger["item_id"], "quantity": 2,
                                                        "notes": "medium rare"}]}), 201)
        ok(waiter.patch(f"{ORDERS}/{check['order_id']}", json={"status": "sent"}))
        board = eventually(lambda: (lambda b: b if b["tickets"] else None)(
            ok(kitchen.get(f"{KITCHEN}/tickets", params=watch))))
        [ticket] = board["tickets"]
        assert (ticket["order_id"], ticket["state"], ticket["order"]["table"]) == (check["order_id"], "new", "7")
        [item] = ticket["items"]
        assert (item["quantity"], item["notes"], item["allergens"]) == (2, "medium rare", ["gluten"])
        assert ticket["target_seconds"] == 600 and ticket["age_level"] == "ok"
        assert board["sequence"] > before["sequence"]

        # The stream from before the order delivers the ticket; a resume from its id gives nothing twice.
        def mine(events):
            return [e for e in events if e["event"] == "ticket" and e["data"]["order_id"] == check["order_id"]]

        first = sse_events(gateway, cook.token, watch, before["sequence"], lambda events: mine(events))
        [created] = mine(first)
        assert created["id"] > before["sequence"] and created["data"]["ticket_id"] == ticket["ticket_id"]
        assert all(e["data"]["station_id"] == station["station_id"] for e in first)

        # A connected stream sees the bump at once.
        got: queue.Queue = queue.Queue()
        connected = threading.Event()
        reader = threading.Thread(target=lambda: got.put(sse_events(
            gateway, cook.token, watch, created["id"], lambda events: any(
                e["data"].get("state") == "done" for e in mine(events)), connected=connected)))
        reader.start()
        assert connected.wait(10)
        bumped = ok(kitchen.post(f"{KITCHEN}/tickets/{ticket['ticket_id']}:bump"))
        assert bumped["state"] == "done"
        reader.join(20)
        live = got.get_nowait()
        assert [e["data"]["state"] for e in mine(live)] == ["done"] and all(e["id"] > created["id"] for e in live)
        # A bumped ticket cannot be bumped again: 409 naming its state.
        again = kitchen.post(f"{KITCHEN}/tickets/{ticket['ticket_id']}:bump")
        assert again.status_code == 409 and "done" in again.json()["message"]

        # Resuming from before the order: both changes, in order, no gap and no duplicate.
        replay = sse_events(gateway, cook.token, watch, before["sequence"], lambda events: len(mine(events)) >= 2)
        assert [(e["id"], e["data"]["state"]) for e in mine(replay)] == [(created["id"], "new"),
                                                                         (live[-1]["id"], "done")]
        ids = [e["id"] for e in replay]
        assert ids == sorted(set(ids))

        # Expo sees the order's items done at the station; its bump makes the order ready.
        expo = eventually(lambda: [t for t in ok(kitchen.get(f"{KITCHEN}/tickets", params={
            "location_id": location, "expo": "true"}))["tickets"] if t["order_id"] == check["order_id"]])
        assert [i["state"] for i in expo[0]["items"]] == ["done"]
        ok(kitchen.post(f"{KITCHEN}/tickets/{expo[0]['ticket_id']}:bump"))
        order = ok(waiter.get(f"{ORDERS}/{check['order_id']}"))
        assert order["status"] == "ready"
        history = ok(boss.get(f"{ORDERS}/{check['order_id']}/history"))["history"]
        assert (history[-1]["to_status"], history[-1]["actor_id"]) == ("ready", cook.user_id)
        load = ok(kitchen.get(f"{KITCHEN}/load", params={"location_id": location}))
        assert load["busy_level"] in ("quiet", "normal", "busy", "slammed") and load["quoted_ready_seconds"] > 0
        boss.delete(f"{KITCHEN}/routes/{route['route_id']}")
