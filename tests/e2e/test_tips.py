"""Tips entered by hand (declared cash tips) next to tips from orders."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_manual_tip_entry_adjust_and_void(admin, platform):
    staff = platform.demo["admin_user_id"]
    body = {"staff_id": staff, "location_id": platform.demo["location_id"], "tip_cents": 2300,
            "earned_at": "2026-03-06T22:30:00-05:00", "note": "cash tips, Friday dinner"}
    entered = admin.post("/api/payroll/v1/tips", json=body)
    assert entered.status_code == 201, entered.text
    tip = entered.json()
    assert tip["source"] == "manual" and tip["order_id"] is None
    assert tip["earned_at"].startswith("2026-03-07T03:30:00")  # stored in UTC

    adjusted = admin.patch(f"/api/payroll/v1/tips/{tip['tip_record_id']}", json={"tip_cents": 2500})
    assert adjusted.status_code == 200 and adjusted.json()["tip_cents"] == 2500

    def listed() -> dict:
        tips = admin.get("/api/payroll/v1/tips", params={"staff_id": staff}).json()["tips"]
        return {t["tip_record_id"]: t for t in tips}

    assert listed()[tip["tip_record_id"]]["tip_cents"] == 2500
    assert admin.delete(f"/api/payroll/v1/tips/{tip['tip_record_id']}").status_code == 200
    assert tip["tip_record_id"] not in listed()
    assert admin.delete(f"/api/payroll/v1/tips/{tip['tip_record_id']}").status_code == 404


def test_bad_tip_entries_name_the_field(admin, platform):
    base = {"staff_id": platform.demo["admin_user_id"], "location_id": platform.demo["location_id"],
            "tip_cents": 100, "earned_at": "2026-03-06T22:30:00-05:00"}
    for change, field in (({"tip_cents": 0}, "tip_cents"), ({"staff_id": "bob"}, "staff_id"),
                          ({"earned_at": "2026-03-06T22:30:00"}, "earned_at"), ({"earned_at": "friday"}, "earned_at")):
        response = admin.post("/api/payroll/v1/tips", json={**base, **change})
        assert response.status_code == 422, (change, response.text)
        body = response.json()
        assert body.get("field") == field or body["fields"][0]["field"] == field, body


def test_tips_only_for_this_tenants_locations_and_staff(admin, platform):
    import uuid

    base = {"staff_id": platform.demo["admin_user_id"], "location_id": platform.demo["location_id"],
            "tip_cents": 100, "earned_at": "2026-03-06T22:30:00-05:00"}
    for field in ("location_id", "staff_id"):
        response = admin.post("/api/payroll/v1/tips", json={**base, field: str(uuid.uuid4())})
        assert response.status_code == 422 and response.json()["field"] == field, response.text
