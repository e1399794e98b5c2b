"""The composition root, settings and readiness of pos-bridge's processes, and the REST API over fakes."""
from __future__ import annotations

import base64
import inspect
import json
import uuid

from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from pos_bridge.adapters.orm import PosConnection
from pos_bridge.adapters.repositories import ConnectionRepository, InboundEventRepository, PosOrderRepository
from pos_bridge.bootstrap import bootstrap
from pos_bridge.config import Settings, settings
from pos_bridge.entrypoints.http_api import build_app, readiness_checks
from pos_bridge_fakes import (
    FakeConnectionRepository,
    FakeInboundEventRepository,
    FakePosBridgeUnitOfWork,
    FakePosOrderRepository,
    FakeProvider,
    PlainSealer,
)

DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "pos_bridge"}


def rest_client(app, **kwargs):
    import warnings

    with warnings.catch_warnings():  # starlette's note about its httpx backend is not ours to fix
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


def public_methods(cls) -> dict[str, inspect.Signature]:
    return {n: inspect.signature(f) for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}


def test_the_fake_repositories_keep_the_real_ones_contract():
    assert public_methods(FakeConnectionRepository) == public_methods(ConnectionRepository)
    assert public_methods(FakeInboundEventRepository) == public_methods(InboundEventRepository)
    assert public_methods(FakePosOrderRepository) == public_methods(PosOrderRepository)


def test_the_fake_provider_keeps_every_adapters_contract():
    from pos_bridge.adapters.clover.provider import CloverProvider
    from pos_bridge.adapters.square.provider import SquareProvider
    from pos_bridge.adapters.toast.provider import ToastProvider
    from pos_bridge.service_layer.ports import PosProvider

    port = {n for n in public_methods(PosProvider)}
    assert port == set(public_methods(FakeProvider))
    for adapter in (SquareProvider, CloverProvider, ToastProvider):
        methods = public_methods(adapter)
        assert {n for n in methods if n != "name"} == port, adapter
        for name in port:   # same parameters as the port, in the same order
            assert list(methods[name].parameters) == list(public_methods(PosProvider)[name].parameters), (adapter, name)


def test_bootstrap_takes_fakes_and_needs_no_peer_address():
    orders = object()
    container = bootstrap(Settings(**DB), uow=FakePosBridgeUnitOfWork, orders=orders)
    assert container.orders is orders and container.engine is None
    default = bootstrap(Settings(**DB), uow=FakePosBridgeUnitOfWork)
    assert default.orders is None and default.sealer is None and set(default.providers) == {"square", "clover", "toast"}
    keyed = bootstrap(Settings(**DB, pos_credentials_key=base64.b64encode(bytes(32)).decode()), uow=FakePosBridgeUnitOfWork)
    assert keyed.sealer.open(keyed.sealer.seal(b"x", b"row"), b"row") == b"x"


def test_a_bad_credentials_key_fails_at_boot():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Settings(**DB, pos_credentials_key="short")


