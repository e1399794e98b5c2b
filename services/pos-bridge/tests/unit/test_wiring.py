"""The composition root, settings and readiness of pos-bridge's processes, and the REST API over fakes."""
from __future__ import annotations

import inspect
import uuid

from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from pos_bridge.adapters.orm import PosConnection
from pos_bridge.adapters.repositories import ConnectionRepository
from pos_bridge.bootstrap import bootstrap
from pos_bridge.config import Settings, settings
from pos_bridge.entrypoints.http_api import build_app, readiness_checks
from pos_bridge_fakes import FakeConnectionRepository, FakePosBridgeUnitOfWork

DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "pos_bridge"}


def rest_client(app, **kwargs):
    import warnings

    with warnings.catch_warnings():  # starlette's note about its httpx backend is not ours to fix
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


def public_methods(cls) -> dict[str, inspect.Signature]:
    return {n: inspect.signature(f) for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}


def test_the_fake_repository_keeps_the_real_ones_contract():
    assert public_methods(FakeConnectionRepository) == public_methods(ConnectionRepository)


def test_bootstrap_takes_fakes_and_needs_no_peer_address():
    orders = object()
    container = bootstrap(Settings(**DB), uow=FakePosBridgeUnitOfWork, orders=orders)
    assert container.orders is orders and container.engine is None
    assert bootstrap(Settings(**DB), uow=FakePosBridgeUnitOfWork).orders is None


def test_no_process_requires_the_orders_address_yet(monkeypatch):
    for name, value in DB.items():
        monkeypatch.setenv(name.upper(), value)
    for name in ("ORDERS_GRPC_ADDR", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    assert settings().orders_grpc_addr is None


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
