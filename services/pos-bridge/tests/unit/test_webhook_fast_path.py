"""The webhook route as the HTTP workers serve it (plain ASGI in front of FastAPI, webhook_fast_path.py)
answers exactly as the FastAPI route does: the same scenario runs through both."""
from __future__ import annotations

import json
import uuid
import warnings

import pytest
from chassis import metrics
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from pos_bridge.bootstrap import bootstrap
from pos_bridge.config import Settings
from pos_bridge.entrypoints.http_api import build_app, build_served_app
from pos_bridge_fakes import FakePosBridgeUnitOfWork, FakeProvider, PlainSealer

DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "pos_bridge"}
ADMIN = Identity(subject=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), permissions=role_permissions("admin"))
TEMPLATE = "/api/pos-bridge/v1/webhooks/{provider}/{connection_id}"


def client(app, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


def body(event_id: str) -> bytes:
    return json.dumps({"type": "order.created", "event_id": event_id, "merchant_id": "M1",
                       "data": {"id": "O1", "object": {"order_created": {"order_id": "O1", "version": 1}}}}).encode()


def counted(status: str) -> float:
    return metrics.HTTP_REQUESTS.labels("POST", TEMPLATE, status)._value.get()


@pytest.mark.parametrize("build", [build_app, build_served_app], ids=["fastapi-route", "served-fast-path"])
def test_the_webhook_route_answers_the_same_either_way(build):
    uow = FakePosBridgeUnitOfWork()
    container = bootstrap(Settings(**DB, webhook_max_bytes=2048, webhook_max_bytes_toast=8192), uow=lambda: uow,
                          providers={"square": FakeProvider(), "toast": FakeProvider()}, sealer=PlainSealer())
    app = build(container)
    admin = client(app, headers={"authorization": bearer_for_tests(ADMIN, "pos-bridge")})
    cid = admin.post("/api/pos-bridge/v1/connections", json={
        "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
        "external_location_id": "L1", "credentials": {"access_token": "t"},
        "webhook": {"notification_url": "https://aura.example/hook", "signature_key": "good"}}).json()["connection_id"]
    public, hook = client(app), f"/api/pos-bridge/v1/webhooks/square/{cid}"
    ok_before = counted("200")

    refused = public.post(hook, content=body("e1"), headers={"x-test-signature": "bad"})
    assert refused.status_code == 401 and refused.json()["error"] == "Unauthenticated"
    assert public.post(hook, content=body("e1")).status_code == 401 and uow.inbound_events.rows == []
    first = public.post(hook, content=body("e1"), headers={"x-test-signature": "good"})
    again = public.post(hook, content=body("e1"), headers={"x-test-signature": "good"})
    assert first.json() == {"stored": 1, "duplicates": 0} and again.json() == {"stored": 0, "duplicates": 1}
    assert counted("200") - ok_before == 2

    too_large = public.post(hook, content=b"x" * 4096, headers={"x-test-signature": "good"})
    assert too_large.status_code == 413 and too_large.json()["field"] == "body"
    assert "square webhook body is at most 2048 bytes" in too_large.json()["message"]
    # Toast's own limit: 4 KiB is under it (refused for the unknown connection, not for its size)
    toast = public.post(f"/api/pos-bridge/v1/webhooks/toast/{uuid.uuid4()}", content=b"x" * 4096)
    assert toast.status_code != 413
    assert public.post(f"/api/pos-bridge/v1/webhooks/toast/{uuid.uuid4()}", content=b"x" * 9000).status_code == 413
    chunked = public.post(hook, content=iter([b"x" * 1500, b"x" * 1500]), headers={"x-test-signature": "good"})
    assert chunked.status_code == 413   # no Content-Length: counted while read
    nul = public.post(hook, content=b'{"event_id": "\\u0000"}', headers={"x-test-signature": "good"})
    assert nul.status_code == 422 and nul.json()["field"] == "body"
    unknown = public.post(f"/api/pos-bridge/v1/webhooks/pos9000/{cid}", content=body("e2"))
    assert unknown.status_code == 422 and unknown.json()["field"] == "provider"
    assert public.post("/api/pos-bridge/v1/webhooks/square/not-a-uuid", content=body("e2"),
                       headers={"x-test-signature": "good"}).status_code == 401

    admin.post(f"/api/pos-bridge/v1/connections/{cid}/pause")
    paused = public.post(hook, content=body("e3"), headers={"x-test-signature": "good"})
    assert paused.status_code == 503 and paused.headers["retry-after"] == "1"
    admin.put(f"/api/pos-bridge/v1/connections/{cid}/webhook",
              json={"notification_url": "https://aura.example/hook", "signature_key": "rotated"})
    admin.post(f"/api/pos-bridge/v1/connections/{cid}/resume")
    assert public.post(hook, content=body("e4"), headers={"x-test-signature": "good"}).status_code == 401
    assert public.post(hook, content=body("e4"), headers={"x-test-signature": "rotated"}).json()["stored"] == 1
    assert [e.provider_event_id for e in uow.inbound_events.rows] == ["e1", "e4"]
    assert public.get(hook).status_code == 405 and public.post("/api/pos-bridge/v1/webhooks/square").status_code == 404


def test_the_served_worker_opens_its_inbox_at_start_and_closes_it_at_stop():
    from pos_bridge.service_layer.webhook_receive import UnitOfWorkInbox

    class Inbox(UnitOfWorkInbox):
        events: list[str] = []

        async def open(self) -> None:
            self.events.append("open")

        async def close(self) -> None:
            self.events.append("close")

    uow = FakePosBridgeUnitOfWork()
    inbox = Inbox(lambda: uow)
    container = bootstrap(Settings(**DB), uow=lambda: uow, providers={"square": FakeProvider()}, sealer=PlainSealer(),
                          webhook_inbox=inbox)
    with client(build_served_app(container)) as served:
        assert inbox.events == ["open"]
        assert served.get("/livez").status_code == 200   # the app behind still answers
    assert inbox.events == ["open", "close"]
