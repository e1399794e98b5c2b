"""Standing deductions on staff records: REST over fakes (add, list, end; fields named; who may). Pay runs
taking them: test_pay_runs.py."""
from __future__ import annotations

import base64
import inspect
import uuid

import pytest
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from payroll.adapters import repositories as real
from payroll.bootstrap import bootstrap
from payroll.config import Settings
from payroll.domain import standing_deductions
from payroll.entrypoints.http_api import build_app
from payroll_fakes import FakeDirectory, FakePayrollUnitOfWork, FakePinHasher, FakeStaffDeductionRepository

DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "payroll"}
KEY = base64.b64encode(b"x" * 32).decode()


def rest_client(app, **kwargs):
    import warnings

    with warnings.catch_warnings():  # starlette's note about its httpx backend is not ours to fix
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


def test_the_fake_keeps_the_repository_contract():
    def methods(cls):
        return {n: list(inspect.signature(f).parameters) for n, f in vars(cls).items()
                if callable(f) and not n.startswith("_")}
    assert methods(FakeStaffDeductionRepository) == methods(real.StaffDeductionRepository)


@pytest.fixture
def rest():
    tenant, location = str(uuid.uuid4()), str(uuid.uuid4())
    uow = FakePayrollUnitOfWork()
    container = bootstrap(Settings(**DB, pii_encryption_key=KEY), uow=lambda: uow,
                          directory=FakeDirectory({location}), pins=FakePinHasher())
    app = build_app(container)

    def client(role: str, subject: str | None = None):
        who = Identity(subject=subject or str(uuid.uuid4()), tenant_id=tenant, permissions=role_permissions(role))
        return rest_client(app, headers={"authorization": bearer_for_tests(who, "payroll")})

    admin = client("admin")
    staff = admin.post("/api/payroll/v1/staff", json={
        "display_name": "Kim", "pin": "1357", "home_location_id": location,
        "jobs": [{"job_code": "cook", "pay_type": "hourly", "rate": "21.00"}]}).json()
    return client, admin, f"/api/payroll/v1/staff/{staff['staff_id']}/deductions"


def test_add_list_and_end_deductions(rest):
    client, admin, url = rest
    k401 = admin.post(url, json={"type": "401k", "percent": "5", "starts_on": "2026-01-01"})
    assert k401.status_code == 201, k401.text
    assert k401.json() | {"deduction_id": None, "created_by": None} == {
        "deduction_id": None, "staff_id": url.split("/")[-2], "type": "401k", "kind": "pretax", "amount": None,
        "percent": "5", "starts_on": "2026-01-01", "ends_on": None, "note": "", "created_by": None, "ended_by": None,
        "in_force": True}
    loan = admin.post(url, json={"type": "loan", "amount": "25.00", "starts_on": "2026-01-01", "note": "advance"})
    assert loan.status_code == 201 and loan.json()["kind"] == "posttax"
    listed = admin.get(url).json()["deductions"]
    assert [d["type"] for d in listed] == ["401k", "loan"]
    ended = admin.post(f"{url}/{loan.json()['deduction_id']}:end", json={"ends_on": "2026-02-28"})
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2026-02-28"
    later = admin.post(f"{url}/{loan.json()['deduction_id']}:end", json={"ends_on": "2026-06-30"})
    assert later.status_code == 422 and later.json()["field"] == "ends_on"
    assert admin.post(f"{url}/{uuid.uuid4()}:end", json={}).status_code == 404
    # A manager reads pay data but does not set it.
    manager = client("manager")
    assert manager.get(url).status_code == 200
    assert manager.post(url, json={"type": "loan", "amount": "1.00"}).status_code == 403
    assert admin.post(f"/api/payroll/v1/staff/{uuid.uuid4()}/deductions",
                      json={"type": "loan", "amount": "1.00"}).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"type": "ira", "amount": "1.00"}, "type"),
    ({"type": "401k"}, "amount"),
    ({"type": "401k", "amount": "1.00", "percent": "2"}, "amount"),
    ({"type": "401k", "percent": "101"}, "percent"),
    ({"type": "hsa", "amount": "0"}, "amount"),
    ({"type": "hsa", "amount": 1.5}, "amount"),
    ({"type": "loan", "amount": "5.00", "starts_on": "2026-02-01", "ends_on": "2026-01-01"}, "ends_on"),
    ({"type": "loan", "amount": "5.00", "starts_on": "soon"}, "starts_on"),
    ({"type": "loan", "amount": "5.00", "color": "red"}, "color"),
    ([], "body"),
])
def test_bad_deductions_are_422_naming_the_field(rest, body, field):
    _, admin, url = rest
    response = admin.post(url, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_request_lines_split_pre_and_post_tax():
    assert standing_deductions.request_lines([
        {"type": "401k", "amount": None, "percent": "5"}, {"type": "garnishment", "amount": "10.5", "percent": None},
    ]) == {"pretax_deductions": [{"type": "401k", "percent": "5"}],
           "posttax_deductions": [{"type": "garnishment", "amount": "10.5"}]}
    assert standing_deductions.request_lines([]) == {}
