"""The pos-bridge schema, migrated to head, in a scratch schema of the harness's real PostgreSQL: the
locks the credential refresh and the poller rely on run against the real database."""
from __future__ import annotations

from pathlib import Path

import pos_bridge
import pytest
from devstack.testing import migrated_scratch_schema

MIGRATIONS = Path(pos_bridge.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def pos_bridge_db(infra):
    """(session factory, schema): a fresh `pos_bridge_<hex>` schema at migration head, dropped afterwards."""
    with migrated_scratch_schema(infra, MIGRATIONS, "pos_bridge") as database:
        yield database
