"""Pay stubs and tip pools through Envoy (issue 11).

* The paycheck preview with `Accept: application/pdf` answers the stub as a PDF; read back with pypdf, its
  totals are the JSON preview's (and post-tax deductions lower only the net pay).
* `paychecks:preview-stub` gives the stub JSON with the SSN masked and YTD per line.
* A tip pool at the demo location: the admin sets the policy (a manager with points is refused), a server
  and a cook clock a workweek (punches fixed by the manager to a past week), the server declares cash
  tips, the admin shares the week's pool; the tip records of both show the pool, and the pool adds up.
"""
from __future__ import annotations

import io
import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.e2e.auth_support import add_member

pytestmark = pytest.mark.e2e

D = Decimal
V1 = "/api/payroll/v1"
ISSUE_REQUEST = json.loads((Path(__file__).parents[2] / "services" / "payroll" / "tests" / "data"
                            / "preview_issue_example.json").read_text())
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_preview_pdf_totals_match_the_json_preview(admin):
    body = ISSUE_REQUEST | {"posttax_deductions": [{"type": "garnishment", "amount": "40.00"}]}
    plain = admin.post(f"{V1}/paychecks:preview", json=ISSUE_REQUEST)
    assert plain.status_code == 200, plain.text
    as_json = admin.post(f"{V1}/paychecks:preview", json=body)
    assert as_json.status_code == 200, as_json.text
    out = as_json.json()
    # Post-tax: same taxes, net lower by exactly the garnishment.
    assert out["employee_taxes"] == plain.json()["employee_taxes"]
    assert D(out["net_pay"]) == D(plain.json()["net_pay"]) - D("40.00")

    pdf = admin.post(f"{V1}/paychecks:preview", json=body, headers={"accept": "application/pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert f"NET PAY {D(out['net_pay']):,.2f}" in text
    for amount in (out["cash_wages"], out["gross_wages"], *(v for v in out["employee_taxes"].values() if D(v))):
        assert f"{D(amount):,.2f}" in text, amount
    assert "Garnishment" in text and "PREVIEW" in text

    bad = admin.post(f"{V1}/paychecks:preview", json=body | {"posttax_deductions": [{"type": "fine", "amount": "1"}]},
                     headers={"accept": "application/pdf"})
    assert bad.status_code == 422 and bad.json()["field"] == "posttax_deductions[0].type"


def test_preview_stub_json_masks_the_ssn_and_carries_ytd(admin):
    r = admin.post(f"{V1}/paychecks:preview-stub", json={
        "paycheck": ISSUE_REQUEST, "employer": {"name": "Aura Bistro LLC"},
        "employee": {"name": "Dana Cruz", "ssn_last4": "6789"}, "period": {"start": "2026-02-23", "end": "2026-03-01"},
        "ytd_before": {"totals.net_pay": "1000.00"}})
    assert r.status_code == 200, r.text
    stub = r.json()
    assert stub["employee"]["ssn"] == "***-**-6789"
    assert D(stub["totals"]["net_pay"]["ytd"]) == D("1000.00") + D(stub["net_pay"])
    assert sum(D(x["current"]) for x in stub["earnings"]) == D(stub["totals"]["cash_wages"]["current"])


def _staff(admin, location: str, name: str, job: str, pin: str, user_id: str | None = None) -> str:
    r = admin.post(f"{V1}/staff", json={
        "display_name": name, "pin": pin, "home_location_id": location, **({"user_id": user_id} if user_id else {}),
        "jobs": [{"job_code": job, "pay_type": "hourly", "rate": "18.00"}]})
    assert r.status_code == 201, r.text
    return r.json()["staff_id"]


def _worked(admin, manager, location: str, staff_id: str, pin: str, day: date, hours: int) -> None:
    """Clock in and out now, then the manager fixes the shift to `hours` from 10:00 on `day` (New York)."""
    kiosk = {"staff_id": staff_id, "pin": pin}
    shift = admin.post(f"{V1}/clock/in", json={"location_id": location, **kiosk})
    assert shift.status_code == 201, shift.text
    assert admin.post(f"{V1}/clock/out", json=kiosk).status_code == 200
    start = f"{day.isoformat()}T10:00:00-05:00"
    end = f"{day.isoformat()}T{10 + hours:02d}:00:00-05:00"
    fixed = manager.patch(f"{V1}/shifts/{shift.json()['shift_id']}",
                          json={"clock_in_at": start, "clock_out_at": end, "breaks": [], "reason": "pool test week"})
    assert fixed.status_code == 200, fixed.text


def test_a_workweeks_tip_pool_through_the_gateway(admin, platform, gateway, demo_members):
    location = platform.demo["location_id"]  # America/New_York
    start_day = admin.get(f"{V1}/employer-settings").json()["workweek_start_day"]
    # A past workweek no other test uses: the first of the employer's weeks starting in January 2025.
    week = date(2025, 1, 6)
    week += timedelta(days=(WEEKDAYS.index(start_day) - week.weekday()) % 7)
    suffix = uuid.uuid4().hex[:6]
    # The server has a login (tips name the auth user); the cook has none (tips name the staff member).
    server_user = add_member(admin, gateway, platform.demo["tenant_slug"], ["staff"], [location], "pool-server")
    server = _staff(admin, location, f"Pool Server {suffix}", "server", "1357", server_user.user_id)
    cook = _staff(admin, location, f"Pool Cook {suffix}", "cook", "2468")
    base = f"{V1}/locations/{location}"

    refused = admin.put(f"{base}/tip-pool-policy", json={
        "work_state": "PA", "tip_credit_taken": False,
        "roles": [{"job_code": "manager", "category": "manager", "points": "5"}]})
    assert refused.status_code == 422 and refused.json()["field"] == "roles[0].points"
    policy = admin.put(f"{base}/tip-pool-policy", json={
        "work_state": "PA", "tip_credit_taken": False, "contribution_percent": "100",
        "roles": [{"job_code": "server", "category": "front_of_house", "points": "10"},
                  {"job_code": "cook", "category": "back_of_house", "points": "5"}]})
    assert policy.status_code == 200, policy.text

    with demo_members["manager"].http(gateway) as manager:
        assert manager.put(f"{base}/tip-pool-policy", json={}).status_code == 403
        _worked(admin, manager, location, server, "1357", week, 6)  # 6 h x 10 = 60
        _worked(admin, manager, location, cook, "2468", week + timedelta(days=1), 6)  # 6 h x 5 = 30
    tip = admin.post(f"{V1}/tips", json={"staff_id": server_user.user_id, "location_id": location, "tip_cents": 9001,
                                         "earned_at": f"{week.isoformat()}T21:00:00-05:00", "note": "cash"})
    assert tip.status_code == 201, tip.text

    shared = admin.post(f"{base}/tip-pools:distribute", json={"workweek_start": week.isoformat()})
    assert shared.status_code == 200, shared.text
    run = shared.json()
    shares = {s["staff_id"]: s for s in run["shares"]}
    assert run["pool_cents"] == 9001
    assert sum(s["received_cents"] for s in run["shares"]) == 9001  # never a cent created or lost
    # 9001 x 60/90 = 6000.67 -> 6001, 9001 x 30/90 = 3000.33 -> 3000
    assert shares[server]["received_cents"] == 6001 and shares[cook]["received_cents"] == 3000
    assert shares[server]["tip_staff_id"] == server_user.user_id and shares[cook]["tip_staff_id"] == cook

    cook_tips = admin.get(f"{V1}/tips", params={"staff_id": cook}).json()
    assert cook_tips["total_tip_cents"] == 3000 and cook_tips["tips"][0]["source"] == "pool"
    server_tips = admin.get(f"{V1}/tips", params={"staff_id": server_user.user_id}).json()
    assert server_tips["total_tip_cents"] == 6001
    assert {t["source"] for t in server_tips["tips"]} == {"manual", "pool", "pool_contribution"}
    again = admin.post(f"{base}/tip-pools:distribute", json={"workweek_start": week.isoformat()})
    assert again.json()["version"] == 2
    assert admin.get(f"{V1}/tips", params={"staff_id": cook}).json()["total_tip_cents"] == 3000
    assert admin.get(f"{base}/tip-pools/{week.isoformat()}").json()["version"] == 2
