"""Whatever JSON reaches the new routes (preview stub, preview PDF, tip pool policy, distribution), the
answer is never a 5xx, and a 422 names the field (as the gateway's schemathesis run checks)."""
from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime

import pytest
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payroll.bootstrap import bootstrap
from payroll.config import Settings
from payroll.entrypoints.http_api import build_app
from payroll_fakes import FakeDirectory, FakePayrollUnitOfWork, FakeTax, FixedClock

LOCATION = str(uuid.uuid4())
ADMIN = Identity(subject=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), permissions=role_permissions("admin"))

scalars = st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.text(max_size=12) | st.sampled_from(
    ["1e999999", "NaN", "-0", "2026-03-02", "9999-12-31", "manager", "back_of_house", "server", "100", "1234"])
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.sampled_from(
                               ["paycheck", "employer", "employee", "period", "ytd_before", "name", "ssn_last4",
                                "start", "end", "work_state", "tip_credit_taken", "contribution_percent", "roles",
                                "job_code", "category", "points", "workweek_start", "totals.net_pay", "x"]),
                               inner, max_size=5), max_leaves=20)


@pytest.fixture(scope="module")
def http():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    uow = FakePayrollUnitOfWork()
    container = bootstrap(Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="payroll"),
                          uow=lambda: uow, tax=FakeTax(), directory=FakeDirectory({LOCATION}),
                          clock=FixedClock(datetime(2026, 3, 10, tzinfo=UTC)))
    return TestClient(build_app(container), headers={"authorization": bearer_for_tests(ADMIN, "payroll")})


ROUTES = [("POST", "/api/payroll/v1/paychecks:preview-stub", {}),
          ("POST", "/api/payroll/v1/paychecks:preview", {"accept": "application/pdf"}),
          ("PUT", f"/api/payroll/v1/locations/{LOCATION}/tip-pool-policy", {}),
          ("POST", f"/api/payroll/v1/locations/{LOCATION}/tip-pools:distribute", {})]


@pytest.mark.parametrize(("method", "path", "headers"), ROUTES)
def test_never_a_server_error(http, method, path, headers):
    @given(body=json_values)
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(body):
        response = http.request(method, path, json=body, headers=headers)
        assert response.status_code < 500, (body, response.text)
        if response.status_code == 422:
            assert "field" in response.json() or "fields" in response.json(), (body, response.text)

    run()
