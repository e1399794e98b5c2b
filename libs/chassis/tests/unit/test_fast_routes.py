"""chassis.fast_routes: a route answered in front of the FastAPI app answers what the app's own route
would (identity, permissions, validation, errors, limits), and everything else reaches the app."""
from __future__ import annotations

import uuid

import pytest
from chassis import metrics
from chassis.errors import DependencyUnavailable, NotFound
from chassis.fast_routes import Answer, FastRequest, FastRoute, FastRoutes
from chassis.http import create_app, require_any_async
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from fastapi import Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError

pytestmark = pytest.mark.unit

PATH = "/api/probe/v1/things"
TENANT = str(uuid.uuid4())


class ThingBody(BaseModel):
    name: str = Field(max_length=10)
    count: int = Field(1, ge=1)


FAILURES = {"missing": NotFound("no such thing", field="name"), "down": DependencyUnavailable("tax is down"),
            "db-down": OperationalError("INSERT", None, Exception("server closed the connection")),
            "db-bug": IntegrityError("INSERT", None, Exception("check violated")),
            "bug": RuntimeError("a bug")}


async def make(body: ThingBody, identity: Identity) -> Answer:
    if body.name in FAILURES:
        raise FAILURES[body.name]
    return Answer(201, {"name": body.name, "count": body.count, "by": identity.subject}, {"ETag": '"1"'})


@pytest.fixture
def app():
    app = create_app("probe", {}, max_body_bytes=2000)

    @app.post(PATH, status_code=201)
    async def slow_route(body: ThingBody, identity: Identity = Depends(require_any_async("things:create"))):
        answer = await make(body, identity)
        return answer.body

    async def fast(request: FastRequest) -> Answer:
        identity = await request.identity("things:create")
        return await make(request.parse(ThingBody), identity)

    return app, FastRoutes(app, [FastRoute("POST", PATH, fast)], app.state.max_body_bytes)


def clients(app, permissions=frozenset({"things:create"})):
    slow, fast = (TestClient(a, raise_server_exceptions=False) for a in app)
    token = bearer_for_tests(Identity("user-1", TENANT, (), frozenset(permissions)), "probe")
    for client in (slow, fast):
        client.headers["authorization"] = token
    return slow, fast


@pytest.mark.parametrize("content", [
    b'{"name": "soup", "count": 2}', b'{"name": "soup"}', b'{"name": "far too long a name", "count": 0}',
    b'{"count": "x"}', b"not json", b"", b'{"name": "missing"}', b'{"name": "down"}', b'{"name": "db-down"}',
    b'{"name": "db-bug"}', b'{"name": "bug"}', b'{"name": "a\\u0000b"}',
])
def test_the_fast_route_answers_what_the_apps_route_answers(app, content):
    slow, fast = clients(app)
    expected = slow.post(PATH, content=content, headers={"content-type": "application/json"})
    got = fast.post(PATH, content=content, headers={"content-type": "application/json"})
    assert got.status_code == expected.status_code, got.text
    if content in (b"not json", b""):   # pydantic's and FastAPI's words differ; both name the body
        assert [f["field"] for f in got.json()["fields"]] == [f["field"] for f in expected.json()["fields"]] == ["body"]
    else:
        assert got.json() == expected.json()
    assert got.headers.get("retry-after") == expected.headers.get("retry-after")


def test_the_caller_must_prove_who_it_is_and_hold_the_permission(app):
    _, fast = clients(app, permissions={"things:read"})
    assert fast.post(PATH, json={"name": "soup"}).status_code == 403
    del fast.headers["authorization"]
    assert fast.post(PATH, json={"name": "soup"}).status_code == 401
    assert fast.post(PATH, json={"name": "soup"}, headers={"authorization": "Bearer forged"}).status_code == 401


def test_a_body_over_the_limit_is_413_declared_or_streamed(app):
    _, fast = clients(app)
    assert fast.post(PATH, content=b"x" * 2001, headers={"content-type": "application/json"}).status_code == 413

    def chunks():
        for _ in range(30):
            yield b"x" * 100

    assert fast.post(PATH, content=chunks(), headers={"content-type": "application/json"}).status_code == 413


def test_other_routes_and_methods_reach_the_app(app):
    _, fast = clients(app)
    assert fast.get("/livez").json() == {"status": "ok"}
    assert fast.get(PATH).status_code == 405
    assert fast.post(PATH + "/x", json={}).status_code == 404


def test_answers_are_counted_under_the_route(app):
    _, fast = clients(app)
    before = metrics.HTTP_REQUESTS.labels("POST", PATH, "201")._value.get()
    response = fast.post(PATH, json={"name": "soup"})
    assert response.status_code == 201 and response.headers["etag"] == '"1"'
    assert response.json() == {"name": "soup", "count": 1, "by": "user-1"}
    assert metrics.HTTP_REQUESTS.labels("POST", PATH, "201")._value.get() == before + 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json",
                                          "application/json; charset=utf-8", "application/merge-patch+json"])
def test_the_body_is_json_only_when_the_content_type_says_so_as_fastapi_reads_it(app, content_type):
    slow, fast = clients(app)
    content = b'{"name": "soup"}'
    expected = slow.post(PATH, content=content, headers={"content-type": content_type})
    got = fast.post(PATH, content=content, headers={"content-type": content_type})
    assert got.status_code == expected.status_code
    if got.status_code == 422:
        assert [f["field"] for f in got.json()["fields"]] == [f["field"] for f in expected.json()["fields"]]
