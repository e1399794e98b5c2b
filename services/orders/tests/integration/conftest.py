"""The orders schema, migrated to head, in a scratch schema of the harness's real PostgreSQL: the
repository and unit of work run against the real database (the use cases run against fakes)."""
from __future__ import annotations

import uuid
from pathlib import Path

import orders
import psycopg
import pytest
from chassis.db import make_engine, make_session_factory
from chassis.migrations import upgrade
from devstack import postgres

MIGRATIONS = Path(orders.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def orders_db(infra):
    """(session factory, schema): a fresh `orders_<hex>` schema at migration head, dropped afterwards."""
    layout, password = infra.layout, infra.secrets["POSTGRES_SUPERUSER_PASSWORD"]
    schema = f"orders_{uuid.uuid4().hex[:8]}"
    admin_url = postgres.superuser_url(layout, password)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = admin_url.replace("postgresql://", "postgresql+psycopg://")
    upgrade(MIGRATIONS, url, schema)
    engine = make_engine(url, schema)
    yield make_session_factory(engine), schema
    engine.dispose()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
