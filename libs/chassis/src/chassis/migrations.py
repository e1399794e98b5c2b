"""Alembic helpers: each service keeps its own migrations and version table in its own schema."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from chassis.consumer import CONSUMER_DDL
from chassis.outbox import OUTBOX_DDL


def alembic_config(migrations_dir: Path, database_url: str, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["schema"] = schema
    return config


def upgrade(migrations_dir: Path, database_url: str, schema: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, database_url, schema), revision)


def downgrade(migrations_dir: Path, database_url: str, schema: str, revision: str = "base") -> None:
    """Roll back to `revision` ("base": nothing but the empty version table is left)."""
    command.downgrade(alembic_config(migrations_dir, database_url, schema), revision)


def run_env(context, target_metadata) -> None:
    """Body of every service's migrations/env.py (online mode only: we always have a database)."""
    from sqlalchemy import create_engine

    config = context.config
    schema = config.attributes["schema"]
    engine = create_engine(config.get_main_option("sqlalchemy.url"),
                           connect_args={"options": f"-csearch_path={schema}"})
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          version_table_schema=schema, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()


def create_messaging_tables(op, outbox: bool = True, consumer: bool = True) -> None:
    """The outbox / processed-event tables, in a service's first migration."""
    statements = (OUTBOX_DDL if outbox else []) + (CONSUMER_DDL if consumer else [])
    for statement in statements:
        op.execute(text(statement))


# What create_messaging_tables creates, undone in reverse order (the trigger goes with its table).
OUTBOX_DROP = ["DROP TABLE outbox", "DROP FUNCTION outbox_notify()"]
CONSUMER_DROP = ["DROP TABLE dead_letters", "DROP TABLE processed_events"]


def drop_messaging_tables(op, outbox: bool = True, consumer: bool = True) -> None:
    """Undo create_messaging_tables, in the downgrade of a service's first migration (same arguments)."""
    statements = (CONSUMER_DROP if consumer else []) + (OUTBOX_DROP if outbox else [])
    for statement in statements:
        op.execute(text(statement))
