"""Transactional outbox: an event row is written in the same transaction as the change it
describes, and a relay publishes it to Kafka afterwards.

Publishing after commit without an outbox loses events when the process dies between the two;
publishing before commit announces changes that may roll back. The relay marks a row published
only after the broker acknowledged it (acks=all, idempotent producer), and several relay replicas
can run at once because each claims rows with FOR UPDATE SKIP LOCKED.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from opentelemetry.trace import SpanKind
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from chassis import metrics
from chassis.events import EventEnvelope
from chassis.telemetry import extract_context, inject_headers, tracer

log = logging.getLogger(__name__)

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


def add_event(session: Session, source: str, topic: str, key: str, message: Message,
              subject: str | None = None, occurred_at: datetime | None = None) -> str:
    """Stage an event in the caller's transaction. Returns the event id (CloudEvents ce_id)."""
    event_id = str(uuid.uuid4())
    session.execute(
        text(
            "INSERT INTO outbox (event_id, topic, message_key, event_type, source, subject,"
            " payload, trace_headers, occurred_at)"
            " VALUES (:event_id, :topic, :key, :event_type, :source, :subject, :payload,"
            " CAST(:trace_headers AS JSONB), :occurred_at)"
        ),
        {
            "event_id": event_id,
            "topic": topic,
            "key": key,
            "event_type": message.DESCRIPTOR.full_name,
            "source": source,
            "subject": subject,
            "payload": message.SerializeToString(),
            # The request's trace continues in the relay and in every consumer.
            "trace_headers": json.dumps(inject_headers()),
            "occurred_at": occurred_at or datetime.now(UTC),
        },
    )
    return event_id


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
    )


class OutboxRelay:
    """Publishes unpublished outbox rows in id order, a batch per transaction."""

    def __init__(self, engine: Engine, producer, schema: str, batch_size: int = 200,
                 send_timeout_s: float = 15.0) -> None:
        self.engine = engine
        self.producer = producer
        self.schema = schema
        self.batch_size = batch_size
        self.send_timeout_s = send_timeout_s

    def publish_batch(self) -> int:
        """Claim, publish and mark one batch. Returns how many rows were published."""
        with self.engine.begin() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, event_id, topic, message_key, event_type, source, subject, payload,"
                    " trace_headers, occurred_at FROM outbox WHERE published_at IS NULL"
                    " ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
                ),
                {"limit": self.batch_size},
            ).all()
            if not rows:
                return 0
            sent = [(row, self._send(row)) for row in rows]
            self.producer.flush(timeout=self.send_timeout_s)
            published, failed = [], []
            for row, future in sent:
                try:
                    future.get(timeout=0.01)
                    published.append(row.id)
                except Exception as error:  # noqa: BLE001 - any failure leaves the row for a retry
                    failed.append((row.id, repr(error)[:500]))
            if published:
                connection.execute(
                    text("UPDATE outbox SET published_at = now(), attempts = attempts + 1"
                         " WHERE id = ANY(:ids)"),
                    {"ids": published},
                )
            for row_id, error in failed:
                connection.execute(
                    text("UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = :id"),
                    {"id": row_id, "error": error},
                )
            metrics.OUTBOX_PUBLISHED.inc(len(published))
            if failed:
                metrics.OUTBOX_FAILED.inc(len(failed))
                log.warning("outbox: %d event(s) not acknowledged, will retry", len(failed))
            return len(published)

    def _send(self, row):
        envelope = EventEnvelope(
            event_id=str(row.event_id), event_type=row.event_type, source=row.source,
            time=row.occurred_at, subject=row.subject,
        )
        # The relay's span continues the trace of the request that wrote the row.
        parent = extract_context(row.trace_headers or {})
        with tracer().start_as_current_span(
            f"{row.topic} publish", context=parent, kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": row.topic,
                        "messaging.message.id": str(row.event_id)},
        ):
            headers = envelope.to_headers(inject_headers())
            return self.producer.send(
                row.topic, key=row.message_key.encode(), value=bytes(row.payload), headers=headers,
            )

    def pending_count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()

    def run(self, stop: threading.Event, idle_wait_s: float = 1.0) -> None:
        """Publish until stopped; sleep on LISTEN/NOTIFY between bursts (polls as a fallback)."""
        import psycopg

        channel = f"{self.schema}_outbox"
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as listener:
            listener.execute(f'LISTEN "{channel}"')
            while not stop.is_set():
                try:
                    while not stop.is_set() and self.publish_batch():
                        pass
                except Exception:  # noqa: BLE001 - keep relaying; the rows stay pending
                    log.exception("outbox relay batch failed")
                    stop.wait(1.0)
                for _ in listener.notifies(timeout=idle_wait_s, stop_after=1):
                    pass
        log.info("outbox relay stopped")
