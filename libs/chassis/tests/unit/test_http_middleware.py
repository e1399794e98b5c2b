"""The app factory's own middlewares (pure ASGI): NUL refused up front, the body reaches the route
whole, every request counted by route template and status."""
from __future__ import annotations

import pytest
from chassis import metrics
from chassis.http import create_app
from fastapi import Body
from fastapi.testclient import TestClient

pytestmark = pytest.mark.unit


@pytest.fixture
def client() -> TestClient:
    app = create_app("probe", {})

    @app.post("/api/probe/v1/echo/{name}")
    def echo(name: str, body: dict = Body(...)) -> dict:
        return {"name": name, "body": body}

    return TestClient(app, raise_server_exceptions=False)


def test_a_body_reaches_the_route_whole(client):
    big = {"text": "x" * 200_000, "n": [1, 2, 3]}
    response = client.post("/api/probe/v1/echo/a", json=big)
    assert response.status_code == 200 and response.json() == {"name": "a", "body": big}


@pytest.mark.parametrize(("path", "content", "field"), [
    ("/api/probe/v1/echo/a", b'{"text": "a\\u0000b"}', "body"),
    ("/api/probe/v1/echo/a", b'{"text": "a\x00b"}', "body"),
    ("/api/probe/v1/echo/a%00b", b"{}", "query"),
    ("/api/probe/v1/echo/a?q=%00", b"{}", "query"),
])
def test_nul_anywhere_is_422_naming_where(client, path, content, field):
    response = client.post(path, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["field"] == field


def test_requests_are_counted_by_route_template_and_status(client):
    counter = metrics.HTTP_REQUESTS.labels("POST", "/api/probe/v1/echo/{name}", "200")
    before = counter._value.get()
    client.post("/api/probe/v1/echo/b", json={})
    assert counter._value.get() == before + 1
