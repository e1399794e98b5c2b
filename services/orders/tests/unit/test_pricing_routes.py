"""The pricing REST routes wired to fakes: status codes, permissions, 412 on a stale version, 422
naming the field, and the quote's JSON."""
from __future__ import annotations

import pytest
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from fastapi.testclient import TestClient
from orders.adapters.auth_client import AuthClient
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app

from services.orders.tests.unit.fakes import LOCATION, FakeTimeZones, identity

pytestmark = pytest.mark.unit

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"
RULES = "/api/orders/v1/pricing-rules"
HAPPY = {"name": "Happy hour", "effect": {"type": "percent_off", "percent": "20"}, "target": {"categories": ["drinks"]},
         "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "16:00", "end": "18:00"}]}
BASKET = {"location_id": str(LOCATION), "at": "2026-03-16T21:00:00Z", "lines": [
    {"line_ref": "beer", "item_id": "i-beer", "name": "Lager", "category": "drinks", "quantity": 2,
     "unit_price_cents": 700},
    {"name": "Wings", "category": "food", "tags": ["wings"], "quantity": 3, "unit_price_cents": 900}]}


def as_(who: Identity) -> dict:
    return {"authorization": bearer_for_tests(who, "orders")}


MANAGER = Identity(identity().subject, identity().tenant_id, ("manager",),
                   identity().permissions | {"orders:discount"})
STAFF = Identity(identity().subject, identity().tenant_id, ("staff",), frozenset({"orders:create", "orders:read"}))


@pytest.fixture
def client(uow, tax, clock, ids) -> TestClient:
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, tax=tax, clock=clock,
                          new_id=ids, time_zones=FakeTimeZones())
    client = TestClient(build_app(container))
    client.headers.update(as_(MANAGER))
    return client


def field_of(response) -> str:
    body = response.json()
    return body.get("field") or body["fields"][0]["field"]


def test_bootstrap_builds_the_auth_client_from_the_address(uow):
    container = bootstrap(Settings(database_url=DB, db_schema="orders", auth_grpc_addr="127.0.0.1:1"), uow=lambda: uow)
    assert isinstance(container.time_zones, AuthClient)
    assert bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow).time_zones is None


def test_a_manager_creates_lists_reads_updates_and_deletes_a_rule(client):
    created = client.post(RULES, json=HAPPY)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["version"] == 1 and rule["effect"] == {"type": "percent_off", "percent": "20"}
    assert rule["windows"] == HAPPY["windows"] and rule["location_id"] is None and rule["active"] is True
    assert client.get(RULES).json()["rules"] == [rule]
    assert client.get(f"{RULES}/{rule['rule_id']}").json() == rule
    updated = client.put(f"{RULES}/{rule['rule_id']}", json={**HAPPY, "priority": 5, "version": 1})
    assert updated.status_code == 200 and updated.json()["version"] == 2 and updated.json()["priority"] == 5
    stale = client.put(f"{RULES}/{rule['rule_id']}", json={**HAPPY, "version": 1})
    assert stale.status_code == 412 and stale.json()["field"] == "version"
    by_header = client.put(f"{RULES}/{rule['rule_id']}", json=HAPPY, headers={"If-Match": '"2"'})
    assert by_header.status_code == 200 and by_header.json()["version"] == 3
    off = client.post(f"{RULES}/{rule['rule_id']}/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get(RULES, params={"include_inactive": "false"}).json()["rules"] == []
    assert client.delete(f"{RULES}/{rule['rule_id']}").status_code == 204
    assert client.get(f"{RULES}/{rule['rule_id']}").status_code == 404


def test_staff_may_read_rules_and_quote_but_not_manage_rules(client):
    rule = client.post(RULES, json=HAPPY).json()
    staff = as_(STAFF)
    assert client.post(RULES, json=HAPPY, headers=staff).status_code == 403
    assert client.put(f"{RULES}/{rule['rule_id']}", json={**HAPPY, "version": 1}, headers=staff).status_code == 403
    assert client.delete(f"{RULES}/{rule['rule_id']}", headers=staff).status_code == 403
    assert client.get(RULES, headers=staff).status_code == 200
    assert client.post("/api/orders/v1/quotes", json=BASKET, headers=staff).status_code == 200
    manual = {**BASKET, "manager_discounts": [{"reason": "cold food", "amount_cents": 100}]}
    refused = client.post("/api/orders/v1/quotes", json=manual, headers=staff)
    assert refused.status_code == 403 and refused.json()["field"] == "manager_discounts"


@pytest.mark.parametrize(("change", "field"), [
    ({"effect": {"type": "free_beer"}}, "effect.type"),
    ({"effect": {"type": "percent_off", "percent": 150}}, "effect.percent"),
    ({"effect": {"type": "percent_off", "percent": -1}}, "effect.percent"),
    ({"starts_on": "2026-06-01", "ends_on": "2026-05-01"}, "ends_on"),
    ({"windows": [{"days": ["mon"], "start": "16:00", "end": "16:00"}]}, "windows[0].end"),
    ({"windows": [{"days": ["someday"], "start": "16:00", "end": "18:00"}]}, "windows[0].days[0]"),
    ({"windows": [{"days": ["mon"], "start": "4pm", "end": "18:00"}]}, "windows[0].start"),
    ({"location_id": "not-a-uuid"}, "location_id"),
    ({"min_quantity": "2"}, "min_quantity"),
    ({"effect": "20%"}, "effect"),
    ({"name": None}, "name"),
])
def test_a_bad_rule_is_422_naming_the_field(client, change, field):
    response = client.post(RULES, json={**HAPPY, **change})
    assert response.status_code == 422, response.text
    assert field_of(response) == field


def test_an_update_without_a_version_or_with_a_bad_if_match_is_422(client):
    rule = client.post(RULES, json=HAPPY).json()
    assert field_of(client.put(f"{RULES}/{rule['rule_id']}", json=HAPPY)) == "version"
    assert field_of(client.put(f"{RULES}/{rule['rule_id']}", json=HAPPY, headers={"If-Match": "*"})) == "If-Match"
    assert field_of(client.put(f"{RULES}/{rule['rule_id']}", json={**HAPPY, "version": 2},
                               headers={"If-Match": "1"})) == "version"


def test_an_unknown_rule_is_404_and_a_bad_id_422(client):
    assert client.get(f"{RULES}/00000000-0000-4000-8000-000000000000").status_code == 404
    assert field_of(client.get(f"{RULES}/nope")) == "rule_id"


def test_a_quote_names_each_rule_and_its_amount(client):
    rule = client.post(RULES, json=HAPPY).json()
    b2g1 = client.post(RULES, json={"name": "Wings 3 for 2", "effect": {"type": "buy_x_get_y", "buy": 2, "get": 1},
                                    "target": {"tags": ["wings"]}}).json()
    response = client.post("/api/orders/v1/quotes", json=BASKET)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["subtotal_cents"], body["discount_cents"], body["total_cents"]) == (4100, 1180, 2920)
    assert body["time_zone"] == "America/New_York" and body["local_time"] == "2026-03-16T17:00:00-04:00"
    assert [(line["line_ref"], line["discount_cents"], line["total_cents"]) for line in body["lines"]] == [
        ("beer", 280, 1120), ("1", 900, 1800)]
    assert body["lines"][0]["discounts"] == [{"line_ref": "beer", "rule_id": rule["rule_id"],
                                              "rule_name": "Happy hour", "amount_cents": 280}]
    assert body["discounts"][1]["rule_id"] == b2g1["rule_id"]


