"""SQLAlchemy 2 + psycopg 3: one engine per process, bound to the service's own schema."""
from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

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


def copy_rows(connection: Connection, table: str, rows: Sequence[Mapping], json_columns: Collection[str] = ()) -> None:
    """Writes `rows` (dicts with the same keys: the columns) into `table` with one COPY, in the
    connection's transaction. For many rows gathered apart (orders' group commit): an executemany
    sends a Bind/Execute and runs a round of Python per row, COPY streams them all through psycopg's
    C row formatter, and the server parses them without planning an INSERT per row.

    Values are what psycopg adapts (UUID, datetime, int, str, bytes, bool, None, a list for an
    array column); a list or dict for a JSON column must be named in `json_columns` (else psycopg
    would write an array). A psycopg error comes out as SQLAlchemy's (IntegrityError for a taken
    unique key, OperationalError for a dropped connection), as an INSERT's would."""
    if not rows:
        return
    from psycopg import Error as PsycopgError
    from psycopg import sql

    columns = list(rows[0])
    encoded = [i for i, column in enumerate(columns) if column in json_columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    raw = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [row[column] for column in columns]
                for i in encoded:
                    if values[i] is not None and not isinstance(values[i], str):
                        values[i] = json.dumps(values[i])
                copy.write_row(values)
    except PsycopgError as error:
        raise DBAPIError.instance(statement.as_string(raw), None, error, PsycopgError) from error
