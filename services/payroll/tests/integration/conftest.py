"""The payroll schema, migrated to head, in a scratch schema of the harness's real PostgreSQL: the pay-run
repository, its job queue (FOR UPDATE SKIP LOCKED, leases) and the unique keys against the real database."""
from __future__ import annotations

from pathlib import Path

import payroll
import pytest
from devstack.testing import migrated_scratch_schema

MIGRATIONS = Path(payroll.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def payroll_db(infra):
    """(session factory, schema): a fresh `payroll_<hex>` schema at migration head, dropped afterwards."""
    with migrated_scratch_schema(infra, MIGRATIONS, "payroll") as database:
        yield database
