"""The kitchen REST API and the stream's HTTP side wired to fakes: permissions, the action paths,
409 / 412 / 422 answers, and the SSE framing of a snapshot."""
from __future__ import annotations

import json

import pytest
from chassis.internal_token import bearer_for_tests
from fastapi.testclient import TestClient
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app
from orders.service_layer import checks, kitchen

from services.orders.tests.unit.fakes import LOCATION, identity

pytestmark = pytest.mark.unit

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"
KITCHEN = "/api/orders/v1/kitchen"
COOK = frozenset({"orders:read", "kitchen:read", "kitchen:update"})
MANAGER = frozenset({"orders:create", "orders:read", "orders:update", "orders:open_price", "kitchen:read",
                     "kitchen:update", "kitchen:configure"})


@pytest.fixture
def container(uow, tax, clock, ids):
    return bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, tax=tax, clock=clock, new_id=ids)


def client_as(container, permissions) -> TestClient:
    client = TestClient(build_app(container))
    client.headers["authorization"] = bearer_for_tests(identity(permissions=permissions), "orders")
    return client


def sent_ticket(container, uow) -> dict:
    boss = client_as(container, MANAGER)
    order = boss.post("/api/orders/v1/orders", json={"location_id": str(LOCATION), "table": "4", "lines": [
        {"name": "Burger", "unit_price_cents": 1450, "open_price": True, "notes": "no onions"}]}).json()
    assert boss.patch(f"/api/orders/v1/orders/{order['order_id']}", json={"status": "sent"}).status_code == 200
    for event in list(uow.events):  # what the consumer does
        if event.topic == checks.TOPIC:
            with uow as u:
                kitchen.apply_order_event(u, event.message.order, peers=container.peers())
                u.commit()
    return order


def sse(text: str) -> list[dict]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "data" in fields:
            events.append({"event": fields.get("event"), "id": fields.get("id"), "data": json.loads(fields["data"])})
    return events


def test_a_cook_reads_and_bumps_and_a_manager_configures(container, uow):
    cook, boss = client_as(container, COOK), client_as(container, MANAGER)
    stations = cook.get(f"{KITCHEN}/stations", params={"location_id": str(LOCATION)}).json()["stations"]
    assert [(s["name"], s["kind"], s["is_default"]) for s in stations] == [("Kitchen", "prep", True),
                                                                         ("Expo", "expo", False)]
    assert cook.post(f"{KITCHEN}/stations", json={"location_id": str(LOCATION), "name": "Grill"}).status_code == 403
    grill = boss.post(f"{KITCHEN}/stations", json={"location_id": str(LOCATION), "name": "Grill"})
    assert grill.status_code == 201 and grill.json()["is_default"] is False
    route = boss.post(f"{KITCHEN}/routes", json={"station_id": grill.json()["station_id"], "match": {"tag": "grill"}})
    assert route.status_code == 201 and route.json()["match"] == {"tag": "grill"}
    assert boss.post(f"{KITCHEN}/routes", json={"station_id": grill.json()["station_id"],
                                                "match": {"tag": "a", "item_id": "b"}}).json()["field"] == "match"
    assert boss.delete(f"{KITCHEN}/routes/{route.json()['route_id']}").status_code == 204
    default = stations[0]["station_id"]
    assert boss.delete(f"{KITCHEN}/stations/{default}").status_code == 409


def test_ticket_actions_answer_the_ticket_409_412_and_422(container, uow):
    order = sent_ticket(container, uow)
    cook = client_as(container, COOK)
    board = cook.get(f"{KITCHEN}/tickets", params={"location_id": str(LOCATION)}).json()
    [ticket] = board["tickets"]
    assert (ticket["order_id"], ticket["order"]["table"], ticket["items"][0]["notes"]) == (
        order["order_id"], "4", "no onions")
    assert board["sequence"] == 2
    path = f"{KITCHEN}/tickets/{ticket['ticket_id']}"
    stale = cook.post(f"{path}:start", headers={"If-Match": f'"{ticket["version"] + 5}"'})
    assert stale.status_code == 412
    started = cook.post(f"{path}:start")
    assert started.status_code == 200 and started.json()["state"] == "in_progress"
    assert started.headers["ETag"] == f'"{started.json()["version"]}"'
    again = cook.post(f"{path}:start")
    assert again.status_code == 409 and "in_progress" in again.json()["message"]
    assert cook.post(f"{KITCHEN}/tickets/not-a-ticket:bump").json()["field"] == "ticket_id"
    assert cook.post(f"{path}:explode").status_code == 422
    line = ticket["items"][0]["line_id"]
    assert cook.post(f"{path}/items/{line}:bump").json()["state"] == "done"
    assert cook.post(f"{path}:recall").json()["state"] == "in_progress"
    assert cook.post(f"{path}:rush", json={"rush": True}).json()["rush"] is True
    all_day = cook.get(f"{KITCHEN}/all-day", params={"location_id": str(LOCATION)}).json()
    assert all_day == {"items": [{"name": "Burger", "modifiers": [], "quantity": 1}]}
    assert cook.get(f"{KITCHEN}/load", params={"location_id": str(LOCATION)}).json()["busy_level"] == "normal"
    done = cook.post(f"{KITCHEN}/orders/{order['order_id']}:complete")
    assert done.status_code == 200 and done.json()["kind"] == "expo" and done.json()["state"] == "done"
    assert cook.get(f"/api/orders/v1/orders/{order['order_id']}").json()["status"] == "ready"


def test_the_stream_frames_a_snapshot_as_server_sent_events(container, uow):
    order = sent_ticket(container, uow)
    cook = client_as(container, COOK)
    response = cook.get(f"{KITCHEN}/stream", params={"location_id": str(LOCATION), "expo": "true"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = sse(response.text)
    assert [(e["event"], e["id"]) for e in events] == [("reset", "2"), ("ticket", "2")]
    assert events[1]["data"]["order_id"] == order["order_id"] and events[1]["data"]["kind"] == "expo"
    bad = cook.get(f"{KITCHEN}/stream", params={"location_id": str(LOCATION)}, headers={"Last-Event-ID": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "Last-Event-ID"
    assert cook.get(f"{KITCHEN}/stream", params={"location_id": "nope"}).json()["field"] == "location_id"