@pytest.mark.parametrize(("change", "field"), [
    ({"location_id": "x"}, "location_id"),
    ({"at": "2026-03-16T21:00:00"}, "at"),
    ({"at": "yesterday"}, "at"),
    ({"lines": []}, "lines"),
    ({"lines": [{"quantity": 0, "unit_price_cents": 1}]}, "lines[0].quantity"),
    ({"lines": [{"line_ref": "a", "quantity": 1, "unit_price_cents": 1},
                {"line_ref": "a", "quantity": 1, "unit_price_cents": 1}]}, "lines[1].line_ref"),
    ({"manager_discounts": [{"amount_cents": 5}]}, "manager_discounts[0].reason"),
    ({"manager_discounts": [{"reason": "x", "percent": 200}]}, "manager_discounts[0].percent"),
    ({"manager_discounts": [{"reason": "x", "amount_cents": 5, "line_ref": "zzz"}]}, "manager_discounts[0].line_ref"),
])
def test_a_bad_quote_is_422_naming_the_field(client, change, field):
    response = client.post("/api/orders/v1/quotes", json={**BASKET, **change})
    assert response.status_code == 422, response.text
    assert field_of(response) == field


def test_a_quote_at_an_unknown_location_is_404(client):
    response = client.post("/api/orders/v1/quotes", json={**BASKET, "location_id": "00000000-0000-4000-8000-000000000999"})
    assert response.status_code == 404 and response.json()["field"] == "location_id"


@pytest.mark.parametrize(("path", "raw", "field"), [
    (RULES, b'{"name": "a", "effect": {"type": "amount_off", "amount_cents": 5}, "target": {"tags": ["\\udfff"]}}',
     "target.tags[0]"),
    (RULES, b'{"name": "a", "effect": {"type": "amount_off", "amount_cents": 5, "\\ud800": 1}}', "effect"),
    ("/api/orders/v1/quotes", b'{"location_id": "%s", "lines": [{"quantity": 1, "unit_price_cents": 1}], '
     b'"manager_discounts": [{"reason": "\\ud800", "amount_cents": 1}]}' % str(LOCATION).encode(),
     "manager_discounts[0].reason"),
])
def test_a_lone_surrogate_is_422_naming_where_it_is(client, path, raw, field):
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["field"] == field
