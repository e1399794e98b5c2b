"""Staff and the time clock through Envoy (issue 11): an admin creates a staff member with a PIN and two jobs;
the staff member clocks in and out at the demo location (a kiosk opened by the admin) with an unpaid break;
a manager fixes the punches with a reason to the night shift really worked (21:00 to 03:00 local, across
midnight); the timesheet shows hours per local day and the pay engine's workweeks; approval locks it."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

V1 = "/api/payroll/v1"


def test_staff_clock_edit_timesheet_approve(admin, platform, gateway, demo_members):
    location = platform.demo["location_id"]  # the demo bistro, America/New_York
    created = admin.post(f"{V1}/staff", json={
        "display_name": "Night Server", "pin": "2468", "home_location_id": location,
        "jobs": [{"job_code": "server", "pay_type": "tipped", "cash_wage_rate": "7.25"},
                 {"job_code": "host", "pay_type": "hourly", "rate": "15.00"}],
        "ssn": "123-45-6789",
        "tax_forms": {"federal": {"form_version": "2020", "filing_status": "single"}}})
    assert created.status_code == 201, created.text
    member = created.json()
    assert member["ssn"] == "***6789" and "123-45-6789" not in created.text
    staff_id = member["staff_id"]
    kiosk = {"staff_id": staff_id, "pin": "2468"}

    assert admin.post(f"{V1}/clock/in", json={"location_id": location, "staff_id": staff_id, "pin": "0000"}
                      ).status_code == 403
    shift = admin.post(f"{V1}/clock/in", json={"location_id": location, **kiosk})
    assert shift.status_code == 201, shift.text
    assert shift.json()["time_zone"] == "America/New_York" and shift.json()["state"] == "clocked_in"
    again = admin.post(f"{V1}/clock/in", json={"location_id": location, **kiosk})
    assert again.status_code == 409 and "clocked_in" in again.text
    assert admin.post(f"{V1}/clock/breaks/start", json={**kiosk, "paid": False}).json()["state"] == "on_break"
    assert admin.post(f"{V1}/clock/breaks/end", json=kiosk).json()["state"] == "clocked_in"
    closed = admin.post(f"{V1}/clock/out", json=kiosk)
    assert closed.status_code == 200 and closed.json()["state"] == "clocked_out"
    shift_id = shift.json()["shift_id"]

    with demo_members["manager"].http(gateway) as manager:
        fix = {"clock_in_at": "2026-03-05T21:00:00-05:00", "clock_out_at": "2026-03-06T03:00:00-05:00",
               "breaks": [{"started_at": "2026-03-05T23:30:00-05:00", "ended_at": "2026-03-06T00:00:00-05:00",
                           "paid": False}]}
        assert manager.patch(f"{V1}/shifts/{shift_id}", json=fix).status_code == 422  # no reason
        edited = manager.patch(f"{V1}/shifts/{shift_id}", json={**fix, "reason": "kiosk was down Thursday night"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["edit"]["before"]["clock_in_at"] == shift.json()["clock_in_at"]

        sheet = manager.get(f"{V1}/staff/{staff_id}/timesheet", params={"date": "2026-03-05"})
        assert sheet.status_code == 200, sheet.text
        body = sheet.json()
        days = {d["date"]: d["hours"] for d in body["days"]}
        assert days["2026-03-05"] == "2.5" and days["2026-03-06"] == "3"  # 21:00-24:00 less the break; 00:00-03:00
        assert body["workweeks"] == [{"daily_hours": ["0", "0", "0", "2.5", "3", "0", "0"]}]
        assert body["period"]["start"] == "2026-03-02" and body["edits"][0]["reason"].startswith("kiosk")

        approved = manager.post(f"{V1}/staff/{staff_id}/timesheet:approve", json={"period_start": "2026-03-02"})
        assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
        locked = manager.patch(f"{V1}/shifts/{shift_id}", json={"job_code": "host", "reason": "was hosting"})
        assert locked.status_code == 409, locked.text
        reopened = manager.post(f"{V1}/staff/{staff_id}/timesheet:reopen",
                                json={"period_start": "2026-03-02", "reason": "job was wrong"})
        assert reopened.status_code == 200 and reopened.json()["status"] == "open"
        assert manager.patch(f"{V1}/shifts/{shift_id}", json={"job_code": "host", "reason": "was hosting"}
                             ).status_code == 200

    with demo_members["staff"].http(gateway) as staff_user:
        assert staff_user.post(f"{V1}/staff", json={}).status_code == 403
        assert staff_user.get(f"{V1}/staff/{staff_id}").status_code == 404  # not their own record


def test_wrong_pins_are_throttled_with_429_and_retry_after(admin, platform):
    """Five wrong PINs for one staff member at the demo location: the sixth try (even the right PIN) is 429
    with Retry-After, counted in the payroll service's Redis across its HTTP workers."""
    location = platform.demo["location_id"]
    created = admin.post(f"{V1}/staff", json={
        "display_name": "Guessed At", "pin": "8642", "home_location_id": location,
        "jobs": [{"job_code": "cook", "pay_type": "hourly", "rate": "18.00"}]})
    assert created.status_code == 201, created.text
    punch = {"location_id": location, "staff_id": created.json()["staff_id"]}
    assert [admin.post(f"{V1}/clock/in", json=punch | {"pin": f"{1000 + i}"}).status_code for i in range(5)] == [403] * 5
    refused = admin.post(f"{V1}/clock/in", json=punch | {"pin": "8642"})
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 900
    assert refused.json()["field"] == "pin" and "8642" not in refused.text
