"""A dependency that is down answers 503 with Retry-After (clients retry), never 500."""
from __future__ import annotations

import pytest
from chassis.errors import DependencyUnavailable
from chassis.http import create_app
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa

pytestmark = pytest.mark.unit


def _client(error: Exception) -> TestClient:
    app = create_app("probe", {})

    @app.get("/api/probe/v1/boom")
    def boom() -> dict:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("error", [
    sa.OperationalError("SELECT 1", {}, Exception("connection refused")),
    sa.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
    sa.TimeoutError("QueuePool limit reached"),
    DependencyUnavailable("tax unavailable (UNAVAILABLE)"),
])
def test_dependency_down_is_503_with_retry_after(error):
    response = _client(error).get("/api/probe/v1/boom")
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "DependencyUnavailable"


def test_a_database_error_waiting_cannot_fix_stays_500():
    response = _client(sa.IntegrityError("INSERT", {}, Exception("duplicate key"))).get("/api/probe/v1/boom")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
