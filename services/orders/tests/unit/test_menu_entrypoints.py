"""The menu's REST API on fakes: permissions, versions (body or If-Match, 412, ETag), 422 naming fields."""
from __future__ import annotations

import pytest
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from fastapi.testclient import TestClient
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app

from services.orders.tests.unit.fakes import LOCATION, STAFF, TENANT

pytestmark = pytest.mark.unit

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"
MENU = "/api/orders/v1/menu"


def claims(*permissions: str) -> str:
    return bearer_for_tests(Identity(subject=str(STAFF), tenant_id=str(TENANT), permissions=frozenset(permissions)),
                            "orders")


@pytest.fixture
def client(uow, clock, ids, locations) -> TestClient:
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, clock=clock, new_id=ids,
                          locations=locations)
    client = TestClient(build_app(container))
    client.headers["authorization"] = claims("orders:read", "orders:update")
    return client


@pytest.fixture
def burger(client) -> dict:
    category = client.post(f"{MENU}/categories", json={"name": "Mains"}).json()
    group = client.post(f"{MENU}/modifier-groups", json={
        "name": "Size", "min_selections": 1, "max_selections": 1,
        "options": [{"name": "Regular", "is_default": True}, {"name": "Large", "price_delta_cents": 300}]}).json()
    response = client.post(f"{MENU}/items", json={
        "category_id": category["category_id"], "name": "Burger", "price_cents": 1000,
        "tax_category": "prepared_food", "kitchen_tags": ["grill"], "prep_time_seconds": 480,
        "allergens": ["gluten"], "course": "main", "modifier_group_ids": [group["group_id"]]})
    assert response.status_code == 201 and response.headers["ETag"] == '"1"'
    return response.json() | {"group": group}


def test_an_item_round_trips(client, burger):
    read = client.get(f"{MENU}/items/{burger['item_id']}")
    assert read.status_code == 200 and read.json() == {k: v for k, v in burger.items() if k != "group"}
    assert burger["group"]["required"] is True and burger["group"]["options"][0]["is_default"] is True


def test_edits_take_the_version_from_the_body_or_if_match(client, burger):
    url = f"{MENU}/items/{burger['item_id']}"
    assert client.patch(url, json={"price_cents": 1100}).json()["field"] == "version"
    first = client.patch(url, json={"price_cents": 1100}, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"' and first.json()["price_cents"] == 1100
    stale = client.patch(url, json={"price_cents": 1200, "version": 1})
    assert stale.status_code == 412 and stale.json()["field"] == "version"
    assert client.patch(url, json={"name": "Big Burger", "version": 2}).json()["version"] == 3
    bad = client.patch(url, json={"name": "x"}, headers={"If-Match": "soon"})
    assert bad.status_code == 422 and bad.json()["field"] == "If-Match"
    clash = client.patch(url, json={"name": "x", "version": 3}, headers={"If-Match": "2"})
    assert clash.status_code == 422 and clash.json()["field"] == "version"


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "x" * 201}, "name"), ({"price_cents": -1}, "price_cents"), ({"price_cents": 10**9 + 1}, "price_cents"),
    ({"prep_time_seconds": 86_401}, "prep_time_seconds"), ({"tax_category": "food"}, "tax_category"),
    ({"course": "brunch"}, "course"), ({"kitchen_tags": ["a"] * 21}, "kitchen_tags"),
    ({"modifier_group_ids": ["nope"]}, "modifier_group_ids[0]"), ({"category_id": "nope"}, "category_id"),
])
def test_bad_item_values_are_422_naming_the_field(client, burger, change, field):
    response = client.patch(f"{MENU}/items/{burger['item_id']}", json=change | {"version": 1})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body.get("field", body.get("fields", [{}])[0].get("field")) == field


