"""Idempotent Kafka consumer.

Each event is handled inside the service's own database transaction, which also records the
event id in `processed_events`; the Kafka offset is committed only after that transaction. A
redelivered event (crash between commit and offset commit, relay retry) finds its id already
recorded and is skipped, so handlers run effectively once.

Failures are sorted by whether waiting can fix them:
- Transient (the database is restarting, a peer is unavailable: DependencyUnavailable,
  OperationalError..., and anything not known to be permanent): the partition waits. It is paused
  and rewound to the failing record, which is tried again with exponential backoff and jitter; no
  offset is committed past it, nothing is dead-lettered, later records of that partition (the same
  keys) wait behind it, other partitions go on, and polling continues so the group membership stays.
  A bug in a handler therefore stops its partition until fixed (visible as consumer lag) rather
  than losing events.
- Permanent (undecodable payload, not a valid CloudEvent, PermanentEventError, a DomainError other
  than DependencyUnavailable, a value the database can never store): the record is parked in
  `dead_letters` with its exact key, headers and bytes, and the partition moves on. The `headers`
  column holds a JSON document {"key": b64, "headers": [[name b64, value b64], ...]} because JSONB
  cannot hold NUL; `python -m chassis.dead_letters` lists and replays dead letters and records a
  replay there too ("replayed_at").

Old processed-event ids are pruned after `retention_days` (keep it longer than the topics' Kafka
retention, or a very old redelivery could run twice).
"""
from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from google.protobuf.message import DecodeError, Message
from opentelemetry.trace import SpanKind
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.exc import DataError, SQLAlchemyError

from chassis import metrics
from chassis.errors import DependencyUnavailable, DomainError
from chassis.events import EventEnvelope, decode_headers
from chassis.retry import Backoff
from chassis.telemetry import extract_context, tracer
from chassis.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

CONSUMER_DDL = [
    """
    CREATE TABLE processed_events (
        event_id TEXT NOT NULL,
        consumer_group TEXT NOT NULL,
        processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, consumer_group)
    )
    """,
    """
    CREATE TABLE dead_letters (
        id BIGSERIAL PRIMARY KEY,
        consumer_group TEXT NOT NULL,
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        "offset" BIGINT NOT NULL,
        headers JSONB NOT NULL,
        payload BYTEA,
        error TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
    """,
]

# handler(uow, message, envelope): runs inside the consumer's unit of work, which also records the
# event id; the handler stages its own events with uow.add_event and never commits.
Handler = Callable[[SqlUnitOfWork, Message, EventEnvelope], None]


@dataclass(frozen=True)
class Subscription:
    """Which protobuf message a CloudEvents type carries, and what to do with it."""

    message_class: type[Message]
    handler: Handler


class PermanentEventError(Exception):
    """The event can never be handled (bad payload, unknown reference): park it, do not retry."""


