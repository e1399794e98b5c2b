"""The composition root, settings and readiness of payroll's processes, and the REST API over fakes."""
from __future__ import annotations

import base64
import inspect
import uuid

import pytest
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from payroll.adapters.repositories import TipRepository
from payroll.bootstrap import bootstrap
from payroll.config import Settings, settings
from payroll.entrypoints.http_api import build_app, readiness_checks
from payroll_fakes import FakeDirectory, FakePayrollUnitOfWork, FakeTipRepository

DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "payroll"}


def rest_client(app, **kwargs):
    import warnings

    with warnings.catch_warnings():  # starlette's note about its httpx backend is not ours to fix
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


def public_methods(cls) -> dict[str, inspect.Signature]:
    return {n: inspect.signature(f) for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}


def test_the_fake_repository_keeps_the_real_ones_contract():
    assert public_methods(FakeTipRepository) == public_methods(TipRepository)


def test_bootstrap_takes_fakes_and_opens_nothing():
    uow, directory = FakePayrollUnitOfWork(), FakeDirectory()
    container = bootstrap(Settings(**DB), uow=lambda: uow, directory=directory, new_id=lambda: uuid.UUID(int=7))
    assert container.uow() is uow and container.directory is directory and container.engine is None
    assert container.new_id() == uuid.UUID(int=7)


def test_no_peer_is_wired_without_its_address():
    assert bootstrap(Settings(**DB), uow=FakePayrollUnitOfWork).directory is None


def test_http_readiness_checks_postgres_auth_and_redis_when_configured():
    config = Settings(**DB, auth_grpc_addr="127.0.0.1:1", redis_url="redis://127.0.0.1:1/3")
    container = bootstrap(config, directory=FakeDirectory())  # real engine: created, not connected
    assert set(readiness_checks(container)) == {"postgres", "auth", "redis"}  # redis: pay-run progress
    container = bootstrap(Settings(**DB, auth_grpc_addr="127.0.0.1:1"), directory=FakeDirectory())
    assert set(readiness_checks(container)) == {"postgres", "auth"}


def test_each_process_requires_only_what_it_uses(monkeypatch, capsys):
    for name, value in DB.items():
        monkeypatch.setenv(name.upper(), value)
    for name in ("AUTH_GRPC_ADDR", "TAX_GRPC_ADDR", "PII_ENCRYPTION_KEY", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    assert settings().tax_grpc_addr is None  # gRPC server, relay, migrations: nothing else needed
    with pytest.raises(SystemExit):
        settings("auth_grpc_addr")  # the HTTP API asks auth about ids
    assert "AUTH_GRPC_ADDR: required by this process" in capsys.readouterr().err


def test_a_pii_key_given_must_still_be_a_valid_key():
    assert Settings(**DB).pii_encryption_key is None
    key = base64.b64encode(bytes(32)).decode()
    assert Settings(**DB, pii_encryption_key=key).pii_encryption_key == key
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(**DB, pii_encryption_key=base64.b64encode(b"short").decode())


def test_the_rest_api_over_fakes():
    tenant, location, staff = (str(uuid.uuid4()) for _ in range(3))
    uow = FakePayrollUnitOfWork()
    container = bootstrap(Settings(**DB), uow=lambda: uow, directory=FakeDirectory({location}, {staff}))
    admin = Identity(subject=str(uuid.uuid4()), tenant_id=tenant, permissions=role_permissions("admin"))
    client = rest_client(build_app(container), headers={"authorization": bearer_for_tests(admin, "payroll")})
    body = {"staff_id": staff, "location_id": location, "tip_cents": 2300, "earned_at": "2026-03-06T22:30:00-05:00"}
    entered = client.post("/api/payroll/v1/tips", json=body)
    assert entered.status_code == 201, entered.text
    assert entered.json()["earned_at"].startswith("2026-03-07T03:30:00")
    listed = client.get("/api/payroll/v1/tips", params={"staff_id": staff}).json()
    assert listed["total_tip_cents"] == 2300 and len(listed["tips"]) == 1
    unknown = client.post("/api/payroll/v1/tips", json={**body, "staff_id": str(uuid.uuid4())})
    assert unknown.status_code == 422 and unknown.json()["field"] == "staff_id"
    assert client.get("/readyz").json() == {"status": "ok", "checks": {}}
