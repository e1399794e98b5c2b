"""What every service's composition root (`<pkg>/bootstrap.py`) has in common.

Each service has one function with the same shape:

    def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
                  new_id: IdGenerator | None = None, **<its peers and adapters>) -> Container

With no keyword arguments it wires the real adapters (PostgreSQL, peers over gRPC, Redis where the
service uses it); a test passes fakes for any of them. Entrypoints build the container and hand its
parts to the use cases; nothing else constructs an adapter.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from chassis.config import ServiceSettings
from chassis.uow import SqlUnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]
IdGenerator = Callable[[], uuid.UUID]


def utc_now() -> datetime:
    """The real clock: timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class Container:
    """The wired parts a service's entrypoints use. Services subclass it to add their peers."""

    config: ServiceSettings
    uow: UnitOfWorkFactory
    clock: Clock
    new_id: IdGenerator
    engine: Engine | None = None  # None when the unit of work is a fake (no database)


def sql_unit_of_work(config: ServiceSettings, uow_class: type[SqlUnitOfWork], source: str,
                     pool_size: int = 5) -> tuple[Engine, UnitOfWorkFactory]:
    """The real database: an engine on the service's schema and a factory of `uow_class`."""
    from chassis.db import make_engine, make_session_factory

    engine = make_engine(config.database_url, config.db_schema, pool_size=pool_size)
    sessions = make_session_factory(engine)
    return engine, lambda: uow_class(sessions, source)


def base_parts(config: ServiceSettings, uow_class: type[SqlUnitOfWork], source: str,
               uow: UnitOfWorkFactory | None, clock: Clock | None, new_id: IdGenerator | None,
               pool_size: int = 5) -> dict:
    """The keyword arguments of a Container: real unless a fake was given."""
    engine = None
    if uow is None:
        engine, uow = sql_unit_of_work(config, uow_class, source, pool_size)
    return {"config": config, "uow": uow, "clock": clock or utc_now, "new_id": new_id or uuid.uuid4,
            "engine": engine}
