"""The menu through Envoy with the real services: a manager builds it (category, items, a modifier
group with min/max and defaults, a nested group), prices an item at the demo location, 86's it and
brings it back (with its event on orders.menu.v1); staff cannot edit it; peers read it over gRPC."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from auraconnect.orders.v1 import menu_events_pb2, menu_service_pb2, menu_service_pb2_grpc
from kafka import KafkaConsumer, TopicPartition

from tests.e2e.auth_support import bearer, grpc_channel
from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e

MENU = "/api/orders/v1/menu"


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def manager(demo_members, gateway):
    with demo_members["manager"].http(gateway) as http:
        yield http


@pytest.fixture(scope="module")
def built(manager) -> dict:
    """Mains with a Burger (Size: exactly one, default Regular; Side: one, Salad opens Dressing) and a Soda."""
    suffix = uuid.uuid4().hex[:6]
    mains = created(manager.post(f"{MENU}/categories", json={"name": f"Mains {suffix}", "position": 1}))
    drinks = created(manager.post(f"{MENU}/categories", json={"name": f"Drinks {suffix}", "position": 0}))
    dressing = created(manager.post(f"{MENU}/modifier-groups", json={
        "name": f"Dressing {suffix}", "min_selections": 1, "max_selections": 1,
        "options": [{"name": "Ranch", "is_default": True}, {"name": "Vinaigrette", "price_delta_cents": 25}]}))
    size = created(manager.post(f"{MENU}/modifier-groups", json={
        "name": f"Size {suffix}", "min_selections": 1, "max_selections": 1,
        "options": [{"name": "Regular", "is_default": True}, {"name": "Large", "price_delta_cents": 300}]}))
    side = created(manager.post(f"{MENU}/modifier-groups", json={
        "name": f"Side {suffix}", "min_selections": 0, "max_selections": 2,
        "options": [{"name": "Fries", "price_delta_cents": 200},
                    {"name": "Salad", "price_delta_cents": 250, "opens_group_id": dressing["group_id"]}]}))
    burger = created(manager.post(f"{MENU}/items", json={
        "category_id": mains["category_id"], "name": f"Burger {suffix}", "price_cents": 1000,
        "tax_category": "prepared_food", "kitchen_tags": ["grill"], "prep_time_seconds": 600,
        "allergens": ["gluten"], "course": "main", "description": "Two patties",
        "modifier_group_ids": [size["group_id"], side["group_id"]]}))
    soda = created(manager.post(f"{MENU}/items", json={
        "category_id": drinks["category_id"], "name": f"Soda {suffix}", "price_cents": 250,
        "tax_category": "general", "course": "drinks", "kitchen_tags": ["bar"]}))
    return {"mains": mains, "drinks": drinks, "size": size, "side": side, "dressing": dressing, "burger": burger,
            "soda": soda}


def menu_item(manager, platform, item_id: str) -> dict:
    response = manager.get(MENU, params={"location_id": platform.demo["location_id"]})
    assert response.status_code == 200, response.text
    return next(item for item in response.json()["items"] if item["item_id"] == item_id)


def test_the_manager_builds_the_menu_and_the_location_sees_it(manager, platform, built):
    response = manager.get(MENU, params={"location_id": platform.demo["location_id"]})
    body = response.json()
    groups = {g["group_id"]: g for g in body["modifier_groups"]}
    assert {built["size"]["group_id"], built["side"]["group_id"], built["dressing"]["group_id"]} <= groups.keys()
    size = groups[built["size"]["group_id"]]
    assert (size["min_selections"], size["max_selections"], size["required"]) == (1, 1, True)
    assert [(o["name"], o["is_default"], o["price_delta_cents"]) for o in size["options"]] == [
        ("Regular", True, 0), ("Large", False, 300)]
    burger = menu_item(manager, platform, built["burger"]["item_id"])
    assert (burger["price_cents"], burger["available"], burger["kitchen_tags"], burger["course"]) == (
        1000, True, ["grill"], "main")


def test_edits_need_the_current_version(manager, built):
    url = f"{MENU}/items/{built['soda']['item_id']}"
    changed = manager.patch(url, json={"price_cents": 275}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    stale = manager.patch(url, json={"price_cents": 300, "version": 1})
    assert stale.status_code == 412 and stale.json()["field"] == "version"
    bad = manager.patch(url, json={"price_cents": -1, "version": 2})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "price_cents"
    nested_too_deep = manager.post(f"{MENU}/modifier-groups", json={
        "name": "Loop", "options": [{"name": "x", "opens_group_id": str(uuid.uuid4())}]})
    assert nested_too_deep.status_code == 422 and nested_too_deep.json()["field"] == "options[0].opens_group_id"


def test_a_location_price_and_86_and_back(manager, platform, built):
    location, item_id = platform.demo["location_id"], built["burger"]["item_id"]
    price = manager.put(f"{MENU}/items/{item_id}/locations/{location}", json={"price_cents": 1250})
    assert price.status_code == 200, price.text
    assert menu_item(manager, platform, item_id)["price_cents"] == 1250

    off = manager.post(f"{MENU}/items/{item_id}/availability", json={"location_id": location, "available": False})
    assert off.status_code == 200 and off.json()["available"] is False
    assert menu_item(manager, platform, item_id)["available"] is False
    listed = manager.get(MENU, params={"location_id": location, "available_only": True}).json()["items"]
    assert item_id not in {item["item_id"] for item in listed}

    back = manager.post(f"{MENU}/items/{item_id}/availability", json={"location_id": location, "available": True})
    assert back.status_code == 200 and menu_item(manager, platform, item_id)["available"] is True
    assert menu_item(manager, platform, item_id)["price_cents"] == 1250  # the price override stayed

    consumer = KafkaConsumer(bootstrap_servers=platform.layout.kafka_bootstrap, enable_auto_commit=False,
                             consumer_timeout_ms=1000)
    partitions = [TopicPartition("orders.menu.v1", p) for p in consumer.partitions_for_topic("orders.menu.v1")]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    seen: list[bool] = []

    def both_changes():
        for record in consumer:
            if record.key == item_id.encode() and dict(record.headers)["ce_type"] == \
                    b"auraconnect.orders.v1.MenuItemAvailabilityChanged":
                seen.append(menu_events_pb2.MenuItemAvailabilityChanged.FromString(record.value).available)
        return seen if len(seen) >= 2 else None

    assert eventually(both_changes, timeout=30, interval=0) == [False, True]
    consumer.close()


def test_staff_cannot_edit_the_menu_but_can_read_it(demo_members, gateway, platform, built):
    with demo_members["staff"].http(gateway) as staff:
        assert staff.post(f"{MENU}/categories", json={"name": "Nope"}).status_code == 403
        assert staff.post(f"{MENU}/items/{built['burger']['item_id']}/availability",
                          json={"location_id": platform.demo["location_id"], "available": False}).status_code == 403
        assert staff.patch(f"{MENU}/items/{built['burger']['item_id']}", json={"version": 1, "name": "x"}
                           ).status_code == 403
        assert staff.get(MENU, params={"location_id": platform.demo["location_id"]}).status_code == 200


def test_peers_read_the_menu_over_grpc_through_the_gateway(demo_members, manager, platform, built):
    token, location = demo_members["manager"].token, platform.demo["location_id"]
    assert manager.put(f"{MENU}/items/{built['burger']['item_id']}/locations/{location}",
                       json={"price_cents": 1250}).status_code == 200  # as the test above left it (same PUT)
    with grpc_channel(platform) as channel:
        stub = menu_service_pb2_grpc.MenuServiceStub(channel)
        menu = stub.GetMenu(menu_service_pb2.GetMenuRequest(location_id=location), metadata=bearer(token),
                            timeout=10).menu
        listed = stub.ListMenuItems(menu_service_pb2.ListMenuItemsRequest(
            location_id=location, category_id=built["drinks"]["category_id"]), metadata=bearer(token), timeout=10)
        with pytest.raises(grpc.RpcError) as raised:
            stub.GetMenu(menu_service_pb2.GetMenuRequest(location_id="nowhere"), metadata=bearer(token), timeout=10)
        with pytest.raises(grpc.RpcError) as anonymous:
            stub.GetMenu(menu_service_pb2.GetMenuRequest(location_id=location), timeout=10)
    assert menu.location_id == location and menu.tenant_id == platform.demo["tenant_id"]
    burger = next(i for i in menu.items if i.item.item_id == built["burger"]["item_id"])
    assert (burger.price_cents, burger.item.price_cents, burger.price_overridden) == (1250, 1000, True)
    assert list(burger.item.modifier_group_ids) == [built["size"]["group_id"], built["side"]["group_id"]]
    side = next(g for g in menu.modifier_groups if g.group_id == built["side"]["group_id"])
    assert [o.opens_group_id for o in side.options] == ["", built["dressing"]["group_id"]]
    assert built["dressing"]["group_id"] in {g.group_id for g in menu.modifier_groups}
    assert [i.item.name for i in listed.items] == [built["soda"]["name"]]
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "location_id" in raised.value.details()
    assert anonymous.value.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)


def test_a_price_change_is_seen_by_the_next_order_on_every_worker(demo_members, gateway, manager, platform, built):
    """orders-http caches what prices an order per worker process (adapters/menu_cache.py): after a
    manager's change, every order placed afterwards, whichever worker takes it, has the new price.
    Orders go eight at a time on eight connections, so Envoy spreads them over the workers (both
    warmed before the change); the assertion holds for every one of them."""
    location, soda = platform.demo["location_id"], built["soda"]["item_id"]

    def prices() -> set[int]:
        def place(_) -> int:
            with demo_members["manager"].http(gateway) as http:
                answer = http.post("/api/orders/v1/orders", json={"location_id": location, "lines": [{"item_id": soda}]})
                assert answer.status_code == 201, answer.text
                return answer.json()["lines"][0]["unit_price_cents"]
        with ThreadPoolExecutor(8) as pool:
            return set(pool.map(place, range(8)))

    for cents in (333, 444):
        changed = manager.put(f"{MENU}/items/{soda}/locations/{location}", json={"price_cents": cents})
        assert changed.status_code == 200, changed.text
        assert prices() == {cents}
