"""pytest fixtures that run tests against the real stack, started by the same launcher as `make up`.

The test stack lives in its own folder (.stack-test) on its own port block (27000), so a developer's
`make up` stack (17000) keeps running beside it. It starts once per test session and is torn down
after, unless AURA_KEEP_STACK=1.

AURA_SUPERVISE=1 also starts the supervisor (devstack.supervisor) once the platform is up, so crashed
processes come back as under `make up`. It is off by default: a test that kills a process should see
it stay dead unless it asks for the supervisor (the `supervised` fixture).
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack import supervisor
from devstack.layout import REPO_ROOT, Layout
from devstack.stack import Stack

TEST_PORT_BASE = 27000


@dataclass
class RunningStack:
    stack: Stack
    layout: Layout
    demo: dict | None = None

    @property
    def secrets(self) -> dict[str, str]:
        return self.stack.secrets

    @property
    def admin_password(self) -> str:
        return self.secrets["DEMO_ADMIN_PASSWORD"]


def _test_layout() -> Layout:
    state = Path(os.environ.get("AURA_TEST_STATE_DIR", REPO_ROOT / ".stack-test"))
    # A short JWKS cache keeps the key-rotation test short; production-like stacks use 60 s.
    return Layout(state_dir=state.resolve(), port_base=int(os.environ.get("AURA_TEST_PORT_BASE", TEST_PORT_BASE)),
                  jwks_cache_seconds=int(os.environ.get("JWKS_CACHE_SECONDS", 10)))


@pytest.fixture(scope="session")
def infra():
    """PostgreSQL, Redis, Kafka and the OTLP collector, fresh for this session."""
    layout = _test_layout()
    Stack(layout).down()
    shutil.rmtree(layout.state_dir, ignore_errors=True)
    stack = Stack(layout)
    running = RunningStack(stack, layout)
    try:
        stack.start_infrastructure()
        yield running
    finally:
        if os.environ.get("AURA_KEEP_STACK") != "1":
            stack.down()


@pytest.fixture(scope="session")
def platform(infra: RunningStack):
    """Everything: migrations, demo data, all service processes and Envoy."""
    stack = infra.stack
    stack.migrate()
    infra.demo = stack.seed()
    stack.start_services()
    stack.start_gateway()
    stack.configure_demo(infra.demo)
    if os.environ.get("AURA_SUPERVISE") == "1":
        supervisor.start(infra.layout.state_dir, cwd=infra.layout.repo_root)
    return infra


@pytest.fixture
def supervised(platform: RunningStack):
    """The platform with its supervisor running for this test (fast backoff); stopped afterwards
    unless AURA_SUPERVISE=1 keeps it for the whole session."""
    supervisor.start(platform.layout.state_dir, supervisor.Policy(base_s=0.5, max_s=5), cwd=platform.layout.repo_root)
    try:
        yield platform
    finally:
        if os.environ.get("AURA_SUPERVISE") != "1":
            supervisor.stop(platform.layout.state_dir)


@contextmanager
def migrated_scratch_schema(infra: RunningStack, migrations: Path, prefix: str) -> Iterator[tuple]:
    """(session factory, schema): a fresh `<prefix>_<hex>` schema on the harness's PostgreSQL at the
    service's migration head, dropped afterwards. Repository and unit-of-work tests run there, beside
    the real schemas, so they never disturb a stack the same session runs."""
    import psycopg
    from chassis.db import make_engine, make_session_factory
    from chassis.migrations import upgrade

    from devstack import postgres

    admin_url = postgres.superuser_url(infra.layout, infra.secrets["POSTGRES_SUPERUSER_PASSWORD"])
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = admin_url.replace("postgresql://", "postgresql+psycopg://")
    upgrade(migrations, url, schema)
    engine = make_engine(url, schema)
    try:
        yield make_session_factory(engine), schema
    finally:
        engine.dispose()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
