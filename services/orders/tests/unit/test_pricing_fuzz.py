"""schemathesis over the pricing routes of the orders OpenAPI, on fakes (in process, no stack):
whatever it generates, valid or not, the answer is never a 5xx and a 422 names the field."""
from __future__ import annotations

import pytest
import schemathesis
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from hypothesis import HealthCheck, given, settings
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app

from services.orders.tests.unit.fakes import FakeTimeZones, identity

pytestmark = pytest.mark.unit

EXAMPLES = 25


def test_no_server_errors_and_every_422_names_a_field(uow, tax, clock, ids):
    container = bootstrap(Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="orders"),
                          uow=lambda: uow, tax=tax, clock=clock, new_id=ids, time_zones=FakeTimeZones())
    base = identity()
    manager = Identity(base.subject, base.tenant_id, ("manager",), base.permissions | {"orders:discount"})
    headers = {"authorization": bearer_for_tests(manager, "orders")}
    schema = schemathesis.openapi.from_asgi("/api/orders/v1/openapi.json", build_app(container))
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/pricing-rules" not in operation.path and "/quotes" not in operation.path:
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500 or (response.status_code == 422 and "field" not in response.text):
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        run()
    assert operations == 7
    assert not failures, "\n".join(failures[:10])
