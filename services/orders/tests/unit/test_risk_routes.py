"""The risk REST routes wired to fakes: who may do what, bad input naming the field, ETags."""
from __future__ import annotations

import pytest
from auraconnect.orders.v1 import events_pb2
from chassis.internal_token import bearer_for_tests
from chassis.timestamps import to_timestamp
from fastapi.testclient import TestClient
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.service_layer.risk_feed import RiskFeed

from services.orders.tests.unit.fakes import FixedClock, SequentialIds, identity
from services.orders.tests.unit.fakes_risk import FakeRiskUnitOfWork
from services.orders.tests.unit.test_risk_service import ENVELOPE, EVENING, order

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"
RISK = "/api/orders/v1/risk"
MANAGER = frozenset({"orders:review_risk", "orders:read"})
ADMIN = MANAGER | {"settings:update"}


@pytest.fixture
def uow() -> FakeRiskUnitOfWork:
    return FakeRiskUnitOfWork()


@pytest.fixture
def client(uow) -> TestClient:
    from orders.entrypoints.http_api import build_app

    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, clock=FixedClock(EVENING),
                          new_id=SequentialIds())
    client = TestClient(build_app(container))
    client.headers["authorization"] = bearer_for_tests(identity(permissions=ADMIN), "orders")
    return client


def flag(uow) -> str:
    feed = RiskFeed(None, SequentialIds(), FixedClock(EVENING))
    with uow() as u:
        feed.refunded(u, events_pb2.OrderRefunded(order=order(1), amount_cents=10,
                                                  refunded_at=to_timestamp(EVENING)), ENVELOPE)
        u.commit()
    [case] = uow.risk.cases.values()
    return str(case.case_id)


def test_the_queue_read_and_decided_over_rest(client, uow):
    case_id = flag(uow)
    [listed] = client.get(f"{RISK}/reviews").json()["reviews"]
    assert (listed["case_id"], listed["status"], listed["hits"][0]["rule"]) == (case_id, "open", "refund_over_paid")
    read = client.get(f"{RISK}/reviews/{case_id}")
    assert read.headers["ETag"] == f'"{listed["version"]}"'
    stale = client.post(f"{RISK}/reviews/{case_id}/confirm", json={"reason": "x"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 412 and stale.json()["field"] == "version"
    done = client.post(f"{RISK}/reviews/{case_id}/confirm", json={"reason": "refund to a friend's card"})
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    again = client.post(f"{RISK}/reviews/{case_id}/dismiss", json={"reason": "oops"})
    assert again.status_code == 409 and again.json()["field"] == "status"


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), [
    ("post", "/reviews/{case}/confirm", {}, 422, "reason"),
    ("post", "/reviews/{case}/confirm", {"reason": ""}, 422, "reason"),
    ("post", "/reviews/not-a-uuid/confirm", {"reason": "x"}, 422, "case_id"),
    ("get", "/reviews/00000000-0000-4000-8000-000000000999", None, 404, "case_id"),
    ("get", "/reviews?status=maybe", None, 422, "status"),
    ("get", "/reviews?cursor=bm90LWEtY3Vyc29y", None, 422, "cursor"),
    ("put", "/settings", {"settings": {"flag_threshold": -1}}, 422, "flag_threshold"),
    ("put", "/settings", {"settings": {"rules": {"card_velocity": {"window_minutes": "ten"}}}}, 422,
     "rules.card_velocity.window_minutes"),
    ("put", "/settings", {"settings": []}, 422, "settings"),
])
def test_bad_input_names_the_field(client, uow, method, path, body, status, field):
    case_id = flag(uow)
    response = getattr(client, method)(RISK + path.format(case=case_id), **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.text
    assert field in (response.json().get("field") or str(response.json())), response.text


def test_staff_may_not_see_the_queue_and_managers_may_not_change_the_rules(client):
    client.headers["authorization"] = bearer_for_tests(identity(permissions=frozenset({"orders:create"})), "orders")
    assert client.get(f"{RISK}/reviews").status_code == 403
    client.headers["authorization"] = bearer_for_tests(identity(permissions=MANAGER), "orders")
    assert client.get(f"{RISK}/settings").status_code == 200
    assert client.put(f"{RISK}/settings", json={"settings": {}}).status_code == 403


def test_settings_round_trip(client):
    first = client.get(f"{RISK}/settings").json()
    assert first["version"] == 0 and first["effective"]["rules"]["discount_percent"]["max_percent"] == "50"
    saved = client.put(f"{RISK}/settings", json={"settings": {"rules": {"voids_per_shift": {"max_count": 4}}},
                                                 "version": 0}).json()
    assert saved["version"] == 1 and saved["effective"]["rules"]["voids_per_shift"]["max_count"] == 4
    assert client.put(f"{RISK}/settings", json={"settings": {}, "version": 0}).status_code == 412
