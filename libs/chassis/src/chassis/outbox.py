"""Transactional outbox: an event row is written in the same transaction as the change it
describes, and a relay publishes it to Kafka afterwards.

Publishing after commit without an outbox loses events when the process dies between the two;
publishing before commit announces changes that may roll back. The relay marks a row published
only after the broker acknowledged it (acks=all, idempotent producer).

Staging: `add_event` writes one row; `add_events` writes many with one multi-row INSERT (a pay run
stages thousands of PaycheckFinalized at once): the same rows and guarantees, without a round trip per
event, and the rows' ids follow the list, so a key's events keep their order.

Guarantees, and what they cost:
- At least once, and once per successful publish. A row is marked published only when its send was
  acknowledged. A flush that times out (Kafka down or slow) discards its producer without sending
  what it still buffers, and the next try uses a new producer, so a buffered record is never sent
  again later beside its retry. A duplicate is still possible when the broker wrote a record but the
  acknowledgement was lost (or the relay died before marking the row): consumers dedupe by event
  id (`ce_id`, see chassis.consumer).
- Per-key order. One relay per schema is active: it holds a PostgreSQL advisory lock (a lease) on
  its LISTEN connection; other replicas stand by and take over when that connection ends (the
  process died, or PostgreSQL dropped it). A batch locks its rows FOR UPDATE in id order, so even
  a relay that lost its lease mid-batch cannot overtake the one that took over. Within a batch a
  key's rows go out in waves, one row per key per acknowledged flush, so a later row of a key is
  sent only after every earlier row of that key was acknowledged or parked.
- Per-row failure isolation. A row that cannot be sent (a topic that does not exist, a record over
  the size limit, an error the broker gives for that record only) gets attempts+1 and last_error,
  and is retried with exponential backoff; its key's later rows wait behind it, every other key
  flows. After `max_attempts` it is parked (published_at IS NULL AND attempts >= max_attempts):
  skipped from then on, logged, counted in the `outbox_parked_events` gauge, and listed and
  retried with `python -m chassis.dead_letters outbox-parked | outbox-retry`.
- Kafka down is nobody's row's fault: a round in which nothing was acknowledged and the broker does
  not answer counts no attempts; the relay backs off exponentially with jitter and retries.
- A lost PostgreSQL connection (restart, failover, terminated backend) is reconnected with backoff.
- Published rows older than `retention_days` are deleted in small batches; parked rows are kept.
"""
from __future__ import annotations

import functools
import json
import logging
import random
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.message import Message
from opentelemetry.trace import SpanKind
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, TextClause, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chassis import metrics
from chassis.db import libpq_dsn
from chassis.events import EventEnvelope
from chassis.retry import Backoff
from chassis.telemetry import extract_context, inject_headers, tracer

log = logging.getLogger(__name__)

TABLE = "outbox"

