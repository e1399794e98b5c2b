"""Idempotent Kafka consumer.

Each event is handled inside the service's own database transaction, which also records the
event id in `processed_events`; the Kafka offset is committed only after that transaction. A
redelivered event (crash between commit and offset commit, relay retry) finds its id already
recorded and is skipped, so handlers run effectively once. An event that keeps failing is parked
in `dead_letters` with its bytes and error rather than blocking the partition forever.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from google.protobuf.message import DecodeError, Message
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from chassis import metrics
from chassis.events import EventEnvelope, decode_headers
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


class IdempotentConsumer:
    def __init__(self, unit_of_work: Callable[[], SqlUnitOfWork], bootstrap_servers: str,
                 group_id: str, topics: list[str], subscriptions: Mapping[str, Subscription],
                 max_attempts: int = 5) -> None:
        self.unit_of_work = unit_of_work
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.topics = topics
        self.subscriptions = dict(subscriptions)
        self.max_attempts = max_attempts

    def handle(self, record) -> str:
        """Handle one Kafka record. Returns 'handled', 'duplicate', 'ignored' or 'dead-lettered'."""
        try:
            envelope = EventEnvelope.from_headers(record.headers)
        except ValueError as error:
            self._dead_letter(record, str(error))
            return "dead-lettered"
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
            for attempt in range(1, self.max_attempts + 1):
                try:
                    return self._handle_once(record, envelope, subscription)
                except (PermanentEventError, DecodeError) as error:
                    self._dead_letter(record, repr(error))
                    return "dead-lettered"
                except Exception as error:  # noqa: BLE001 - transient: retry, then park
                    log.warning("event %s attempt %d failed: %r", envelope.event_id, attempt, error)
                    if attempt == self.max_attempts:
                        self._dead_letter(record, repr(error))
                        return "dead-lettered"
                    time.sleep(min(0.2 * 2 ** attempt, 5.0))
        raise AssertionError("unreachable")

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

    def _dead_letter(self, record, error: str) -> None:
        import json

        log.error("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, error)
        with self.unit_of_work() as uow:
            uow.session.execute(
                text('INSERT INTO dead_letters (consumer_group, topic, partition, "offset", headers,'
                     " payload, error) VALUES (:group, :topic, :partition, :offset,"
                     " CAST(:headers AS JSONB), :payload, :error)"),
                {"group": self.group_id, "topic": record.topic, "partition": record.partition,
                 "offset": record.offset, "headers": json.dumps(decode_headers(record.headers)),
                 "payload": record.value, "error": error},
            )
            uow.commit()

    def run(self, stop: threading.Event) -> None:
        from kafka import KafkaConsumer, OffsetAndMetadata

        consumer = KafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap_servers.split(","),
            group_id=self.group_id,
            client_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
        )
        try:
            while not stop.is_set():
                batches = consumer.poll(timeout_ms=500, max_records=100)
                for partition, records in batches.items():
                    for record in records:
                        result = self.handle(record)
                        metrics.EVENTS_CONSUMED.labels(record.topic, result).inc()
                    # Every record above committed its own transaction first; a crash before this
                    # line only means redelivery, which processed_events turns into a no-op.
                    last = records[-1].offset + 1
                    consumer.commit({partition: OffsetAndMetadata(last, "", -1)})
        finally:
            consumer.close(autocommit=False)
            log.info("consumer %s stopped", self.group_id)
