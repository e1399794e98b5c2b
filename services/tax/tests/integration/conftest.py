"""The tax service's own schema, migrated to head, in a scratch schema of the harness's real PostgreSQL,
and a Redis database of its own: service-layer tests run against the real stores, not fakes."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib
import tax
from chassis.db import make_engine, make_session_factory
from chassis.migrations import upgrade
from devstack import postgres
from tax.adapters.unit_of_work import TaxUnitOfWork
from tax.config import SOURCE

MIGRATIONS = Path(tax.__file__).parent / "migrations"
# --import-mode=importlib keeps test directories off sys.path; the tests here share tax_testkit.py.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
SCRATCH_REDIS_DB = 9


@pytest.fixture(scope="session")
def tax_db(infra):
    """(sessions, schema): a fresh `tax_<hex>` schema at migration head, dropped afterwards."""
    layout, password = infra.layout, infra.secrets["POSTGRES_SUPERUSER_PASSWORD"]
    schema = f"tax_{uuid.uuid4().hex[:8]}"
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


@pytest.fixture
def sessions(tax_db):
    return tax_db[0]


@pytest.fixture
def uow(sessions):
    """The unit-of-work factory the service layer takes (what bootstrap() wires in production)."""
    return lambda: TaxUnitOfWork(sessions, SOURCE)


@pytest.fixture
def redis(infra):
    client = redis_lib.Redis.from_url(f"{infra.layout.redis_url}/{SCRATCH_REDIS_DB}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def tenant() -> uuid.UUID:
    return uuid.uuid4()