# DDL shared by every service's first migration (see chassis.migrations).
OUTBOX_DDL = [
    """
    CREATE TABLE outbox (
        id BIGSERIAL PRIMARY KEY,
        event_id UUID NOT NULL UNIQUE,
        topic TEXT NOT NULL,
        message_key TEXT NOT NULL,
        event_type TEXT NOT NULL,
        source TEXT NOT NULL,
        subject TEXT,
        payload BYTEA NOT NULL,
        trace_headers JSONB NOT NULL DEFAULT '{}',
        occurred_at TIMESTAMPTZ NOT NULL,
        published_at TIMESTAMPTZ,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    )
    """,
    "CREATE INDEX ix_outbox_unpublished ON outbox (id) WHERE published_at IS NULL",
    # Wake relays immediately instead of making them poll hard.
    """
    CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify(current_schema() || '_outbox', ''); RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
]


@dataclass(frozen=True)
class PendingEvent:
    topic: str
    key: str
    message: Message
    subject: str | None = None


_COLUMNS = ("event_id", "topic", "message_key", "event_type", "source", "subject", "payload", "trace_headers",
            "occurred_at")
# Rows per INSERT statement of add_events: 9 parameters a row stays far below PostgreSQL's 65,535.
INSERT_BATCH = 1000


def _values(suffix: str) -> str:
    return "(" + ", ".join(f"CAST(:{c}{suffix} AS JSONB)" if c == "trace_headers" else f":{c}{suffix}"
                           for c in _COLUMNS) + ")"



@functools.lru_cache(maxsize=32)
def _insert_sql(rows: int) -> TextClause:
    """INSERT INTO outbox ... VALUES (row 0), (row 1), ...: one text per row count, so SQLAlchemy's
    compiled cache serves it again (a Core insert().values([...]) is compiled anew on every call)."""
    values = ", ".join(_values(f"_{i}") for i in range(rows))
    return text(f"INSERT INTO outbox ({', '.join(_COLUMNS)}) VALUES {values}")  # noqa: S608 - constant names only


def add_event(session: Session, source: str, topic: str, key: str, message: Message,
              subject: str | None = None, occurred_at: datetime | None = None) -> str:
    """Stage an event in the caller's transaction. Returns the event id (CloudEvents ce_id)."""
    return add_events(session, source, [PendingEvent(topic, key, message, subject)], occurred_at)[0]


def event_row(source: str, topic: str, key: str, message: Message, subject: str | None = None,
              occurred_at: datetime | None = None, headers: str | None = None) -> dict:
    """One event's outbox row, the current trace context included (the request's trace continues in
    the relay and in every consumer; no baggage): for chassis.db.insert_rows into TABLE when rows are
    gathered apart (orders' group commit)."""
    return {"event_id": str(uuid.uuid4()), "topic": topic, "message_key": key,
            "event_type": message.DESCRIPTOR.full_name, "source": source, "subject": subject,
            "payload": message.SerializeToString(),
            "trace_headers": headers if headers is not None else json.dumps(trace_headers()),
            "occurred_at": occurred_at or datetime.now(UTC)}


def add_events(session: Session, source: str, events: Sequence[PendingEvent],
               occurred_at: datetime | None = None) -> list[str]:
    """Stage many events in the caller's transaction with one multi-row INSERT (per INSERT_BATCH rows),
    in order (the outbox's ids follow the list, so a key's events keep their order). Same rows, same
    guarantees as one add_event each, without a round trip per event. Returns the event ids."""
    headers = json.dumps(trace_headers())
    at = occurred_at or datetime.now(UTC)
    rows = [event_row(source, e.topic, e.key, e.message, e.subject, at, headers) for e in events]
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start:start + INSERT_BATCH]
        session.execute(_insert_sql(len(batch)), {f"{c}_{i}": row[c] for i, row in enumerate(batch) for c in _COLUMNS})
    return [row["event_id"] for row in rows]


class RelaySettings(BaseSettings):
    """Relay tuning, from OUTBOX_* environment variables (the service's own settings need no change)."""

    model_config = SettingsConfigDict(env_prefix="OUTBOX_", case_sensitive=False, extra="ignore")

    batch_size: int = Field(200, ge=1)
    send_timeout_s: float = Field(15.0, gt=0, description="how long one flush may wait for acknowledgements")
    max_attempts: int = Field(10, ge=1, description="failed sends of one row before it is parked")
    retry_base_s: float = Field(0.5, gt=0, description="first backoff delay (per row, and for Kafka outages)")
    retry_max_s: float = Field(60.0, gt=0, description="longest wait before a failing row's next try")
    outage_retry_max_s: float = Field(5.0, gt=0, description="longest wait between tries while Kafka is down")
    lease_poll_s: float = Field(2.0, gt=0, description="how often a standby relay tries to take the lease")
    idle_wait_s: float = Field(1.0, gt=0, description="poll interval when no NOTIFY arrives")
    retention_days: float = Field(7.0, gt=0, description="published rows older than this are deleted")
    prune_every_s: float = Field(300.0, gt=0)
    prune_batch: int = Field(1000, ge=1)
    gauges_every_s: float = Field(10.0, gt=0)


def make_producer(bootstrap_servers: str, client_id: str):
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=bootstrap_servers.split(","),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        retries=5,
        linger_ms=5,
        request_timeout_ms=10_000,
        # A send waits at most this long for a topic's metadata (a missing topic is caught before
        # sending, see KafkaTopics), so a broker outage cannot freeze the relay for the default minute.
        max_block_ms=5_000,
        bootstrap_timeout_ms=5_000,  # a broker that is down fails the build fast; the relay backs off
    )


