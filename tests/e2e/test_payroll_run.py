"""A pay run through Envoy (issue 11): staff with approved timesheets and tips -> preview -> approve ->
finalize, followed on the progress stream (SSE); the REAL worker process is killed (SIGKILL) in the middle
of finalization and started again; every employee is paid exactly once (one paycheck, one PaycheckFinalized
on Kafka), the paychecks are the preview endpoint's answers for the same facts, and the tax ledger has the
paychecks (YTD) once its consumer read them.

The stack's worker is swapped for one with a 3-second lease (a killed worker's job is taken over 3 s
later rather than 30), chunks of 3 employees and a short pause after each chunk (so "the middle of the
run" lasts long enough to be hit); the stack's own worker is put back afterwards."""
from __future__ import annotations

import io
import json
import os
import random
import signal
import time
import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx
import pytest
from auraconnect.payroll.v1 import events_pb2
from devstack import procs
from pypdf import PdfReader

from tests.e2e.support import eventually, topic_records

pytestmark = pytest.mark.e2e

V1 = "/api/payroll/v1"
WORKER = "payroll-worker"
D = Decimal
EMPLOYEES = 12
CHUNK = 3
WORKER_ENV = {"PAY_RUN_LEASE_SECONDS": "3", "PAY_RUN_CHUNK_SIZE": str(CHUNK), "PAY_RUN_CHUNK_PAUSE_SECONDS": "0.6",
              "PAY_RUN_POLL_SECONDS": "0.2"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class StackWorker:
    """The stack's payroll worker, replaced by one with test settings; killed and started at will."""

    def __init__(self, platform) -> None:
        self.run_dir, self.logs_dir = platform.layout.run_dir, platform.layout.logs_dir
        self.spec = json.loads(procs.spec_file(self.run_dir, WORKER).read_text())
        procs.stop(self.run_dir, WORKER)
        self.pid = self.start()

    def start(self) -> int:
        self.pid = procs.start(self.run_dir, self.logs_dir, WORKER, self.spec["argv"], self.spec["env"] | WORKER_ENV,
                               Path(self.spec["cwd"]), supervise=False)
        return self.pid

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        eventually(lambda: not procs.alive(self.pid), timeout=10)

    def restore(self) -> None:
        procs.stop(self.run_dir, WORKER)
        procs.start(self.run_dir, self.logs_dir, WORKER, self.spec["argv"], self.spec["env"], Path(self.spec["cwd"]))

    def log(self) -> str:
        return (self.logs_dir / f"{WORKER}.log").read_text(errors="replace")


@pytest.fixture
def worker(platform):
    w = StackWorker(platform)
    try:
        yield w
    finally:
        w.restore()


def period_for(admin) -> date:
    """A week of 2026 no other test pays: a random workweek between May and October."""
    start_day = admin.get(f"{V1}/employer-settings").json()["workweek_start_day"]
    day = date(2026, 5, 4) + timedelta(weeks=random.randrange(24))
    return day - timedelta(days=(day.weekday() - WEEKDAYS.index(start_day)) % 7)


def hire(admin, location: str, start: date, i: int) -> dict:
    tipped = i % 3 == 0
    job = ({"job_code": "server", "pay_type": "tipped", "cash_wage_rate": "2.83"} if tipped
           else {"job_code": "cook", "pay_type": "hourly", "rate": f"{16 + i}.25"})
    user_id = None
    if tipped:  # servers have a login: the tips of their orders (and declared cash tips) name the auth user
        user = admin.post("/api/auth/v1/users", json={
            "email": f"run-{i}-{uuid.uuid4().hex[:8]}@example.com", "display_name": f"Run server {i}",
            "password": f"Pw-{uuid.uuid4().hex}!", "roles": ["staff"], "location_ids": [location]})
        assert user.status_code == 201, user.text
        user_id = user.json()["user_id"]
    forms = {"federal": {"form_version": "2020", "filing_status": "single" if i % 2 else "married_filing_jointly"}}
    if i % 4 == 1:
        forms["locality"] = {"code": "PHILADELPHIA", "resident": True}
    created = admin.post(f"{V1}/staff", json={
        "display_name": f"Run {i:02d}", "pin": "1357", "home_location_id": location, "jobs": [job],
        **({"user_id": user_id} if user_id else {}),
        "pay_frequency": "weekly", "ssn": f"123-45-{6000 + i}", "tax_forms": forms})
    assert created.status_code == 201, created.text
    staff_id = created.json()["staff_id"]
    kiosk = {"staff_id": staff_id, "pin": "1357"}
    for d, hours in ((0, 10), (1, 11), (3, 10 + i % 4), (4, 9)):  # 40 + i % 4 hours: weekly overtime for most
        shift = admin.post(f"{V1}/clock/in", json={"location_id": location, **kiosk})
        assert shift.status_code == 201, shift.text
        assert admin.post(f"{V1}/clock/out", json=kiosk).status_code == 200
        day = start + timedelta(days=d)
        fixed = admin.patch(f"{V1}/shifts/{shift.json()['shift_id']}", json={
            "clock_in_at": f"{day}T09:00:00-04:00", "clock_out_at": f"{day}T{9 + hours:02d}:00:00-04:00",
            "reason": "e2e: the shift as worked"})
        assert fixed.status_code == 200, fixed.text
    if tipped:
        tip = admin.post(f"{V1}/tips", json={"staff_id": user_id, "location_id": location, "tip_cents": 4_000 + 1_000 * i,
                                             "earned_at": f"{start + timedelta(days=1)}T21:00:00-04:00",
                                             "note": "declared cash tips"})
        assert tip.status_code == 201, tip.text
    if i == 2:  # standing deductions on the record, taken by the run: a 401(k) percent and a loan repayment
        for body in ({"type": "401k", "percent": "5", "starts_on": "2020-01-01"},
                     {"type": "loan", "amount": "20.00", "starts_on": "2020-01-01", "note": "advance"}):
            added = admin.post(f"{V1}/staff/{staff_id}/deductions", json=body)
            assert added.status_code == 201, added.text
    approved = admin.post(f"{V1}/staff/{staff_id}/timesheet:approve", json={"period_start": start.isoformat()})
    assert approved.status_code == 200, approved.text
    return created.json()


def progress_stream(gateway: str, token: str, run_id: str):
    """The run's progress events through Envoy, as they come."""
    with httpx.stream("GET", f"{gateway}{V1}/pay-runs/{run_id}/progress", headers={"Authorization": f"Bearer {token}"},
                      timeout=httpx.Timeout(10, read=60)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        data = []
        for line in response.iter_lines():
            if line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and data:
                yield json.loads("\n".join(data))
                data = []


def test_pay_run_survives_a_killed_worker_and_pays_everyone_once(platform, admin, admin_token, gateway, worker):
    location = platform.demo["location_id"]  # Demo Bistro, Philadelphia PA, America/New_York
    start = period_for(admin)
    pay_date = start + timedelta(days=11)
    staff = {s["staff_id"]: s for s in (hire(admin, location, start, i) for i in range(EMPLOYEES))}

    created = admin.post(f"{V1}/pay-runs", json={"period_start": start.isoformat(), "pay_date": pay_date.isoformat(),
                                                 "location_ids": [location], "pay_frequency": "weekly"})
    assert created.status_code == 202, created.text
    run_id = created.json()["run_id"]
    assert admin.post(f"{V1}/pay-runs", json={"period_start": start.isoformat(), "pay_date": pay_date.isoformat(),
                                              "location_ids": [location], "pay_frequency": "weekly"}).status_code == 409
    preview_events = list(progress_stream(gateway, admin_token, run_id))
    assert preview_events[-1]["status"] == "previewed"
    assert preview_events[-1]["done"] == preview_events[-1]["total"] == EMPLOYEES
    assert any(0 < e["done"] < EMPLOYEES for e in preview_events)  # progress, chunk by chunk

    items = admin.get(f"{V1}/pay-runs/{run_id}/items").json()["items"]
    assert {i["staff_id"] for i in items} == set(staff) and all(i["status"] == "previewed" for i in items), items
    for item in items:  # the run's paycheck is the preview endpoint's answer for the same facts
        preview = admin.post(f"{V1}/paychecks:preview", json=item["request"])
        assert preview.status_code == 200, preview.text
        expected = preview.json()
        expected.pop("explanation")
        assert item["paycheck"] == expected
    tipped = [i for i in items if i["request"]["pay"]["type"] == "tipped"]
    assert tipped and all(i["paycheck"]["reported_tips"] != "0.00" for i in tipped)
    assert any(D(i["paycheck"]["hours"]["overtime"]) > 0 for i in items)

    assert admin.post(f"{V1}/pay-runs/{run_id}:finalize").status_code == 409  # not approved yet
    approved = admin.post(f"{V1}/pay-runs/{run_id}:approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    assert admin.post(f"{V1}/pay-runs/{run_id}:finalize").status_code == 202

    killed_at = None
    seen = []
    for event in progress_stream(gateway, admin_token, run_id):
        seen.append(event)
        if killed_at is None and event["phase"] == "finalize" and 0 < event["done"] < EMPLOYEES:
            worker.kill()  # SIGKILL in the middle of finalization: no clean-up of any kind
            killed_at = event["done"]
            time.sleep(0.5)
            worker.start()
    assert killed_at is not None, seen
    assert seen[-1]["status"] == "completed" and seen[-1]["done"] == EMPLOYEES, seen
    assert "taking it over" in worker.log()  # the restarted worker took the dead one's job when its lease expired

    run = admin.get(f"{V1}/pay-runs/{run_id}").json()
    assert run["status"] == "completed" and run["items"] == {"finalized": EMPLOYEES}
    final = admin.get(f"{V1}/pay-runs/{run_id}/items").json()["items"]
    assert {i["staff_id"]: i["paycheck"] for i in final} == {i["staff_id"]: i["paycheck"] for i in items}
    assert len({i["paycheck_id"] for i in final}) == EMPLOYEES
    assert run["totals"]["net_pay"] == f"{sum(D(i['paycheck']['net_pay']) for i in items):.2f}"

    # The pay stub (PDF) of a tipped employee: read back, its net pay is the previewed one.
    server = tipped[0]
    pdf = admin.get(f"{V1}/pay-runs/{run_id}/items/{server['staff_id']}/stub", headers={"accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf.text[:300]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert server["paycheck"]["net_pay"] in text.replace(",", "") and "***-**-" in text and "PREVIEW" not in text
    stub = admin.get(f"{V1}/pay-runs/{run_id}/items/{server['staff_id']}/stub").json()
    assert stub["totals"]["net_pay"]["current"] == server["paycheck"]["net_pay"]
    # The real employer (the tenant) and home location by name, from auth, on the JSON and the PDF.
    tenant_name = admin.get("/api/auth/v1/tenant").json()["name"]
    location_name = admin.get(f"/api/auth/v1/locations/{location}").json()["name"]
    assert stub["employer"]["name"] == tenant_name and stub["location"]["name"] == location_name
    assert tenant_name in text and location_name in text and f"Location {location}" not in text

    # Exactly once on Kafka: one PaycheckFinalized per employee, whatever the kill left half done.
    time.sleep(2)  # let the relay publish anything a second attempt might (wrongly) have staged
    for staff_id, item in ((i["staff_id"], i) for i in final):
        records = topic_records(platform, "payroll.paycheck.v1", staff_id, wanted=1)
        assert len(records) == 1, f"{staff_id}: {len(records)} PaycheckFinalized"
        paycheck = events_pb2.PaycheckFinalized.FromString(records[0].value)
        assert paycheck.paycheck_id == item["paycheck_id"] and paycheck.earnings.wages == item["paycheck"]["cash_wages"]
    [completed] = topic_records(platform, "payroll.paycheck.v1", run_id, wanted=1)
    assert events_pb2.PayrollRunCompleted.FromString(completed.value).paychecks == EMPLOYEES

    # The tax ledger consumed them: each employee's YTD is this one paycheck.
    for item in final:
        def ledger(staff_id=item["staff_id"]):
            response = admin.get(f"/api/tax/v1/employees/{staff_id}/ytd", params={"tax_year": pay_date.year})
            return response.json() if response.status_code == 200 and response.json()["paychecks"] == 1 else None

        report = eventually(ledger, timeout=30)
        assert report["ytd"]["ss_wages"] == item["paycheck"]["taxable_wages"]["social_security"]

    # Run 02's standing deductions: the 401(k) lowered income-tax wages only and reached W-2 box 12 D.
    deducted = next(i for i in final if i["display_name"] == "Run 02")
    lines = deducted["paycheck"]["deductions"]
    [k401] = lines["pretax_lines"]
    assert k401["type"] == "401k" and k401["percent"] == "5"
    assert k401["amount"] == str((D(deducted["paycheck"]["cash_wages"]) * D("0.05")).quantize(D("0.01"), ROUND_HALF_UP))
    assert [(x["type"], x["taken"]) for x in lines["posttax_lines"]] == [("loan", "20.00")]
    taxable = deducted["paycheck"]["taxable_wages"]
    assert D(taxable["federal_income_tax"]) == D(deducted["paycheck"]["gross_wages"]) - D(k401["amount"])
    assert taxable["social_security"] == deducted["paycheck"]["gross_wages"]
    w2 = admin.get(f"/api/tax/v1/employees/{deducted['staff_id']}/w2", params={"tax_year": pay_date.year}).json()
    assert {"code": "D", "amount": k401["amount"]} in w2["boxes"]["12"]

