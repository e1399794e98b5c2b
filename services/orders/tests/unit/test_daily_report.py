"""The day's report: sums by category, server and tender; discounts, voids, refunds, tips; its
tenders add up to the payments recorded that business day; JSON, CSV and bad input through REST."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
from chassis.internal_token import bearer_for_tests
from fastapi.testclient import TestClient
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.domain.reports import (
    DayRows,
    ReportLine,
    ReportOrder,
    ReportPayment,
    ReportRefund,
    daily_sales,
)
from orders.entrypoints.http_api import build_app

from services.orders.tests.unit.fakes import LOCATION, OTHER_LOCATION, TENANT, FixedClock, SequentialIds, identity
from services.orders.tests.unit.fakes_risk import FakeRiskUnitOfWork

DAY = date(2026, 3, 14)
ANA, BEN = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
O1, O2, O3, O4 = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"


def day_rows() -> DayRows:
    """Ana's two checks (one with a voided line and a discount), Ben's one, one voided check; paid
    by cash with change, a card with a tip, and a refund on the card."""
    orders = [ReportOrder(O1, ANA, "closed", 2_300, 184, 0, 2_484),
              ReportOrder(O2, ANA, "closed", 1_000, 80, 200, 1_280),
              ReportOrder(O3, BEN, "closed", 700, 56, 0, 756),
              ReportOrder(O4, BEN, "voided", 900, 72, 0, 972)]
    lines = [ReportLine(O1, "mains", "Mains", 1, 1_450, 0, "active"),
             ReportLine(O1, "drinks", "Drinks", 2, 1_000, 150, "active"),
             ReportLine(O1, "mains", "Mains", 1, 1_450, 0, "voided"),
             ReportLine(O2, "open_price", "Open price (prepared_food)", 1, 1_000, 0, "active"),
             ReportLine(O3, "drinks", "Drinks", 1, 700, 0, "active"),
             ReportLine(O4, "mains", "Mains", 1, 900, 0, "active")]
    payments = [ReportPayment("cash", 2_484, 0, ANA), ReportPayment("card", 1_280, 300, ANA),
                ReportPayment("card", 756, 100, BEN)]
    refunds = [ReportRefund("card", 500, 100)]
    return DayRows(orders, lines, payments, refunds)


def test_the_days_sales_by_category_server_and_tender():
    day = daily_sales(LOCATION, DAY, day_rows())
    assert (day.orders, day.gross_cents, day.discount_cents, day.net_cents) == (3, 4_150, 150, 4_000)
    assert {c.key: (c.quantity, c.gross_cents, c.discount_cents, c.net_cents) for c in day.by_category} == {
        "mains": (1, 1_450, 0, 1_450), "drinks": (3, 1_700, 150, 1_550), "open_price": (1, 1_000, 0, 1_000)}
    assert [c.key for c in day.by_category] == ["drinks", "mains", "open_price"]  # biggest net first
    assert [(s.server_staff_id, s.orders, s.net_cents, s.tip_cents) for s in day.by_server] == [
        (ANA, 2, 3_300, 200 + 300), (BEN, 1, 700, 100)]
    assert [(t.tender, t.payments, t.amount_cents, t.tip_cents, t.refunded_cents, t.net_cents)
            for t in day.by_tender] == [("card", 2, 2_036, 400, 500, 1_836), ("cash", 1, 2_484, 0, 0, 2_484)]


def test_discounts_voids_refunds_and_tips():
    day = daily_sales(LOCATION, DAY, day_rows())
    assert (day.discounted_lines, day.voided_lines, day.voided_line_cents) == (1, 1, 1_450)
    assert (day.voided_checks, day.voided_check_cents, day.cancelled_checks) == (1, 972, 0)
    assert (day.refunds, day.refunded_cents, day.refunded_tip_cents) == (1, 500, 100)
    assert (day.tips_at_opening_cents, day.tips_with_payments_cents, day.tip_cents) == (200, 400, 500)


def test_the_tenders_are_the_payments_of_the_day():
    rows = day_rows()
    day = daily_sales(LOCATION, DAY, rows)
    recorded = sum(p.amount_cents + p.tip_cents for p in rows.payments) - sum(
        r.amount_cents + r.tip_cents for r in rows.refunds)
    assert day.collected_cents == recorded == sum(t.net_cents for t in day.by_tender)
    assert day.paid_cents == sum(t.amount_cents for t in day.by_tender) == day.total_cents  # every check paid in full


def test_an_empty_day_is_zeros():
    day = daily_sales(LOCATION, DAY, DayRows([], [], [], []))
    assert (day.orders, day.net_cents, day.by_tender, day.collected_cents) == (0, 0, [], 0)


# ---------------------------------------------------------------- REST
@pytest.fixture
def uow() -> FakeRiskUnitOfWork:
    return FakeRiskUnitOfWork()


@pytest.fixture
def client(uow) -> TestClient:
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, clock=FixedClock(),
                          new_id=SequentialIds())
    client = TestClient(build_app(container))
    client.headers["authorization"] = bearer_for_tests(identity(location_ids=(str(LOCATION),)), "orders")
    return client


def test_the_report_as_json_and_csv(client, uow):
    uow.reports.days[(TENANT, LOCATION, DAY)] = day_rows()
    params = {"location_id": str(LOCATION), "business_date": "2026-03-14"}
    body = client.get("/api/orders/v1/reports/daily", params=params).json()
    assert body["sales"]["net_cents"] == 4_000 and body["payments"]["collected_cents"] == 4_320
    assert [t["tender"] for t in body["by_tender"]] == ["card", "cash"] and body["tips"]["net_cents"] == 500
    response = client.get("/api/orders/v1/reports/daily", params={**params, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["key"] for r in rows if r["section"] == "tender"] == ["card", "cash"]
    assert next(r for r in rows if r["section"] == "payments")["total_cents"] == "4320"


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"location_id": "nope", "business_date": "2026-03-14"}, 422, "location_id"),
    ({"location_id": str(LOCATION), "business_date": "2026-02-30"}, 422, "business_date"),
    ({"location_id": str(LOCATION), "business_date": "14/03/2026"}, 422, "business_date"),
    ({"location_id": str(OTHER_LOCATION), "business_date": "2026-03-14"}, 404, "location_id"),
])
def test_bad_report_input_names_the_field(client, params, status, field):
    response = client.get("/api/orders/v1/reports/daily", params=params)
    assert response.status_code == status and response.json()["field"] == field, response.text


def test_a_report_needs_reports_read(client):
    client.headers["authorization"] = bearer_for_tests(identity(permissions=frozenset({"orders:read"})), "orders")
    response = client.get("/api/orders/v1/reports/daily", params={"location_id": str(LOCATION),
                                                                   "business_date": "2026-03-14"})
    assert response.status_code == 403