def discard_producer(producer) -> None:
    """Close without sending what the producer still buffers: those rows are retried by a new
    producer, and the old buffer must not reach the topic later as a second copy.

    kafka-python's close(timeout=0) flushes first and gives up on incomplete batches before it
    force-closes, so the sender is force-closed first (it then aborts the incomplete batches)."""
    sender = getattr(producer, "_sender", None)
    try:
        if sender is not None:
            sender.force_close()
            sender.join(timeout=5)
        producer.close(timeout=0)
    except Exception:  # noqa: BLE001 - the producer is being thrown away either way
        log.debug("discarding the producer", exc_info=True)


class KafkaTopics:
    """Which topics exist, from the broker's metadata (an admin client, asked rarely).

    Checked before a row's send so a row for a missing topic fails at once instead of blocking the
    producer for max_block_ms; `probe` tells a dead broker from dead rows when a whole round failed."""

    def __init__(self, bootstrap_servers: str, refresh_s: float = 2.0) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.refresh_s = refresh_s
        self._known: set[str] = set()
        self._listed_at = float("-inf")
        self._failure: tuple[float, Exception] | None = None
        self._admin = None

    def exists(self, topic: str) -> bool:
        if topic not in self._known and time.monotonic() - self._listed_at >= self.refresh_s:
            self.probe(fresh=False)
        return topic in self._known

    def probe(self, fresh: bool = True) -> None:
        """List the topics; raises when the broker does not answer (again at once, for a little
        while after a failure, unless `fresh`: one outage must not cost one timeout per row)."""
        from kafka import KafkaAdminClient

        if not fresh and self._failure is not None and time.monotonic() - self._failure[0] < self.refresh_s:
            raise self._failure[1]
        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers.split(","),
                                               client_id="outbox-relay-topics", request_timeout_ms=5_000,
                                               bootstrap_timeout_ms=3_000)
            self._known = set(self._admin.list_topics())
            self._listed_at = time.monotonic()
            self._failure = None
        except Exception as error:
            self._failure = (time.monotonic(), error)
            self.close()
            raise

    def close(self) -> None:
        if self._admin is not None:
            try:
                self._admin.close()
            except Exception:  # noqa: BLE001 - closing a broken client
                log.debug("closing the admin client", exc_info=True)
            self._admin = None


def trace_headers() -> dict[str, str]:
    """The trace context a staged event carries: W3C traceparent/tracestate only, never baggage."""
    return inject_headers()


def record_headers(row) -> list[tuple[str, bytes]]:
    """CloudEvents attributes plus the current trace context (call inside the publish span)."""
    envelope = EventEnvelope(
        event_id=str(row.event_id), event_type=row.event_type, source=row.source,
        time=row.occurred_at, subject=row.subject,
    )
    return envelope.to_headers(inject_headers())


def parked_rows(connection, max_attempts: int) -> list:
    """Rows the relay gave up on (oldest first), for the admin CLI."""
    return connection.execute(
        text("SELECT id, event_id, topic, message_key, event_type, attempts, last_error, occurred_at FROM outbox"
             " WHERE published_at IS NULL AND attempts >= :max ORDER BY id"),
        {"max": max_attempts},
    ).all()


class BrokerUnavailable(Exception):
    """Kafka did not acknowledge anything and does not answer: back off, count no attempts."""


class LeaseLost(Exception):
    """Another relay may be active now: stop publishing."""


# Advisory lock (int4, int4) = (this constant, crc32 of the schema): one lease per service schema.
LEASE_CLASS = 0x6F7574  # "out"


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500].replace("\x00", "\\x00")


def _row_fault(error: BaseException) -> bool:
    """Errors that belong to the record itself (never fixed by waiting for the broker)."""
    from kafka.errors import KafkaError

    if isinstance(error, KafkaError):
        return not error.retriable
    return isinstance(error, ValueError | TypeError)


@dataclass
class _Wave:
    acked: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (row, error text): the row's fault, counted
    unsure: list = field(default_factory=list)  # (row, error text): the row's or the broker's
    untried: list = field(default_factory=list)  # not sent because the broker already failed this wave
    unreachable: bool = False  # no producer could even connect


