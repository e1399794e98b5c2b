"""The orders schema, migrated to head, in a scratch schema of the harness's real PostgreSQL: the
repository and unit of work run against the real database (the use cases run against fakes)."""
from __future__ import annotations

from pathlib import Path

import orders
import pytest
from devstack.testing import migrated_scratch_schema

MIGRATIONS = Path(orders.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def orders_db(infra):
    """(session factory, schema): a fresh `orders_<hex>` schema at migration head, dropped afterwards."""
    with migrated_scratch_schema(infra, MIGRATIONS, "orders") as database:
        yield database
