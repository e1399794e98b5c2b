"""The payments and reconciliation REST API wired to fakes: status codes, fields named, CSV in and out."""
from __future__ import annotations

import pytest
from chassis.internal_token import bearer_for_tests
from fastapi.testclient import TestClient
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app

from services.orders.tests.unit.fakes import LOCATION, MANAGER, identity

pytestmark = pytest.mark.unit

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"
ORDERS = "/api/orders/v1/orders"
DAY = "2026-03-14"
RECON = f"/api/orders/v1/reconciliation/{LOCATION}/{DAY}"
MANAGER_PLUS = MANAGER | {"orders:refund", "orders:reconcile"}
SERVER = frozenset({"orders:create", "orders:read"})
CARD = {"tender": "card", "card_brand": "visa", "card_last4": "4242", "processor_reference": "ch_1"}


@pytest.fixture
def app(uow, tax, clock, ids):
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, tax=tax, clock=clock,
                          new_id=ids)
    return build_app(container)


def field_of(response) -> str:
    body = response.json()
    return body.get("field") or body["fields"][0]["field"]


def as_(app, permissions) -> TestClient:
    client = TestClient(app)
    client.headers["authorization"] = bearer_for_tests(identity(permissions=permissions), "orders")
    return client


@pytest.fixture
def check(app) -> dict:
    body = {"location_id": str(LOCATION), "table": "12",
            "lines": [{"name": "Burger", "unit_price_cents": 1000, "seat": 1},
                      {"name": "Salad", "unit_price_cents": 500, "seat": 2}]}
    return as_(app, MANAGER).post(ORDERS, json=body).json()


def test_a_card_payment_with_a_tip_then_cash_with_change(app, check):
    server = as_(app, SERVER)
    card = server.post(f"{ORDERS}/{check['order_id']}/payments", json={**CARD, "amount_cents": 1000, "tip_cents": 200},
                       headers={"Idempotency-Key": "p1"})
    assert card.status_code == 201 and card.json()["balance_cents"] == check["total_cents"] - 1000
    replay = server.post(f"{ORDERS}/{check['order_id']}/payments",
                         json={**CARD, "amount_cents": 1000, "tip_cents": 200}, headers={"Idempotency-Key": "p1"})
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == card.json()
    cash = server.post(f"{ORDERS}/{check['order_id']}/payments", json={"tender": "cash", "tendered_cents": 1000})
    assert cash.status_code == 201 and cash.json()["payment"]["change_cents"] == 1000 - (check["total_cents"] - 1000)
    money = server.get(f"{ORDERS}/{check['order_id']}/payments").json()
    assert (money["paid_in_full"], money["tip_cents"], len(money["payments"])) == (True, 200, 2)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({**CARD, "card_last4": "4242424242424242"}, 422, "card_last4"),
    ({**CARD, "processor_reference": "4111 1111 1111 1111"}, 422, "processor_reference"),
    ({**CARD, "card_number": "4111111111111111"}, 422, "card_number"),
    ({"tender": "bitcoin"}, 422, "tender"),
    ({"tender": "cash"}, 422, "tendered_cents"),
    ({**CARD, "amount_cents": 10**9}, 409, "amount_cents"),
    ({**CARD, "split_id": "nope"}, 422, "split_id"),
    ({**CARD, "tip_cents": -5}, 422, "tip_cents"),
])
def test_bad_payments_are_4xx_naming_the_field(app, check, uow, body, status, field):
    response = as_(app, SERVER).post(f"{ORDERS}/{check['order_id']}/payments", json=body)
    assert response.status_code == status and field_of(response) == field, response.text
    assert "4111111111111111" not in response.text and "4242424242424242" not in response.text
    assert uow.payments.saved == {}


def test_split_by_seat_and_pay_a_part(app, check):
    server = as_(app, SERVER)
    split = server.post(f"{ORDERS}/{check['order_id']}/split", json={"by": "seat"})
    assert split.status_code == 201
    parts = split.json()["splits"]
    assert [p["label"] for p in parts] == ["seat 1", "seat 2"]
    assert sum(p["amount_cents"] for p in parts) == check["total_cents"]
    paid = server.post(f"{ORDERS}/{check['order_id']}/payments", json={**CARD, "split_id": parts[1]["split_id"]})
    assert paid.json()["payment"]["amount_cents"] == parts[1]["amount_cents"]
    bad = server.post(f"{ORDERS}/{check['order_id']}/split", json={"by": "even", "ways": 3})
    assert bad.status_code == 409 and bad.json()["field"] == "by"


def test_refunds_are_a_managers_and_capped(app, check):
    payment = as_(app, SERVER).post(f"{ORDERS}/{check['order_id']}/payments", json=CARD).json()["payment"]
    body = {"payment_id": payment["payment_id"], "reason": "cold", "amount_cents": 100}
    assert as_(app, SERVER).post(f"{ORDERS}/{check['order_id']}/refunds", json=body).status_code == 403
    manager = as_(app, MANAGER_PLUS)
    line = check["lines"][1]
    one = manager.post(f"{ORDERS}/{check['order_id']}/refunds",
                       json={"payment_id": payment["payment_id"], "reason": "cold", "line_ids": [line["line_id"]]})
    assert one.status_code == 201 and one.json()["refund"]["amount_cents"] == 500 + line["tax_cents"]
    too_much = manager.post(f"{ORDERS}/{check['order_id']}/refunds",
                            json={**body, "amount_cents": check["total_cents"]})
    assert too_much.status_code == 409 and too_much.json()["field"] == "amount_cents"


def test_a_settlement_is_imported_once_and_the_report_is_json_and_csv(app, check):
    as_(app, SERVER).post(f"{ORDERS}/{check['order_id']}/payments", json={**CARD, "amount_cents": 1000})
    manager = as_(app, MANAGER_PLUS)
    csv_file = b"processor_reference,amount\nch_1,10.05\nch_x,1.00\n"
    first = manager.post(RECON + "/settlements", content=csv_file, headers={"Content-Type": "text/csv"})
    again = manager.post(RECON + "/settlements", files={"file": ("day.csv", csv_file, "text/csv")})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "created": False}
    report = manager.get(RECON, params={"tolerance_cents": 4}).json()
    assert report["counts"] == {"matched": 0, "amount_mismatch": 1, "missing_in_settlement": 0,
                                "missing_in_records": 1}
    assert manager.get(RECON, params={"tolerance_cents": 5}).json()["counts"]["matched"] == 1
    as_csv = manager.get(RECON, params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].startswith("status,reference,tender")
    assert len(as_csv.text.splitlines()) == 3
    bad = manager.post(RECON + "/settlements", content=b"processor_reference,amount\nch_2,ten\n",
                       headers={"Content-Type": "text/csv"})
    assert bad.status_code == 422 and bad.json()["field"] == "rows[1].amount"
    assert as_(app, SERVER).post(RECON + "/settlements", content=csv_file).status_code == 403
    assert manager.get(f"/api/orders/v1/reconciliation/{LOCATION}/2026-13-01").json()["field"] == "business_date"