def test_a_group_with_bad_counts_is_422(client):
    response = client.post(f"{MENU}/modifier-groups", json={"name": "S", "min_selections": 2, "max_selections": 1,
                                                            "options": [{"name": "a"}]})
    assert response.status_code == 422 and response.json()["field"] == "min_selections"
    response = client.post(f"{MENU}/modifier-groups", json={"name": "S", "max_selections": 2,
                                                            "options": [{"name": "a"}]})
    assert response.status_code == 422 and response.json()["field"] == "max_selections"
    response = client.post(f"{MENU}/modifier-groups", json={"name": "S", "options": []})
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "options"


def test_86_and_back_and_the_location_menu(client, burger):
    url = f"{MENU}/items/{burger['item_id']}/availability"
    off = client.post(url, json={"location_id": str(LOCATION), "available": False})
    assert off.status_code == 200 and off.json()["available"] is False
    listed = client.get(MENU, params={"location_id": str(LOCATION)}).json()
    assert [(i["name"], i["available"]) for i in listed["items"]] == [("Burger", False)]
    assert client.get(MENU, params={"location_id": str(LOCATION), "available_only": True}).json()["items"] == []
    client.post(url, json={"location_id": str(LOCATION), "available": True})
    price = client.put(f"{MENU}/items/{burger['item_id']}/locations/{LOCATION}", json={"price_cents": 1250})
    assert price.status_code == 200 and price.json()["price_cents"] == 1250
    item = client.get(MENU, params={"location_id": str(LOCATION)}).json()["items"][0]
    assert (item["price_cents"], item["base_price_cents"], item["price_overridden"], item["available"]) == (
        1250, 1000, True, True)
    assert client.get(MENU, params={"location_id": "x"}).json()["field"] == "location_id"


def test_editing_needs_orders_update_and_reading_orders_read(client, burger):
    client.headers["authorization"] = claims("orders:read", "orders:create")  # what staff hold
    assert client.post(f"{MENU}/categories", json={"name": "Drinks"}).status_code == 403
    assert client.post(f"{MENU}/items/{burger['item_id']}/availability",
                       json={"location_id": str(LOCATION), "available": False}).status_code == 403
    assert client.get(f"{MENU}/items").status_code == 200
    client.headers["authorization"] = claims()
    assert client.get(MENU, params={"location_id": str(LOCATION)}).status_code == 403


def test_deletes_take_a_version_and_refuse_what_is_in_use(client, burger):
    group = burger["group"]
    assert client.delete(f"{MENU}/modifier-groups/{group['group_id']}", params={"version": 1}).status_code == 409
    assert client.delete(f"{MENU}/items/{burger['item_id']}").json()["field"] == "version"
    assert client.delete(f"{MENU}/items/{burger['item_id']}", headers={"If-Match": "1"}).status_code == 204
    assert client.get(f"{MENU}/items/{burger['item_id']}").status_code == 404
    assert client.delete(f"{MENU}/modifier-groups/{group['group_id']}", params={"version": 1}).status_code == 204


def test_items_filter_by_update_time_and_category(client, burger):
    url = f"{MENU}/items"
    assert [i["name"] for i in client.get(url, params={"updated_since": "2026-03-14T12:00:00Z"}).json()["items"]] == [
        "Burger"]
    assert client.get(url, params={"updated_since": "2026-03-14T13:00:00+00:00"}).json()["items"] == []
    naive = client.get(url, params={"updated_since": "2026-03-14T13:00:00"})
    assert naive.status_code == 422 and naive.json()["fields"][0]["field"] == "updated_since"
    assert client.get(url, params={"category_id": burger["category_id"]}).json()["items"][0]["name"] == "Burger"
    assert client.get(url, params={"category_id": "x"}).json()["field"] == "category_id"


def test_the_openapi_document_lists_the_menu(client):
    paths = client.get("/api/orders/v1/openapi.json").json()["paths"]
    assert {"/api/orders/v1/menu", "/api/orders/v1/menu/items/{item_id}/availability",
            "/api/orders/v1/menu/modifier-options/{option_id}/availability"} <= paths.keys()
