"""The auth schema at migration head in a scratch schema of the harness's PostgreSQL, and a Redis
database of its own: the login use cases run against the real stores (concurrency is what they test)."""
from __future__ import annotations

from pathlib import Path

import auth
import pytest
import redis as redis_lib
from auth.adapters.unit_of_work import AuthUnitOfWork
from auth.config import SOURCE
from devstack.testing import migrated_scratch_schema

MIGRATIONS = Path(auth.__file__).parent / "migrations"
SCRATCH_REDIS_DB = 8


@pytest.fixture(scope="session")
def auth_db(infra):
    with migrated_scratch_schema(infra, MIGRATIONS, "auth") as database:
        yield database


@pytest.fixture
def uow(auth_db):
    sessions = auth_db[0]
    return lambda: AuthUnitOfWork(sessions, SOURCE)


@pytest.fixture
def redis(infra):
    client = redis_lib.Redis.from_url(f"{infra.layout.redis_url}/{SCRATCH_REDIS_DB}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