def test_only_the_consumer_requires_the_orders_address(monkeypatch):
    import pytest
    from pos_bridge.adapters.orders_client import OrdersClient
    from pos_bridge.entrypoints import consumer

    for name, value in DB.items():
        monkeypatch.setenv(name.upper(), value)
    for name in ("ORDERS_GRPC_ADDR", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    assert settings().orders_grpc_addr is None
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("POS_CREDENTIALS_KEY", base64.b64encode(bytes(32)).decode())
    with pytest.raises(SystemExit) as stopped:
        consumer.main()   # the inbound worker hands orders to orders: no address, no start
    assert stopped.value.code == 2
    wired = bootstrap(Settings(**DB, orders_grpc_addr="127.0.0.1:1"), uow=FakePosBridgeUnitOfWork)
    assert isinstance(wired.orders, OrdersClient)


def test_http_readiness_checks_postgres_only():
    config = Settings(**DB, redis_url="redis://127.0.0.1:1/5", kafka_bootstrap_servers="127.0.0.1:1")
    assert set(readiness_checks(bootstrap(config))) == {"postgres"}  # real engine: created, not connected


def test_the_rest_api_over_fakes():
    tenant, location = uuid.uuid4(), uuid.uuid4()
    uow = FakePosBridgeUnitOfWork()
    uow.connections.add(PosConnection(tenant_id=tenant, location_id=location, provider="square", active=True))
    manager = Identity(subject=str(uuid.uuid4()), tenant_id=str(tenant), permissions=role_permissions("manager"))
    client = rest_client(build_app(bootstrap(Settings(**DB), uow=lambda: uow)),
                         headers={"authorization": bearer_for_tests(manager, "pos-bridge")})
    [connection] = client.get("/api/pos-bridge/v1/connections").json()["connections"]
    assert connection["location_id"] == str(location) and connection["provider"] == "square"
    bad = client.get("/api/pos-bridge/v1/connections", params={"location_id": "patio"})
    assert bad.status_code == 422 and bad.json()["field"] == "location_id"


def test_connections_and_the_webhook_over_rest():
    tenant = uuid.uuid4()
    uow, provider = FakePosBridgeUnitOfWork(), FakeProvider()
    config = Settings(**DB, webhook_max_bytes=2048)
    container = bootstrap(config, uow=lambda: uow, providers={"square": provider}, sealer=PlainSealer())
    admin = Identity(subject=str(uuid.uuid4()), tenant_id=str(tenant), permissions=role_permissions("admin"))
    client = rest_client(build_app(container), headers={"authorization": bearer_for_tests(admin, "pos-bridge")})
    made = client.post("/api/pos-bridge/v1/connections", json={
        "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
        "external_location_id": "L1", "credentials": {"access_token": "secret-token"},
        "webhook": {"notification_url": "https://aura.example/hook", "signature_key": "good"}})
    assert made.status_code == 201 and "secret-token" not in made.text and "good" not in made.text
    cid = made.json()["connection_id"]
    assert client.get(f"/api/pos-bridge/v1/connections/{cid}").json()["status"] == "active"
    bad = client.post("/api/pos-bridge/v1/connections", json={"provider": "pos9000"})
    assert bad.status_code == 422 and bad.json()["field"] == "provider"
    body = json.dumps({"type": "order.created", "event_id": "e1", "merchant_id": "M1",
                       "data": {"id": "O1", "object": {"order_created": {"order_id": "O1", "version": 1}}}}).encode()
    public = rest_client(build_app(container))   # no identity: the gateway lets webhooks through
    hook = f"/api/pos-bridge/v1/webhooks/square/{cid}"
    assert public.post(hook, content=body, headers={"x-test-signature": "bad"}).status_code == 401
    assert uow.inbound_events.rows == []
    first = public.post(hook, content=body, headers={"x-test-signature": "good"})
    again = public.post(hook, content=body, headers={"x-test-signature": "good"})
    assert first.json() == {"stored": 1, "duplicates": 0} and again.json() == {"stored": 0, "duplicates": 1}
    assert public.post(hook, content=b"x" * 4096, headers={"x-test-signature": "good"}).status_code == 413
    sync = client.get(f"/api/pos-bridge/v1/connections/{cid}/sync").json()
    assert sync["events"] == {"received": 1} and sync["polling"]["last_error"] is None
    assert client.post(f"/api/pos-bridge/v1/connections/{cid}/pause").json()["status"] == "paused"
    assert public.post(hook, content=body, headers={"x-test-signature": "good"}).status_code == 503
    assert client.delete(f"/api/pos-bridge/v1/connections/{cid}").status_code == 204
    assert client.get(f"/api/pos-bridge/v1/connections/{cid}").status_code == 404


def test_clovers_verification_handshake_over_rest():
    from pos_bridge.adapters.clover.provider import CloverProvider

    uow = FakePosBridgeUnitOfWork()
    container = bootstrap(Settings(**DB), uow=lambda: uow, providers={"clover": CloverProvider()}, sealer=PlainSealer())
    admin = Identity(subject=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), permissions=role_permissions("admin"))
    client = rest_client(build_app(container), headers={"authorization": bearer_for_tests(admin, "pos-bridge")})
    cid = client.post("/api/pos-bridge/v1/connections", json={
        "provider": "clover", "location_id": str(uuid.uuid4()), "external_merchant_id": "MERCHANT00001",
        "external_location_id": "MERCHANT00001", "credentials": {"access_token": "t"}}).json()["connection_id"]
    public = rest_client(build_app(container))
    hook = f"/api/pos-bridge/v1/webhooks/clover/{cid}"
    answer = public.post(hook, json={"verificationCode": "paste-me"})
    assert answer.status_code == 200 and answer.json() == {"verification": "received"}
    assert client.get(f"/api/pos-bridge/v1/connections/{cid}").json()["webhook"]["verification_code"] == "paste-me"
    events = json.dumps({"appId": "A", "merchants": {"MERCHANT00001": [
        {"objectId": "O:ORDER0000001", "type": "CREATE", "ts": 1}]}}).encode()
    assert public.post(hook, content=events, headers={"x-clover-auth": "anything"}).status_code == 401
    client.put(f"/api/pos-bridge/v1/connections/{cid}/webhook",
               json={"notification_url": f"https://aura.example{hook}", "signature_key": "app-code"})
    assert public.post(hook, content=events, headers={"x-clover-auth": "app-code"}).json() == {"stored": 1, "duplicates": 0}


def test_webhook_body_limits_are_per_provider():
    """Toast's webhooks carry the whole order: 1 MiB by default, the others 256 KiB; the 413 names it."""
    uow, provider = FakePosBridgeUnitOfWork(), FakeProvider()
    container = bootstrap(Settings(**DB), uow=lambda: uow, providers={"square": provider, "toast": provider},
                          sealer=PlainSealer())
    public = rest_client(build_app(container))
    cid = uuid.uuid4()
    big = b"x" * (300 * 1024)
    square = public.post(f"/api/pos-bridge/v1/webhooks/square/{cid}", content=big)
    assert square.status_code == 413 and str(256 * 1024) in square.json()["message"]
    assert "square" in square.json()["message"] and square.json()["field"] == "body"
    # Past the size check (then refused as unsigned: 401, nothing stored).
    assert public.post(f"/api/pos-bridge/v1/webhooks/toast/{cid}", content=big).status_code == 401
    toast = public.post(f"/api/pos-bridge/v1/webhooks/toast/{cid}", content=b"x" * (1024 * 1024 + 1))
    assert toast.status_code == 413 and str(1024 * 1024) in toast.json()["message"]
