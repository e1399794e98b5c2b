"""The idempotent consumer against real PostgreSQL and Kafka: duplicates skipped, poison parked."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis.consumer import IdempotentConsumer, Subscription
from chassis.events import EventEnvelope
from chassis.uow import SqlUnitOfWork
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import text

pytestmark = pytest.mark.integration


def handler(uow, message, envelope):
    uow.session.execute(text("INSERT INTO handled (event_id, body) VALUES (:id, :body)"),
                    {"id": envelope.event_id, "body": message.tip_record_id})


def run_until(consumer: IdempotentConsumer, done, timeout: float = 30.0) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    thread.join(timeout=20)
    assert done(), "consumer did not get there in time"


def test_duplicates_are_handled_once_and_poison_is_parked(scratch, topic):
    engine, sessions, _, bootstrap = scratch
    event_type = events_pb2.TipRecorded.DESCRIPTOR.full_name
    envelope = EventEnvelope(str(uuid.uuid4()), event_type, "/test", datetime.now(UTC), "tip-1")
    payload = events_pb2.TipRecorded(tip_record_id="tip-1").SerializeToString()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for _ in range(2):  # the same event delivered twice (a relay retry)
        producer.send(topic, key=b"k", value=payload, headers=envelope.to_headers())
    producer.send(topic, key=b"k", value=b"not a cloudevent", headers=[])  # poison: no ce_* headers
    later = EventEnvelope(str(uuid.uuid4()), event_type, "/test", datetime.now(UTC), "tip-2")
    producer.send(topic, key=b"k", value=events_pb2.TipRecorded(tip_record_id="tip-2").SerializeToString(),
                  headers=later.to_headers())
    producer.flush()
    producer.close()

    group = f"test-{uuid.uuid4().hex[:6]}"
    consumer = IdempotentConsumer(lambda: SqlUnitOfWork(sessions, "/test"), bootstrap, group, [topic], {event_type: Subscription(events_pb2.TipRecorded, handler)})

    def count(sql: str) -> int:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()

    run_until(consumer, lambda: count("SELECT count(*) FROM handled") >= 2 and count("SELECT count(*) FROM dead_letters") >= 1)
    assert count("SELECT count(*) FROM handled") == 2  # tip-1 once, tip-2 once
    assert count("SELECT count(*) FROM processed_events") == 2
    assert count("SELECT count(*) FROM dead_letters") == 1

    # Offsets were committed: the same group starting again finds nothing new.
    check = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                          consumer_timeout_ms=4000)
    assert list(check) == []
    check.close()
