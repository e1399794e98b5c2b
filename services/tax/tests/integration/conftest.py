"""The tax service's own schema, migrated to head, in a scratch schema of the harness's real PostgreSQL,
and a Redis database of its own: service-layer tests run against the real stores, not fakes."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
import redis as redis_lib
import tax
from devstack.testing import migrated_scratch_schema
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
    with migrated_scratch_schema(infra, MIGRATIONS, "tax") as database:
        yield database


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
