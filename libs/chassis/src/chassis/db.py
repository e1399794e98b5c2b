"""SQLAlchemy 2 + psycopg 3: one engine per process, bound to the service's own schema."""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_base() -> type[DeclarativeBase]:
    """A declarative base of the service's own (one metadata per service, never shared).

    Tables are unqualified: the connection's search_path is the service schema, so a service
    cannot name another service's tables by accident, and its role could not read them anyway."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)
        type_annotation_map = {datetime: DateTime(timezone=True)}

    return Base


class TimestampedMixin:
    """created/updated timestamps and soft delete, as every table carries them."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


def make_engine(database_url: str, schema: str, pool_size: int = 5, max_overflow: int | None = None) -> Engine:
    """No pre-ping: a `SELECT 1` round trip on every checkout cost a request about as much as one of
    its queries. A connection PostgreSQL dropped (restart, failover, terminated backend) fails its
    next statement instead: SQLAlchemy then invalidates every pooled connection older than the failure,
    and chassis.unavailable answers that one request 503 with Retry-After, so the client retries on a
    fresh connection. Connections are recycled hourly so none outlives an idle-timeout in between."""
    return create_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_pre_ping=False,
        pool_recycle=3600,
        connect_args={"options": f"-csearch_path={schema}"},
    )


def libpq_dsn(database_url: str | Engine) -> str:
    """The libpq connection string of a service's database (its SQLAlchemy URL or engine), for what talks
    to PostgreSQL with psycopg itself: LISTEN connections, async pools."""
    url = database_url.url if isinstance(database_url, Engine) else make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@contextmanager
def session_scope(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@dataclass(frozen=True)
class Rows:
    """Rows for one table (dicts with the same keys: the columns). Values are what psycopg adapts (UUID,
    datetime, int, str, bytes, bool, None, a list for an array column); a list or dict for a JSON
    column must be named in `json_columns` (else psycopg would write an array)."""

    table: str
    rows: Sequence[Mapping]
    json_columns: Collection[str] = ()


# Parameters per INSERT statement: PostgreSQL takes at most 65,535.
MAX_PARAMETERS = 30_000


def insert_rows(connection: Connection, writes: Sequence[Rows], *, own_transaction: bool = False) -> None:
    """Writes every table's rows in the connection's transaction with one multi-row INSERT per table
    (per MAX_PARAMETERS), all sent in ONE psycopg pipeline: one round trip to the server for the lot.

    For many rows gathered apart (orders' group commit, bench/bench_orders.py): an executemany ran a
    round of Python and a send per row, and a COPY per table cost two round trips each, which under
    load (PostgreSQL on the same cores) made the batch wait longer than it computed. A psycopg error
    comes out as SQLAlchemy's (IntegrityError naming the taken unique key, OperationalError for a
    dropped connection), as an INSERT through SQLAlchemy would.

    `own_transaction`: the connection is in autocommit (its reads ran without a transaction) and the
    pipeline carries its own BEGIN and COMMIT, so the write costs one round trip, commit included; on
    an error the transaction is rolled back before the error is raised, and nothing was written."""
    from psycopg import Error as PsycopgError
    from psycopg import RawCursor

    raw = connection.connection.driver_connection
    statements = []
    for write in writes:
        if not write.rows:
            continue
        columns = list(write.rows[0])
        encoded = [i for i, column in enumerate(columns) if column in write.json_columns]
        per_statement = max(1, MAX_PARAMETERS // len(columns))
        for start in range(0, len(write.rows), per_statement):
            chunk = write.rows[start:start + per_statement]
            params = []
            for row in chunk:
                values = [row[column] for column in columns]
                for i in encoded:
                    if values[i] is not None and not isinstance(values[i], str):
                        values[i] = orjson.dumps(values[i]).decode()
                params.extend(values)
            statements.append((_insert_sql(write.table, tuple(columns), len(chunk)), params))
    if not statements:
        return
    if own_transaction:  # PostgreSQL runs a pipeline up to its Sync as one implicit transaction too; saying
        # so makes the write's atomicity independent of where psycopg places its Syncs
        statements = [("BEGIN", ()), *statements, ("COMMIT", ())]
    try:
        # RawCursor: the statements carry PostgreSQL's own $n placeholders. psycopg's %s conversion
        # parses the text anew for each statement over 4 KiB (it caches only shorter ones): 15 % of
        # orders-http's CPU for a batch's INSERTs, measured.
        with raw.pipeline(), RawCursor(raw) as cursor:
            for statement, params in statements:
                cursor.execute(statement, params or None, prepare=False)
    except PsycopgError as error:
        if own_transaction and not raw.closed:
            with contextlib.suppress(PsycopgError):
                raw.execute("ROLLBACK")
        raise DBAPIError.instance(statements[-1][0], None, error, PsycopgError) from error


@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...], rows: int) -> str:
    """The statement's text with $n placeholders, rendered once per table, columns and row count."""
    from psycopg import sql

    width = len(columns)
    values = ", ".join("(" + ", ".join(f"${row * width + i + 1}" for i in range(width)) + ")" for row in range(rows))
    return sql.SQL("INSERT INTO {} ({}) VALUES ").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))).as_string(None) + values


def read_together(connection: Connection, queries: Sequence[tuple[str, Sequence]]) -> list[list[tuple]]:
    """Each of `queries` (text with psycopg's %s placeholders, parameters) run in one psycopg pipeline,
    in the connection's transaction if it has one: one round trip for all; each one's rows, in order.
    A psycopg error comes out as SQLAlchemy's."""
    from psycopg import Error as PsycopgError

    raw = connection.connection.driver_connection
    try:
        with raw.pipeline():
            cursors = [raw.execute(query, params or None) for query, params in queries]
        return [cursor.fetchall() for cursor in cursors]
    except PsycopgError as error:
        raise DBAPIError.instance(queries[0][0], None, error, PsycopgError) from error
