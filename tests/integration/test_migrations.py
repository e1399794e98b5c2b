"""Every migration of every service rolls back: upgrade -> downgrade -> upgrade on the harness's real PostgreSQL.

Each service migrates as its own login role into a scratch schema that role owns (the same rights as its real
schema, which stays untouched for the e2e tests sharing the session's stack). The test walks up one revision at
a time, recording what each revision leaves in the schema (relations, columns, constraints, indexes, functions,
triggers, types, row counts), then walks down one revision at a time and checks that each downgrade leaves
exactly what the revision below it left: at base, nothing but alembic's version table. Then upgrade to head
again must rebuild the same schema.
"""
from __future__ import annotations

from pathlib import Path
from pprint import pformat

import psycopg
import pytest
from alembic.script import ScriptDirectory
from chassis.migrations import alembic_config, downgrade, upgrade
from devstack import postgres
from psycopg import sql
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MIGRATIONS = {path.parent.name: path for path in sorted(REPO.glob("services/*/src/*/migrations"))}
VERSION_TABLE = "alembic_version"

CATALOGUE = {
    "relations": """
        SELECT c.relname, c.relkind::text FROM pg_class c
        WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')""",
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')
        FROM information_schema.columns WHERE table_schema = %(schema)s""",
    "constraints": """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid WHERE c.connamespace = %(schema)s::regnamespace""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(schema)s",
    "functions": """
        SELECT proname, pg_get_function_identity_arguments(oid) FROM pg_proc
        WHERE pronamespace = %(schema)s::regnamespace""",
    "triggers": """
        SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = %(schema)s::regnamespace AND NOT t.tgisinternal""",
    "types": """
        SELECT typname, typtype::text FROM pg_type
        WHERE typnamespace = %(schema)s::regnamespace AND typtype IN ('e', 'd', 'r', 'm')""",
}


def snapshot(admin_url: str, schema: str) -> dict[str, set[tuple]]:
    """What the schema holds, alembic's own version table left out."""
    with psycopg.connect(admin_url) as conn:
        found = {kind: {row for row in conn.execute(query, {"schema": schema}).fetchall()
                        if VERSION_TABLE not in row[:2]}
                 for kind, query in CATALOGUE.items()}
        tables = sorted(name for name, kind in found["relations"] if kind in ("r", "p"))
        found["row counts"] = {(table, conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(schema, table))).fetchone()[0]) for table in tables}
    return found


def difference(expected: dict[str, set[tuple]], actual: dict[str, set[tuple]]) -> dict[str, dict[str, set]]:
    """Per kind of object, what is missing and what is extra (empty when the snapshots agree)."""
    kinds = expected.keys() | actual.keys()
    return {kind: {"missing": expected.get(kind, set()) - actual.get(kind, set()),
                   "extra": actual.get(kind, set()) - expected.get(kind, set())}
            for kind in sorted(kinds) if expected.get(kind, set()) != actual.get(kind, set())}


def revisions(migrations_dir: Path, database_url: str, schema: str) -> list[str]:
    """Base first."""
    script = ScriptDirectory.from_config(alembic_config(migrations_dir, database_url, schema))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=sorted(MIGRATIONS))
def scratch(request, infra):
    """(package, migrations dir, the service role's database URL, superuser URL, a schema that role owns)."""
    package = request.param
    layout, secrets = infra.layout, infra.secrets
    admin_url = postgres.superuser_url(layout, secrets["POSTGRES_SUPERUSER_PASSWORD"])
    service_url = postgres.service_url(layout, package, secrets[f"DB_PASSWORD_{package.upper()}"])
    role = make_url(service_url).username
    schema = f"{package}_migration_test"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema} AUTHORIZATION {role}")
        conn.execute(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
    yield package, MIGRATIONS[package], service_url, admin_url, schema
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_every_migration_rolls_back(scratch):
    package, migrations_dir, service_url, admin_url, schema = scratch
    steps = revisions(migrations_dir, service_url, schema)
    assert steps, f"{package} has no migrations"

    after = {}  # revision -> what the schema holds at that revision
    for revision in steps:
        upgrade(migrations_dir, service_url, schema, revision)
        after[revision] = snapshot(admin_url, schema)
    head = after[steps[-1]]
    assert any(kind == "r" for _, kind in head["relations"])

    below = ["base", *steps[:-1]]
    for revision, previous in reversed(list(zip(steps, below))):
        downgrade(migrations_dir, service_url, schema, previous)
        left = snapshot(admin_url, schema)
        expected = {kind: set() for kind in left} if previous == "base" else after[previous]
        wrong = difference(expected, left)
        assert not wrong, f"{package}: downgrade {revision} -> {previous} does not undo it:\n{pformat(wrong)}"

    with psycopg.connect(admin_url) as conn:
        relations = conn.execute("SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace"
                                 " AND relkind IN ('r', 'p')", (schema,)).fetchall()
        assert relations == [(VERSION_TABLE,)]
        version_rows = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, VERSION_TABLE))
        assert conn.execute(version_rows).fetchone() == (0,)

    upgrade(migrations_dir, service_url, schema)
    wrong = difference(head, snapshot(admin_url, schema))
    assert not wrong, f"{package}: upgrade after downgrade differs from the first:\n{pformat(wrong)}"