class ConsumerSettings(BaseSettings):
    """Consumer tuning, from CONSUMER_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="CONSUMER_", case_sensitive=False, extra="ignore")

    retry_base_s: float = Field(0.5, gt=0, description="first wait after a transient failure")
    retry_max_s: float = Field(30.0, gt=0, description="longest wait between tries of one record")
    retention_days: float = Field(30.0, gt=0, description="processed-event ids older than this are deleted")
    prune_every_s: float = Field(300.0, gt=0)
    prune_batch: int = Field(1000, ge=1)
    # Static group membership (KIP-345). Without it a replica that crashed and came back within its
    # session timeout waits out the rest of that timeout before the broker gives it partitions again
    # (measured by `make chaos`: ~8 s of no consumption). With a stable id per replica (the local
    # stack's process name, a StatefulSet pod name) the restarted replica takes its partitions back at
    # once. Unset (the default): dynamic membership, as before.
    group_instance_id: str | None = Field(None, description="stable, unique per replica; unset: dynamic membership")
    session_timeout_ms: int = Field(10_000, ge=6_000, description="a dead member is noticed after this")


def is_permanent(error: BaseException) -> bool:
    """True for what no retry can fix; everything else is retried (the partition waits)."""
    if isinstance(error, PermanentEventError | DecodeError | DataError):
        return True
    if isinstance(error, DependencyUnavailable):
        return False
    return isinstance(error, DomainError)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encode_record(key: bytes | None, headers) -> dict:
    """Key and headers of a record as JSON that keeps every byte (JSONB cannot hold NUL)."""
    return {
        "key": None if key is None else _b64(key),
        "headers": [[_b64(name.encode("utf-8", "surrogateescape")), _b64(value or b"")]
                    for name, value in (headers or [])],
    }


def decode_record(document) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """Inverse of encode_record; also reads the older format (a plain header name -> text object)."""
    if isinstance(document, str):
        document = json.loads(document)
    if "headers" in document and isinstance(document["headers"], list):
        key = document.get("key")
        return (None if key is None else base64.b64decode(key),
                [(base64.b64decode(name).decode("utf-8", "surrogateescape"), base64.b64decode(value))
                 for name, value in document["headers"]])
    return None, [(name, str(value).encode()) for name, value in document.items()]


def _clean(text_value: str) -> str:
    return text_value.replace("\x00", "\\x00")  # TEXT cannot hold NUL either


class _Retry(Exception):
    """This record failed transiently: pause its partition and try it again later."""


class IdempotentConsumer:
    def __init__(self, unit_of_work: Callable[[], SqlUnitOfWork], bootstrap_servers: str,
                 group_id: str, topics: list[str], subscriptions: Mapping[str, Subscription],
                 settings: ConsumerSettings | None = None) -> None:
        self.unit_of_work = unit_of_work
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.topics = topics
        self.subscriptions = dict(subscriptions)
        self.settings = settings or ConsumerSettings()
        self.backoff = Backoff(self.settings.retry_base_s, self.settings.retry_max_s)
        self._prune_due = 0.0

    def handle(self, record) -> str:
        """Handle one Kafka record. Returns 'handled', 'duplicate', 'ignored', 'dead-lettered', or
        'retry' when it failed transiently (nothing recorded: try the same record again later)."""
        try:
            return self._handle(record)
        except _Retry:
            return "retry"

    def _handle(self, record) -> str:
        try:
            envelope = EventEnvelope.from_headers(record.headers)
            if any("\x00" in (value or "") for value in
                   (envelope.event_id, envelope.event_type, envelope.source, envelope.subject)):
                raise ValueError("NUL byte in a ce_* attribute")
        except ValueError as error:
            return self._dead_letter(record, f"not a valid CloudEvent: {error}")
        subscription = self.subscriptions.get(envelope.event_type)
        if subscription is None:
            return "ignored"  # another event type on a shared topic
        context = extract_context(decode_headers(record.headers))
        with tracer().start_as_current_span(
            f"{record.topic} process", context=context, kind=SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": record.topic,
                        "messaging.message.id": envelope.event_id,
                        "messaging.consumer.group.name": self.group_id},
        ):
            try:
                return self._handle_once(record, envelope, subscription)
            except Exception as error:  # noqa: BLE001 - sorted: permanent -> dead letter, else wait
                if is_permanent(error):
                    return self._dead_letter(record, repr(error))
                log.warning("event %s (%s[%d]@%d) failed transiently, the partition waits: %r",
                            envelope.event_id, record.topic, record.partition, record.offset, error)
                raise _Retry from error

    def _handle_once(self, record, envelope: EventEnvelope, subscription: Subscription) -> str:
        with self.unit_of_work() as uow:
            inserted = uow.session.execute(
                text("INSERT INTO processed_events (event_id, consumer_group) VALUES (:id, :group)"
                     " ON CONFLICT DO NOTHING RETURNING event_id"),
                {"id": envelope.event_id, "group": self.group_id},
            ).first()
            if inserted is None:
                return "duplicate"
            message = subscription.message_class()
            message.ParseFromString(record.value or b"")
            subscription.handler(uow, message, envelope)
            uow.commit()
            return "handled"

    def _dead_letter(self, record, error: str) -> str:
        log.error("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, _clean(error))
        try:
            with self.unit_of_work() as uow:
                uow.session.execute(
                    text('INSERT INTO dead_letters (consumer_group, topic, partition, "offset", headers,'
                         " payload, error) VALUES (:group, :topic, :partition, :offset,"
                         " CAST(:headers AS JSONB), :payload, :error)"),
                    {"group": self.group_id, "topic": record.topic, "partition": record.partition,
                     "offset": record.offset, "headers": json.dumps(encode_record(record.key, record.headers)),
                     "payload": record.value, "error": _clean(error)[:4000]},
                )
                uow.commit()
        except SQLAlchemyError as db_error:  # the database is away: the record waits like any other
            log.warning("cannot dead-letter %s[%d]@%d yet: %r", record.topic, record.partition, record.offset,
                        db_error)
            raise _Retry from db_error
        metrics.DEAD_LETTERS.labels(record.topic).inc()
        return "dead-lettered"

    def prune(self) -> int:
        """Delete processed-event ids older than the retention, a small batch per transaction."""
        deleted = 0
        while True:
            with self.unit_of_work() as uow:
                count = uow.session.execute(
                    text("DELETE FROM processed_events WHERE ctid IN (SELECT ctid FROM processed_events"
                         " WHERE processed_at < now() - make_interval(secs => :age) LIMIT :limit)"),
                    {"age": self.settings.retention_days * 86_400, "limit": self.settings.prune_batch},
                ).rowcount
                uow.commit()
            deleted += count
            if count < self.settings.prune_batch:
                break
        if deleted:
            log.info("pruned %d processed-event id(s) older than %g days", deleted, self.settings.retention_days)
        return deleted

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now < self._prune_due:
            return
        self._prune_due = now + self.settings.prune_every_s
        try:
            self.prune()
        except SQLAlchemyError:
            log.warning("pruning processed events failed, will try again", exc_info=True)

    def run(self, stop: threading.Event) -> None:
        from kafka import KafkaConsumer, OffsetAndMetadata
        from kafka.errors import KafkaError

        consumer = KafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap_servers.split(","),
            group_id=self.group_id,
            client_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.settings.session_timeout_ms,
            heartbeat_interval_ms=min(3_000, self.settings.session_timeout_ms // 3),
            group_instance_id=self.settings.group_instance_id,
            # kafka-python backs reconnects off up to 30 s by default: after a broker restart the
            # consumer then idles up to 30 s with the broker back (seen by `make chaos`). 1 s is enough.
            reconnect_backoff_max_ms=1_000,
        )
        waiting: dict = {}  # partition -> (monotonic time to try again, failures so far)
        try:
            while not stop.is_set():
                self._housekeeping()
                self._resume_due(consumer, waiting)
                batches = consumer.poll(timeout_ms=self._poll_timeout_ms(waiting), max_records=100)
                for partition, records in batches.items():
                    handled_up_to = None
                    for record in records:
                        result = self.handle(record)
                        metrics.EVENTS_CONSUMED.labels(record.topic, result).inc()
                        if result == "retry":
                            metrics.EVENTS_RETRIED.labels(record.topic).inc()
                            failures = waiting.get(partition, (0.0, 0))[1] + 1
                            # Rewind and pause: this record comes back first once the wait is over.
                            consumer.seek(partition, record.offset)
                            consumer.pause(partition)
                            waiting[partition] = (time.monotonic() + self.backoff.delay(failures), failures)
                            break
                        waiting.pop(partition, None)
                        handled_up_to = record.offset + 1
                    if handled_up_to is not None:
                        # Every record above committed its own transaction first; a crash before this
                        # line only means redelivery, which processed_events turns into a no-op.
                        try:
                            consumer.commit({partition: OffsetAndMetadata(handled_up_to, "", -1)})
                        except KafkaError as error:
                            log.warning("offset commit for %s failed (%r): the records will be redelivered"
                                        " and skipped as duplicates", partition, error)
                metrics.PARTITIONS_WAITING.set(len(waiting))
        finally:
            consumer.close(autocommit=False)
            log.info("consumer %s stopped", self.group_id)

    @staticmethod
    def _resume_due(consumer, waiting: dict) -> None:
        now = time.monotonic()
        assigned = consumer.assignment()
        for partition, (due, failures) in list(waiting.items()):
            if partition not in assigned:  # revoked meanwhile: its new owner starts at the committed offset
                del waiting[partition]
            elif due <= now and partition in consumer.paused():
                consumer.resume(partition)
                waiting[partition] = (float("inf"), failures)  # fetching again; cleared on success

    @staticmethod
    def _poll_timeout_ms(waiting: dict) -> int:
        next_due = min((due for due, _ in waiting.values()), default=float("inf"))
        return int(max(10, min(500, (next_due - time.monotonic()) * 1000)))