class OutboxRelay:
    """Publishes unpublished outbox rows of one schema: see the module docstring."""

    def __init__(self, engine: Engine, bootstrap_servers: str, schema: str, settings: RelaySettings | None = None,
                 *, client_id: str = "outbox-relay", producer_factory: Callable[[], object] | None = None,
                 topics: KafkaTopics | None = None) -> None:
        self.engine = engine
        self.schema = schema
        self.settings = settings or RelaySettings()
        self.producer_factory = producer_factory or (lambda: make_producer(bootstrap_servers, client_id))
        self.topics = topics or KafkaTopics(bootstrap_servers)
        self.active = threading.Event()  # set while this relay holds the lease
        self._producer = None
        self._row_backoff = Backoff(self.settings.retry_base_s, self.settings.retry_max_s)
        self._retry_at: dict[int, tuple[float, str]] = {}  # row id -> (monotonic time, key) of its next try
        self._lease_pid: int | None = None
        self._prune_due = 0.0
        self._gauges_due = 0.0

    # --- publishing -------------------------------------------------------------------------

    def publish_batch(self) -> int:
        """Claim, publish and mark one batch. Returns how many rows were published.

        Raises BrokerUnavailable (after marking what was acknowledged) when Kafka is down."""
        return self._publish_batch()[0]

    def _publish_batch(self) -> tuple[int, int]:
        now = time.monotonic()
        self._retry_at = {rid: due for rid, due in self._retry_at.items() if due[0] > now}
        waiting = sorted({key for _, key in self._retry_at.values()})
        outage = None
        with self.engine.begin() as connection:
            self._check_lease(connection)
            # FOR UPDATE, not SKIP LOCKED: a relay that overlaps another (lease hand-over) waits for
            # its rows instead of publishing later rows of the same keys first.
            rows = connection.execute(
                text("SELECT id, event_id, topic, message_key, event_type, source, subject, payload, trace_headers,"
                     " occurred_at, attempts FROM outbox WHERE published_at IS NULL AND attempts < :max"
                     " AND message_key <> ALL(CAST(:waiting AS TEXT[])) ORDER BY id LIMIT :limit FOR UPDATE"),
                {"max": self.settings.max_attempts, "waiting": waiting, "limit": self.settings.batch_size},
            ).all()
            if not rows:
                return 0, 0
            queues: dict[str, deque] = {}
            for row in rows:
                queues.setdefault(row.message_key, deque()).append(row)
            published, failed = [], []
            while queues and outage is None:
                wave = self._send_wave([queue.popleft() for queue in queues.values()])
                published += wave.acked
                if wave.unsure:
                    if wave.acked or (not wave.unreachable and self._broker_answers()):
                        wave.failed += wave.unsure
                    else:
                        outage = wave.unsure[0][1]
                for row in [row for row, _ in wave.failed] + wave.untried:
                    queues.pop(row.message_key, None)  # the key's later rows wait behind it
                failed += wave.failed
                queues = {key: queue for key, queue in queues.items() if queue}
            if published:
                connection.execute(
                    text("UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY(:ids)"),
                    {"ids": [row.id for row in published]},
                )
            self._record_failures(connection, failed)
        metrics.OUTBOX_PUBLISHED.inc(len(published))
        if outage is not None:
            raise BrokerUnavailable(outage)
        return len(published), len(published) + len(failed)

    def _send_wave(self, rows: list) -> _Wave:
        """Send one row per key and flush; sort the rows by what happened to them."""
        wave = _Wave()
        try:
            producer = self._current_producer()
        except BrokerUnavailable as error:
            wave.unsure, wave.untried, wave.unreachable = [(rows[0], str(error))], rows[1:], True
            return wave
        sent = []
        for index, row in enumerate(rows):
            if wave.unsure:  # the broker already failed us in this wave: the other rows wait
                wave.untried = rows[index:]
                break
            try:
                exists = self.topics.exists(row.topic)
            except Exception as error:  # noqa: BLE001 - the broker did not answer: maybe an outage
                wave.unsure.append((row, _describe(error)))
                continue
            if not exists:
                wave.failed.append((row, f"topic {row.topic} does not exist"))
                continue
            try:
                sent.append((row, self._send(producer, row)))
            except Exception as error:  # noqa: BLE001 - sorted: the row's fault or the broker's
                (wave.failed if _row_fault(error) else wave.unsure).append((row, _describe(error)))
        flush_error = None
        if sent:
            try:
                producer.flush(timeout=self.settings.send_timeout_s)
            except Exception as error:  # noqa: BLE001 - unacknowledged rows stay pending
                flush_error = error
        for row, future in sent:
            if future.is_done and future.exception is None:
                wave.acked.append(row)
            elif future.is_done and _row_fault(future.exception):
                wave.failed.append((row, _describe(future.exception)))
            else:
                wave.unsure.append((row, _describe(future.exception or flush_error or TimeoutError("no ack"))))
        if flush_error is not None or any(not future.is_done for _, future in sent):
            self._discard_producer()
        return wave

    def _broker_answers(self) -> bool:
        try:
            self.topics.probe()
            return True
        except Exception:  # noqa: BLE001 - any failure means we cannot tell the broker is there
            return False

    def _record_failures(self, connection, failed: list) -> None:
        for row, error in failed:
            attempts = connection.execute(
                text("UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = :id RETURNING attempts"),
                {"id": row.id, "error": error},
            ).scalar_one()
            metrics.OUTBOX_FAILED.inc()
            if attempts >= self.settings.max_attempts:
                self._retry_at.pop(row.id, None)
                self._gauges_due = 0.0
                metrics.OUTBOX_PARKED_TOTAL.inc()
                log.error("outbox: parked event %s (%s, topic %s, key %s) after %d attempts: %s;"
                          " see `python -m chassis.dead_letters outbox-parked`", row.event_id, row.event_type,
                          row.topic, row.message_key, attempts, error)
            else:
                delay = self._row_backoff.delay(attempts)
                self._retry_at[row.id] = (time.monotonic() + delay, row.message_key)
                log.warning("outbox: event %s (topic %s, key %s) attempt %d failed, retry in %.1fs: %s",
                            row.event_id, row.topic, row.message_key, attempts, delay, error)

    def _send(self, producer, row):
        # The relay's span continues the trace of the request that wrote the row.
        parent = extract_context(row.trace_headers or {})
        with tracer().start_as_current_span(
            f"{row.topic} publish", context=parent, kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": row.topic,
                        "messaging.message.id": str(row.event_id)},
        ):
            return producer.send(row.topic, key=row.message_key.encode(), value=bytes(row.payload),
                                 headers=record_headers(row))

    def _current_producer(self):
        if self._producer is None:
            try:
                self._producer = self.producer_factory()
            except Exception as error:  # noqa: BLE001 - cannot even connect: nothing was sent
                raise BrokerUnavailable(_describe(error)) from error
        return self._producer

    def _discard_producer(self) -> None:
        if self._producer is not None:
            discard_producer(self._producer)
            self._producer = None

    def close(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=5)
            except Exception:  # noqa: BLE001 - stopping anyway
                discard_producer(self._producer)
            self._producer = None
        self.topics.close()

    def _next_retry_in(self) -> float:
        if not self._retry_at:
            return float("inf")
        return max(0.0, min(due for due, _ in self._retry_at.values()) - time.monotonic())

    # --- housekeeping -------------------------------------------------------------------------

    def pending_count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()

    def prune(self) -> int:
        """Delete published rows older than the retention, a small batch per transaction."""
        deleted = 0
        while True:
            with self.engine.begin() as connection:
                count = connection.execute(
                    text("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at IS NOT NULL"
                         " AND published_at < now() - make_interval(secs => :age) ORDER BY id LIMIT :limit)"),
                    {"age": self.settings.retention_days * 86_400, "limit": self.settings.prune_batch},
                ).rowcount
            deleted += count
            if count < self.settings.prune_batch:
                break
        if deleted:
            log.info("outbox: pruned %d published row(s) older than %g days", deleted, self.settings.retention_days)
        return deleted

    def refresh_gauges(self) -> None:
        with self.engine.connect() as connection:
            parked, pending, oldest = connection.execute(
                text("SELECT count(*) FILTER (WHERE attempts >= :max), count(*) FILTER (WHERE attempts < :max),"
                     " coalesce(extract(epoch FROM now() - min(occurred_at) FILTER (WHERE attempts < :max)), 0)"
                     " FROM outbox WHERE published_at IS NULL"),
                {"max": self.settings.max_attempts},
            ).one()
        metrics.OUTBOX_PARKED.set(parked)
        metrics.OUTBOX_PENDING.set(pending)
        metrics.OUTBOX_OLDEST_PENDING_AGE.set(float(oldest))

    def _housekeeping(self) -> None:
        now = time.monotonic()
        try:
            if now >= self._prune_due:
                self._prune_due = now + self.settings.prune_every_s
                self.prune()
            if now >= self._gauges_due:
                self._gauges_due = now + self.settings.gauges_every_s
                self.refresh_gauges()
        except SQLAlchemyError:
            log.warning("outbox: housekeeping failed, will try again", exc_info=True)

    # --- the process loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Relay until stopped: take the lease (or stand by), then publish on NOTIFY (polling as a
        fallback). A lost PostgreSQL connection is reconnected with backoff."""
        import psycopg

        reconnect = Backoff(self.settings.retry_base_s, min(self.settings.retry_max_s, 30.0))
        dsn = libpq_dsn(self.engine)
        try:
            while not stop.is_set():
                try:
                    with psycopg.connect(dsn, autocommit=True, application_name=f"outbox-relay {self.schema}",
                                         connect_timeout=10, keepalives=1, keepalives_idle=10,
                                         keepalives_interval=5, keepalives_count=3) as lease:
                        reconnect.reset()
                        self._serve(lease, stop)
                except (psycopg.Error, LeaseLost) as error:
                    delay = reconnect.next()
                    log.warning("outbox relay: lost its PostgreSQL lease connection (%s); reconnecting in %.1fs",
                                error, delay)
                    stop.wait(delay)
        finally:
            self.close()
            log.info("outbox relay stopped")

    def _serve(self, lease, stop: threading.Event) -> None:
        lease_key = zlib.crc32(self.schema.encode()) & 0x7FFFFFFF
        standing_by = False
        while not stop.is_set():
            if lease.execute("SELECT pg_try_advisory_lock(%s, %s)", (LEASE_CLASS, lease_key)).fetchone()[0]:
                break
            if not standing_by:
                log.info("outbox relay for %s: another relay is active, standing by", self.schema)
                standing_by = True
            stop.wait(self.settings.lease_poll_s * random.uniform(0.75, 1.25))
        else:
            return
        self._lease_pid = lease.info.backend_pid
        self._retry_at.clear()  # another relay may have moved on meanwhile; the database knows
        self.active.set()
        metrics.OUTBOX_RELAY_ACTIVE.set(1)
        log.info("outbox relay for %s: active", self.schema)
        try:
            lease.execute(f'LISTEN "{self.schema}_outbox"')
            outage = Backoff(self.settings.retry_base_s, self.settings.outage_retry_max_s)
            database = Backoff(self.settings.retry_base_s, min(self.settings.retry_max_s, 30.0))
            while not stop.is_set():
                self._housekeeping()
                try:
                    while not stop.is_set() and self._publish_batch()[1]:
                        pass
                    outage.reset()
                    database.reset()
                except BrokerUnavailable as error:
                    delay = outage.next()
                    log.warning("outbox relay: Kafka unavailable (%s); retrying in %.1fs", error, delay)
                    stop.wait(delay)
                    continue
                except SQLAlchemyError as error:
                    delay = database.next()
                    log.warning("outbox relay: database error (%s); retrying in %.1fs", error, delay)
                    stop.wait(delay)
                    continue
                except LeaseLost:
                    raise
                except Exception:  # noqa: BLE001 - never let a surprise end the relay: log, back off
                    delay = database.next()
                    log.exception("outbox relay: unexpected error; retrying in %.1fs", delay)
                    stop.wait(delay)
                    continue
                wait = min(self.settings.idle_wait_s, self._next_retry_in())
                for _ in lease.notifies(timeout=max(wait, 0.05), stop_after=1):
                    pass
        finally:
            self.active.clear()
            metrics.OUTBOX_RELAY_ACTIVE.set(0)
            self._lease_pid = None

    def _check_lease(self, connection) -> None:
        if self._lease_pid is None:
            return  # publish_batch called directly (tests, tools): no lease involved
        held = connection.execute(
            text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = :pid"
                 " AND classid = CAST(:k1 AS oid) AND objid = CAST(:k2 AS oid) AND objsubid = 2 AND granted)"),
            {"pid": self._lease_pid, "k1": LEASE_CLASS, "k2": zlib.crc32(self.schema.encode()) & 0x7FFFFFFF},
        ).scalar_one()
        if not held:
            raise LeaseLost(f"the relay lease of {self.schema} is gone")
