"""Issue 8, checks: a server opens a check at table 12, adds lines over time, holds and fires a course,
voids a line, sends it; the kitchen moves it to ready; it is served and closed. The history lists
every step with its actor and reason, every step's event is on orders.order.v1, a stale version is
412, and a cancelled check's tip leaves payroll. Through Envoy with the real services."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import grpc
import pytest
from auraconnect.orders.v1 import events_pb2
from auraconnect.orders.v1 import orders_service_pb2 as orders_pb
from auraconnect.orders.v1 import orders_service_pb2_grpc as orders_grpc
from auraconnect.payroll.v1 import events_pb2 as payroll_events

from tests.e2e.auth_support import add_member, bearer, grpc_channel
from tests.e2e.support import event_types, eventually, menu_items, topic_records

pytestmark = pytest.mark.e2e

ORDERS = "/api/orders/v1/orders"


@pytest.fixture(scope="module")
def crew(platform, gateway, admin):
    """A server, a cook and a manager of the demo tenant."""
    slug = platform.demo["tenant_slug"]
    return {role: add_member(admin, gateway, slug, [role], label=f"checks-{role}")
            for role in ("staff", "kitchen", "manager")}


MENU: dict[str, str] = {}  # name -> item_id: servers order from the menu (prices never come from the client)


@pytest.fixture(scope="module", autouse=True)
def menu(admin):
    MENU.update(menu_items(admin, {"Soup": 650, "Calamari": 1200, "Bread": 1, "Steak": 3400, "Risotto": 2200,
                                   "Tiramisu": 900, "Hoagie": 1000}, category="checks"))


def test_a_check_lives_through_service(platform, gateway, crew):
    server, cook, manager = crew["staff"], crew["kitchen"], crew["manager"]
    location = platform.demo["location_id"]
    with server.http(gateway) as waiter, cook.http(gateway) as kitchen, manager.http(gateway) as boss:
        opened = waiter.post(ORDERS, json={"location_id": location, "order_type": "dine_in", "table": "12",
                                           "guest_count": 2, "notes": "anniversary"})
        assert opened.status_code == 201, opened.text
        check = opened.json()
        path = f"{ORDERS}/{check['order_id']}"
        assert (check["status"], check["table"], check["guest_count"], check["version"]) == ("open", "12", 2, 1)
        assert check["server_staff_id"] == server.user_id and check["business_date"]

        # Lines over time; a retry with the same Idempotency-Key replays the first answer.
        starters = {"lines": [{"item_id": MENU["Soup"], "seat": 1, "course": "appetizer"},
                              {"item_id": MENU["Calamari"], "seat": 2, "course": "appetizer",
                               "notes": "sauce on the side"}]}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        added = waiter.post(f"{path}/lines", json=starters, headers={**key, "If-Match": '"1"'})
        assert added.status_code == 201, added.text
        again = waiter.post(f"{path}/lines", json=starters, headers=key)
        assert again.status_code == 201 and again.json() == added.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        other = waiter.post(f"{path}/lines", json={"lines": [{"item_id": MENU["Bread"]}]}, headers=key)
        assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
        assert len(waiter.get(path).json()["lines"]) == 2

        held = waiter.post(f"{path}/courses/main/hold")
        assert held.status_code == 200 and held.json()["held_courses"] == ["main"]
        mains = waiter.post(f"{path}/lines", json={"lines": [
            {"item_id": MENU["Steak"], "seat": 1, "course": "main", "notes": "medium rare"},
            {"item_id": MENU["Risotto"], "seat": 2, "course": "main"}]})
        assert mains.status_code == 201 and all(line["held"] for line in mains.json()["lines"][2:])

        calamari = mains.json()["lines"][1]
        voided = waiter.post(f"{path}/lines/{calamari['line_id']}/void", json={"reason": "guest changed mind"})
        assert voided.status_code == 200, voided.text
        assert voided.json()["subtotal_cents"] == 650 + 3400 + 2200

        # A write naming an older version is refused, never a lost update.
        version = voided.json()["version"]
        stale = waiter.patch(path, json={"status": "sent"}, headers={"If-Match": f'"{version - 1}"'})
        assert stale.status_code == 412 and stale.json()["field"] == "version"

        sent = waiter.patch(path, json={"status": "sent"}, headers={"If-Match": f'"{version}"'})
        assert sent.status_code == 200 and sent.json()["status"] == "sent"
        assert waiter.patch(path, json={"status": "ready"}).status_code == 403  # the kitchen's move
        dessert = waiter.post(f"{path}/lines", json={"lines": [{"item_id": MENU["Tiramisu"]}]})
        assert dessert.json()["lines"][-1]["addition"] is True
        fired = waiter.post(f"{path}/courses/main/fire")
        assert fired.status_code == 200 and not any(line["held"] for line in fired.json()["lines"])

        ready = kitchen.patch(path, json={"status": "ready"})
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        illegal = kitchen.patch(path, json={"status": "ready"})
        assert illegal.status_code == 409 and "is ready" in illegal.json()["message"]
        assert waiter.patch(path, json={"status": "served"}).json()["status"] == "served"
        closed = waiter.patch(path, json={"status": "closed", "reason": "paid cash"})
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert boss.delete(path).status_code == 409  # a closed check stays closed

        history = boss.get(f"{path}/history").json()["history"]
        steps = [(h["kind"], h["to_status"], h["actor_id"]) for h in history]
        assert steps == [
            ("status", "open", server.user_id), ("lines_added", None, server.user_id),
            ("course_held", None, server.user_id), ("lines_added", None, server.user_id),
            ("line_voided", None, server.user_id), ("status", "sent", server.user_id),
            ("lines_added", None, server.user_id), ("course_fired", None, server.user_id),
            ("status", "ready", cook.user_id), ("status", "served", server.user_id),
            ("status", "closed", server.user_id)]
        assert history[4]["reason"] == "guest changed mind" and history[-1]["reason"] == "paid cash"
        assert [h["version"] for h in history] == list(range(1, 12))

        listed = boss.get(ORDERS, params={"location_id": location, "table": "12", "status": "closed",
                                          "business_date": check["business_date"], "limit": 50}).json()
        assert check["order_id"] in [o["order_id"] for o in listed["orders"]]

    found = topic_records(platform, "orders.order.v1", check["order_id"], wanted=11)
    assert event_types(found) == [
        "OrderPlaced", "OrderLinesAdded", "OrderCourseHeld", "OrderLinesAdded", "OrderLineVoided", "OrderSent",
        "OrderLinesAdded", "OrderCourseFired", "OrderStatusChanged", "OrderStatusChanged", "OrderStatusChanged"]
    sent_event = events_pb2.OrderSent.FromString(found[5].value)
    assert [line.name for line in sent_event.order.lines if line.held] == ["Steak", "Risotto"]
    assert sent_event.order.table == "12" and sent_event.actor_id == server.user_id
    addition = events_pb2.OrderLinesAdded.FromString(found[6].value)
    assert addition.addition and addition.lines[0].name == "Tiramisu"
    voided_event = events_pb2.OrderLineVoided.FromString(found[4].value)
    assert voided_event.reason == "guest changed mind" and voided_event.line.name == "Calamari"
    ready_event = events_pb2.OrderStatusChanged.FromString(found[8].value)
    assert ready_event.actor_id == cook.user_id


def test_a_cancelled_checks_tip_leaves_payroll(platform, gateway, admin, crew):
    server, manager = crew["staff"], crew["manager"]
    with server.http(gateway) as waiter:
        placed = waiter.post(ORDERS, json={"location_id": platform.demo["location_id"], "tip_cents": 700,
                                           "table": "4", "lines": [{"item_id": MENU["Hoagie"]}]})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]

    def tips() -> list[dict]:
        listed = admin.get("/api/payroll/v1/tips", params={"staff_id": server.user_id}).json()["tips"]
        return [t for t in listed if t["order_id"] == order_id]

    assert eventually(tips)[0]["tip_cents"] == 700
    with manager.http(gateway) as boss:
        cancelled = boss.delete(f"{ORDERS}/{order_id}", params={"reason": "guest left"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    eventually(lambda: tips() == [], timeout=30)
    [reversed_record] = [r for r in topic_records(platform, "payroll.tip.v1", server.user_id, wanted=2)
                         if dict(r.headers)["ce_type"] == b"auraconnect.payroll.v1.TipReversed"]
    event = payroll_events.TipReversed.FromString(reversed_record.value)
    assert (event.order_id, event.tip_cents, event.order_status, event.reason) == (
        order_id, 700, "cancelled", "guest left")


def test_peers_create_pos_orders_once_and_bad_input_names_the_field(platform, crew):
    server = crew["staff"]
    external = f"sq-{uuid.uuid4().hex[:10]}"
    request = orders_pb.CreateOrderRequest(
        location_id=platform.demo["location_id"], channel="pos:square", external_id=external, order_type="takeout",
        lines=[orders_pb.CreateOrderLine(name="Cheesesteak", unit_price_cents=1250, quantity=2)])
    with grpc_channel(platform) as channel:
        stub = orders_grpc.OrdersServiceStub(channel)
        first = stub.CreateOrder(request, metadata=bearer(server.token), timeout=15)
        again = stub.CreateOrder(request, metadata=bearer(server.token), timeout=15)
        assert (first.created, again.created) == (True, False)
        assert first.order.order_id == again.order.order_id and first.order.external_id == external
        assert first.order.lines[0].open_price and first.order.subtotal_cents == 2500
        got = stub.GetOrder(orders_pb.GetOrderRequest(order_id=first.order.order_id), metadata=bearer(server.token),
                            timeout=15)
        assert got.order.channel == "pos:square"
        listed = stub.ListOrders(orders_pb.ListOrdersRequest(location_id=platform.demo["location_id"],
                                                             channel="pos:square", limit=200),
                                 metadata=bearer(server.token), timeout=15)
        assert first.order.order_id in [o.order_id for o in listed.orders]
        moved = stub.UpdateOrderStatus(orders_pb.UpdateOrderStatusRequest(
            order_id=first.order.order_id, status="sent", expected_version=first.order.version),
            metadata=bearer(server.token), timeout=15)
        assert moved.order.version == first.order.version + 1
        for bad, field in ((orders_pb.CreateOrderRequest(location_id="nope", channel="pos:square", external_id="x"),
                            "location_id"),
                           (orders_pb.CreateOrderRequest(location_id=platform.demo["location_id"], channel="fax",
                                                         external_id="x"), "channel"),
                           (orders_pb.CreateOrderRequest(location_id=platform.demo["location_id"],
                                                         channel="pos:toast"), "external_id")):
            with pytest.raises(grpc.RpcError) as error:
                stub.CreateOrder(bad, metadata=bearer(server.token), timeout=15)
            assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in error.value.details()
        with pytest.raises(grpc.RpcError) as error:
            stub.UpdateOrderStatus(orders_pb.UpdateOrderStatusRequest(
                order_id=first.order.order_id, status="ready", expected_version=1), metadata=bearer(server.token),
                timeout=15)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_the_server_must_work_at_the_location(platform, gateway, admin, crew):
    elsewhere = admin.post("/api/auth/v1/locations", json={
        "name": f"Pop-up {uuid.uuid4().hex[:6]}", "time_zone": "America/Los_Angeles", "state": "PA"})
    assert elsewhere.status_code == 201, elsewhere.text
    outsider = add_member(admin, gateway, platform.demo["tenant_slug"], ["staff"],
                          location_ids=[elsewhere.json()["location_id"]], label="outsider")
    base = {"location_id": platform.demo["location_id"], "table": "9"}
    for server, field in ((outsider.user_id, "server_staff_id"), (str(uuid.uuid4()), "server_staff_id"),
                          ("nobody", "server_staff_id")):
        response = admin.post(ORDERS, json={**base, "server_staff_id": server})
        assert response.status_code == 422 and response.json()["field"] == field, response.text
    ok = admin.post(ORDERS, json={**base, "server_staff_id": crew["staff"].user_id})
    assert ok.status_code == 201 and ok.json()["server_staff_id"] == crew["staff"].user_id
    # The business date is the location's local date (the demo bistro is in Philadelphia).
    local = {datetime.now(ZoneInfo("America/New_York")).date().isoformat() for _ in range(1)}
    assert ok.json()["business_date"] in local


def test_listing_pages_with_a_cursor(admin, platform):
    location = platform.demo["location_id"]
    table = f"p-{uuid.uuid4().hex[:6]}"
    made = [admin.post(ORDERS, json={"location_id": location, "table": table}).json()["order_id"] for _ in range(3)]
    first = admin.get(ORDERS, params={"location_id": location, "table": table, "limit": 2}).json()
    assert first["next_cursor"]
    admin.post(ORDERS, json={"location_id": location, "table": table})  # inserted while paging
    second = admin.get(ORDERS, params={"location_id": location, "table": table, "limit": 2,
                                       "cursor": first["next_cursor"]}).json()
    seen = [o["order_id"] for o in first["orders"] + second["orders"]]
    assert seen == list(reversed(made)) and second["next_cursor"] is None
    bad = admin.get(ORDERS, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"
