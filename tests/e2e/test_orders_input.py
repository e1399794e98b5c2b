"""Orders input the README's own example can produce: an empty Idempotency-Key (`uuidgen` missing)
and a report date at the end of the calendar. Both are 422 naming the field, through the gateway."""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


def test_an_empty_idempotency_key_is_refused(admin, platform):
    body = {"location_id": platform.demo["location_id"],
            "lines": [{"name": "Pretzel", "quantity": 1, "unit_price_cents": 400}]}
    response = admin.post("/api/orders/v1/orders", json=body, headers={"Idempotency-Key": ""})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "Idempotency-Key"


def test_a_blank_idempotency_key_is_refused(gateway, admin_token, platform):
    """`Idempotency-Key:    ` (httpx will not send that header value; http.client will)."""
    body = json.dumps({"location_id": platform.demo["location_id"],
                       "lines": [{"name": "Pretzel", "quantity": 1, "unit_price_cents": 400}]})
    address = urlsplit(gateway)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=15)
    try:
        connection.request("POST", "/api/orders/v1/orders", body=body, headers={
            "Authorization": f"Bearer {admin_token}", "Content-Type": "application/json",
            "Idempotency-Key": "   "})
        response = connection.getresponse()
        assert response.status == 422
        assert json.loads(response.read())["field"] == "Idempotency-Key"
    finally:
        connection.close()


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-01-01", "to": "9999-12-31"}, "to"),
    ({"from": "9999-12-31", "to": "9999-12-31"}, "to"),
    ({"from": "0000-01-01", "to": "2026-01-01"}, "from"),
])
def test_a_report_date_at_the_edge_of_the_calendar_is_422(admin, params, field):
    response = admin.get("/api/orders/v1/reports/sales", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_the_widest_report_works(admin):
    response = admin.get("/api/orders/v1/reports/sales", params={"from": "0001-01-01", "to": "9999-12-30"})
    assert response.status_code == 200, response.text
