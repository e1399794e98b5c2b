"""Wiring of staff and the time clock: the fakes keep the repositories' contracts, bootstrap builds the sealer
and the PIN hasher, and the REST routes over fakes (status codes, masking, 409 naming the state)."""
from __future__ import annotations

import base64
import inspect
import uuid

from chassis.crypto import Sealer
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from payroll.adapters import repositories as real
from payroll.adapters.pin_hasher import Argon2PinHasher
from payroll.bootstrap import bootstrap
from payroll.config import Settings
from payroll.entrypoints.http_api import build_app
from payroll_fakes import (
    FakeDirectory,
    FakeEmployerSettingsRepository,
    FakePayrollUnitOfWork,
    FakePinHasher,
    FakeShiftRepository,
    FakeStaffRepository,
    FakeTimesheetRepository,
)

DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "payroll"}
KEY = base64.b64encode(b"x" * 32).decode()


def methods(cls) -> dict[str, list[str]]:
    return {n: list(inspect.signature(f).parameters) for n, f in vars(cls).items()
            if callable(f) and not n.startswith("_")}


def test_fakes_keep_the_repositories_contracts():
    for fake, actual in ((FakeEmployerSettingsRepository, real.EmployerSettingsRepository),
                         (FakeStaffRepository, real.StaffRepository), (FakeShiftRepository, real.ShiftRepository),
                         (FakeTimesheetRepository, real.TimesheetRepository)):
        assert methods(fake) == methods(actual), fake


def test_bootstrap_builds_the_sealer_from_the_key_and_an_argon2_pin_hasher():
    container = bootstrap(Settings(**DB, pii_encryption_key=KEY), uow=FakePayrollUnitOfWork)
    assert isinstance(container.sealer, Sealer) and isinstance(container.pins, Argon2PinHasher)
    assert bootstrap(Settings(**DB), uow=FakePayrollUnitOfWork).sealer is None
    hashed = container.pins.hash("2468")
    assert hashed.startswith("$argon2id$") and container.pins.verify(hashed, "2468")
    assert not container.pins.verify(hashed, "2469") and not container.pins.verify("garbage", "2468")


def rest_client(app, **kwargs):
    import warnings

    with warnings.catch_warnings():  # starlette's note about its httpx backend is not ours to fix
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


def test_staff_and_clock_routes_over_fakes():
    tenant, location = str(uuid.uuid4()), str(uuid.uuid4())
    uow = FakePayrollUnitOfWork()
    container = bootstrap(Settings(**DB, pii_encryption_key=KEY), uow=lambda: uow,
                          directory=FakeDirectory({location}), pins=FakePinHasher())
    admin = Identity(subject=str(uuid.uuid4()), tenant_id=tenant, permissions=role_permissions("admin"))
    client = rest_client(build_app(container), headers={"authorization": bearer_for_tests(admin, "payroll")})
    created = client.post("/api/payroll/v1/staff", json={
        "display_name": "Kim", "pin": "1357", "home_location_id": location, "ssn": "123-45-6789",
        "jobs": [{"job_code": "cook", "pay_type": "hourly", "rate": "21.00"}]})
    assert created.status_code == 201, created.text
    assert created.json()["ssn"] == "***6789" and "123-45" not in created.text
    staff_id = created.json()["staff_id"]
    bad = client.post("/api/payroll/v1/staff", json={"display_name": "X", "home_location_id": location,
                                                    "jobs": [{"job_code": "cook", "pay_type": "weekly"}], "pin": "1234"})
    assert bad.status_code == 422 and bad.json()["field"] == "jobs[0].pay_type"
    punch = {"location_id": location, "staff_id": staff_id, "pin": "1357"}
    assert client.post("/api/payroll/v1/clock/in", json=punch).status_code == 201
    again = client.post("/api/payroll/v1/clock/in", json=punch)
    assert again.status_code == 409 and "clocked_in" in again.text
    assert client.post("/api/payroll/v1/clock/out", json={"staff_id": staff_id, "pin": "1357"}).status_code == 200
    sheet = client.get(f"/api/payroll/v1/staff/{staff_id}/timesheet")
    assert sheet.status_code == 200 and sheet.json()["status"] == "open"
    assert client.get(f"/api/payroll/v1/staff/{staff_id}/timesheet", params={"date": "x"}).json()["field"] == "date"


def test_too_many_wrong_pins_is_429_with_retry_after():
    from payroll_fakes import FakePinThrottle, FixedClock

    tenant, location = str(uuid.uuid4()), str(uuid.uuid4())
    uow, clock = FakePayrollUnitOfWork(), FixedClock()
    container = bootstrap(Settings(**DB, pii_encryption_key=KEY), uow=lambda: uow, clock=clock,
                          directory=FakeDirectory({location}), pins=FakePinHasher(),
                          pin_throttle=FakePinThrottle(clock, max_failures=2, window_seconds=600))
    admin = Identity(subject=str(uuid.uuid4()), tenant_id=tenant, permissions=role_permissions("admin"))
    client = rest_client(build_app(container), headers={"authorization": bearer_for_tests(admin, "payroll")})
    staff_id = client.post("/api/payroll/v1/staff", json={
        "display_name": "Kim", "pin": "1357", "home_location_id": location,
        "jobs": [{"job_code": "cook", "pay_type": "hourly", "rate": "21.00"}]}).json()["staff_id"]
    wrong = {"location_id": location, "staff_id": staff_id, "pin": "2468"}
    assert [client.post("/api/payroll/v1/clock/in", json=wrong).status_code for _ in range(2)] == [403, 403]
    refused = client.post("/api/payroll/v1/clock/in", json=wrong | {"pin": "1357"})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "600"
    assert refused.json()["field"] == "pin" and "1357" not in refused.text
