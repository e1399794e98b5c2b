"""Unit of work: one database transaction, the repositories that work inside it, and the events the
change will publish (staged in the transactional outbox, in the same transaction).

Every use case in every service follows one idiom:

    with uow_factory() as uow:
        order = uow.orders.get(order_id)       # repositories hang off the unit of work
        order.cancel(reason)                   # domain logic
        uow.add_event(TOPIC, key, message)     # staged with the change, never published on its own
                                               # (uow.add_events([...]): many, one INSERT)
        uow.commit()                           # explicit; leaving the block without it rolls back

Commit is explicit so a read-only use case never writes and an exception never half-writes. The
factory (not one shared instance) is what services hold, because HTTP handlers run concurrently:
each request gets its own transaction. Tests pass a factory that returns a `FakeUnitOfWork`.
"""
from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import Message
from sqlalchemy.orm import Session, sessionmaker

from chassis import outbox


@dataclass(frozen=True)
class StagedEvent:
    """An event a unit of work will publish (what FakeUnitOfWork keeps, for assertions)."""

    event_id: str
    topic: str
    key: str
    message: Message
    subject: str | None = None


class UnitOfWork(abc.ABC):
    """The port use cases see. Subclasses add repositories as attributes in `_open`."""

    source: str = ""
    _committed: bool = False

    def __enter__(self):
        self._committed = False
        self._begin()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if not self._committed:
                self._abandon()
        finally:
            self._end()

    def _abandon(self) -> None:
        """Leaving the block without commit: undo whatever was staged."""
        self.rollback()

    def commit(self) -> None:
        self._commit()
        self._committed = True

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def add_event(self, topic: str, key: str, message: Message, subject: str | None = None,
                  occurred_at: datetime | None = None) -> str:
        """Stage `message` for `topic` (Kafka key `key`) in this transaction; returns the event id."""

    def add_events(self, events: Sequence[outbox.PendingEvent], occurred_at: datetime | None = None) -> list[str]:
        """Stage many events at once, in order (one INSERT in SqlUnitOfWork); returns their ids."""
        return [self.add_event(e.topic, e.key, e.message, e.subject, occurred_at) for e in events]

    @abc.abstractmethod
    def _begin(self) -> None: ...

    @abc.abstractmethod
    def _commit(self) -> None: ...

    def _end(self) -> None:  # noqa: B027 - optional hook: most fakes hold nothing to release
        """Release what _begin acquired."""


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork(UnitOfWork):
    """A SQLAlchemy session (one transaction) plus the service's outbox.

    Services subclass it and create their repositories on `self.session` in `_open`."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session], source: str) -> None:
        self.session_factory = session_factory
        self.source = source

    def _open(self, session: Session) -> None:
        """Hook: attach repositories (e.g. `self.orders = OrderRepository(session)`)."""

    def _begin(self) -> None:
        self.session = self.session_factory()
        self._open(self.session)

    def _commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def _abandon(self) -> None:
        # close() in _end ends the transaction, which rolls it back in the database, and detaches
        # what was loaded without expiring it, so a read-only use case may return the rows it read.
        # An explicit rollback() here would expire them (DetachedInstanceError on first access).
        pass

    def _end(self) -> None:
        self.session.close()

    def flush(self) -> None:
        """Send pending changes (so database defaults and constraints apply) without committing."""
        self.session.flush()

    def add_event(self, topic: str, key: str, message: Message, subject: str | None = None,
                  occurred_at: datetime | None = None) -> str:
        return outbox.add_event(self.session, self.source, topic, key, message, subject, occurred_at)

    def add_events(self, events: Sequence[outbox.PendingEvent], occurred_at: datetime | None = None) -> list[str]:
        return outbox.add_events(self.session, self.source, events, occurred_at)


class FakeUnitOfWork(UnitOfWork):
    """In-memory unit of work for service-layer tests.

    Subclasses create fake repositories in __init__ (they outlive one `with` block, like tables do).
    Events staged in a block become `events` on commit and are dropped on rollback, so a test can
    assert that a refused change published nothing. Fake repositories are not rolled back: tests that
    need that check `commits` and the events."""

    def __init__(self, source: str = "/test") -> None:
        self.source = source
        self.events: list[StagedEvent] = []
        self._staged: list[StagedEvent] = []
        self.commits = 0
        self.rollbacks = 0

    def _begin(self) -> None:
        self._staged = []

    def _commit(self) -> None:
        self.events.extend(self._staged)
        self._staged = []
        self.commits += 1

    def rollback(self) -> None:
        self._staged = []
        self.rollbacks += 1

    def flush(self) -> None:
        """Nothing to send: fakes hold their state in memory."""

    def add_event(self, topic: str, key: str, message: Message, subject: str | None = None,
                  occurred_at: datetime | None = None) -> str:
        event_id = str(uuid.uuid4())
        self._staged.append(StagedEvent(event_id, topic, key, message, subject))
        return event_id

    def events_of(self, message_class: type[Message]) -> list[Message]:
        """The committed events of one type, in order."""
        return [e.message for e in self.events if isinstance(e.message, message_class)]
