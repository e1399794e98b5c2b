"""The composition root and the REST API wired to fakes: headers, query strings and readiness."""
from __future__ import annotations

import pytest
from chassis.internal_token import bearer_for_tests
from fastapi.testclient import TestClient
from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app

from services.orders.tests.unit.fakes import LOCATION, identity

pytestmark = pytest.mark.unit

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"


def test_bootstrap_uses_the_fakes_it_is_given(uow, tax, clock, ids):
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, tax=tax,
                          clock=clock, new_id=ids)
    assert isinstance(container, OrdersContainer)
    assert (container.uow(), container.tax, container.clock, container.new_id, container.engine) == (
        uow, tax, clock, ids, None)


def test_a_process_without_peer_addresses_has_no_peers(uow):
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow)
    assert (container.tax, container.directory, container.time_zones, container.pricing) == (None, None, None, None)
    assert container.menu is not None  # the menu is this service's own: always wired


def test_the_real_unit_of_work_is_the_default():
    from orders.adapters.unit_of_work import OrdersUnitOfWork

    container = bootstrap(Settings(database_url=DB, db_schema="orders", tax_grpc_addr="127.0.0.1:1",
                                   auth_grpc_addr="127.0.0.1:2"))
    try:
        assert isinstance(container.uow(), OrdersUnitOfWork) and container.tax is not None
        assert container.directory is not None
    finally:
        container.engine.dispose()


@pytest.fixture
def client(uow, tax, clock, ids) -> TestClient:
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, tax=tax,
                          clock=clock, new_id=ids)
    client = TestClient(build_app(container))
    client.headers["authorization"] = bearer_for_tests(identity(), "orders")
    return client


BODY = {"location_id": str(LOCATION), "lines": [{"name": "Pretzel", "quantity": 1, "unit_price_cents": 400}]}


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_idempotency_key_is_422_naming_the_header(client, uow, key):
    response = client.post("/api/orders/v1/orders", json=BODY, headers={"Idempotency-Key": key})
    assert response.status_code == 422 and response.json()["field"] == "Idempotency-Key"
    assert uow.commits == 0


def test_a_real_idempotency_key_replays_status_and_body(client):
    first = client.post("/api/orders/v1/orders", json=BODY, headers={"Idempotency-Key": "abc"})
    second = client.post("/api/orders/v1/orders", json=BODY, headers={"Idempotency-Key": "abc"})
    no_key = client.post("/api/orders/v1/orders", json=BODY)
    assert (first.status_code, second.status_code, no_key.status_code) == (201, 201, 201)
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert first.json() == second.json() != no_key.json()
    assert first.json()["total_cents"] == 432 and first.json()["placed_at"] == "2026-03-14T12:30:00+00:00"
    other_body = client.post("/api/orders/v1/orders", json={**BODY, "tip_cents": 5}, headers={"Idempotency-Key": "abc"})
    assert other_body.status_code == 422 and other_body.json()["field"] == "Idempotency-Key"


def test_writes_take_the_version_from_if_match_and_refuse_a_stale_one(client):
    order = client.post("/api/orders/v1/orders", json=BODY).json()
    path = f"/api/orders/v1/orders/{order['order_id']}"
    assert client.get(path).headers["ETag"] == f'"{order["version"]}"'
    stale = client.patch(path, json={"status": "sent"}, headers={"If-Match": f'"{order["version"] + 1}"'})
    assert stale.status_code == 412 and stale.json()["field"] == "version"
    bad = client.patch(path, json={"status": "sent"}, headers={"If-Match": "yesterday"})
    assert bad.status_code == 422 and bad.json()["field"] == "If-Match"
    sent = client.patch(path, json={"status": "sent"}, headers={"If-Match": f'"{order["version"]}"'})
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert sent.headers["ETag"] == f'"{order["version"] + 1}"'
    again = client.patch(path, json={"status": "sent"})
    assert again.status_code == 409 and "is sent" in again.json()["message"]
    history = client.get(path + "/history").json()["history"]
    assert [h["to_status"] for h in history if h["kind"] == "status"] == ["open", "sent"]


def test_a_report_day_at_the_end_of_the_calendar_is_422(client):
    response = client.get("/api/orders/v1/reports/sales", params={"from": "2026-01-01", "to": "9999-12-31"})
    assert response.status_code == 422 and response.json()["field"] == "to"
    ok = client.get("/api/orders/v1/reports/sales", params={"from": "2026-03-14", "to": "2026-03-14"})
    assert ok.status_code == 200 and ok.json() == {"from": "2026-03-14", "to": "2026-03-14", "locations": []}


def test_readiness_checks_only_what_the_api_uses(client):
    """No Redis, no Kafka: with fakes (no engine, no tax address) there is nothing to check."""
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"] == {}
