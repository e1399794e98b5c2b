"""The idempotent consumer against real PostgreSQL and Kafka: duplicates skipped, poison parked."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis.consumer import ConsumerSettings, IdempotentConsumer, Subscription, decode_record
from chassis.errors import DependencyUnavailable
from chassis.events import EventEnvelope
from chassis.uow import SqlUnitOfWork
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

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


def tip_record(producer, topic: str, name: str, key: bytes = b"k") -> str:
    event_type = events_pb2.TipRecorded.DESCRIPTOR.full_name
    envelope = EventEnvelope(str(uuid.uuid4()), event_type, "/test", datetime.now(UTC), name)
    producer.send(topic, key=key, value=events_pb2.TipRecorded(tip_record_id=name).SerializeToString(),
                  headers=envelope.to_headers())
    return envelope.event_id


FAST = ConsumerSettings(retry_base_s=0.2, retry_max_s=2.0)


def test_a_transient_failure_waits_in_place_without_dead_letter_or_skipping(scratch, topic):
    """A 10-second outage of what the handler needs: the event is handled once afterwards, in order."""
    engine, sessions, _, bootstrap = scratch
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    first = tip_record(producer, topic, "tip-1")
    second = tip_record(producer, topic, "tip-2")  # same key, same partition: must not overtake tip-1
    producer.flush()
    producer.close()

    seen: list[str] = []
    outage_ends = time.monotonic() + 10

    def flaky(uow, message, envelope):
        if time.monotonic() < outage_ends:
            raise (DependencyUnavailable("peer down") if len(seen) % 2 else
                   OperationalError("INSERT", {}, Exception("the database is restarting")))
        handler(uow, message, envelope)

    def recording(uow, message, envelope):
        seen.append(envelope.event_id)
        flaky(uow, message, envelope)

    group = f"test-{uuid.uuid4().hex[:6]}"
    event_type = events_pb2.TipRecorded.DESCRIPTOR.full_name
    consumer = IdempotentConsumer(lambda: SqlUnitOfWork(sessions, "/test"), bootstrap, group, [topic],
                                  {event_type: Subscription(events_pb2.TipRecorded, recording)}, settings=FAST)

    def count(sql: str) -> int:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()

    run_until(consumer, lambda: count("SELECT count(*) FROM handled") >= 2, timeout=40)
    assert count("SELECT count(*) FROM dead_letters") == 0
    assert count("SELECT count(*) FROM handled") == 2
    assert seen[-1] == second and seen.count(second) == 1 and set(seen[:-1]) == {first}, "tip-2 waited behind tip-1"
    assert 3 <= len(seen) <= 60, f"retried with backoff, not in a hot loop ({len(seen)} attempts)"
    check = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                          consumer_timeout_ms=4000)
    assert list(check) == [], "offsets committed once handled"
    check.close()


def test_a_record_with_nul_bytes_in_its_headers_is_dead_lettered_and_the_partition_moves_on(scratch, topic):
    engine, sessions, _, bootstrap = scratch
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    producer.send(topic, key=b"k", value=b"\x00junk", headers=[("x-evil\x00", b"a\x00b"), ("ce_id", b"1")])
    event_type = events_pb2.TipRecorded.DESCRIPTOR.full_name
    bad_id = EventEnvelope("id\x00with-nul", event_type, "/test", datetime.now(UTC), "tip-0")
    producer.send(topic, key=b"k", value=b"", headers=bad_id.to_headers())
    tip_record(producer, topic, "tip-1")
    producer.flush()
    producer.close()

    group = f"test-{uuid.uuid4().hex[:6]}"
    consumer = IdempotentConsumer(lambda: SqlUnitOfWork(sessions, "/test"), bootstrap, group, [topic],
                                  {event_type: Subscription(events_pb2.TipRecorded, handler)}, settings=FAST)

    def count(sql: str) -> int:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()

    run_until(consumer, lambda: count("SELECT count(*) FROM handled") >= 1
              and count("SELECT count(*) FROM dead_letters") >= 2, timeout=30)
    with engine.connect() as conn:
        stored = conn.execute(text('SELECT headers FROM dead_letters ORDER BY "offset"')).scalars().all()
    assert decode_record(stored[0]) == (b"k", [("x-evil\x00", b"a\x00b"), ("ce_id", b"1")])


def test_processed_event_ids_older_than_the_retention_are_pruned(scratch, topic):
    engine, sessions, _, bootstrap = scratch
    with engine.begin() as conn:
        for n, age in enumerate([40, 35, 31, 2]):
            conn.execute(text("INSERT INTO processed_events (event_id, consumer_group, processed_at)"
                              " VALUES (:id, 'g', now() - make_interval(days => :age))"), {"id": f"e{n}", "age": age})
    consumer = IdempotentConsumer(lambda: SqlUnitOfWork(sessions, "/test"), bootstrap, "g", [topic], {},
                                  settings=ConsumerSettings(retention_days=30, prune_batch=2))

    def remaining() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM processed_events")).scalar()

    run_until(consumer, lambda: remaining() == 1, timeout=20)
