"""The outbox relay against real PostgreSQL and Kafka: isolation, order, leases, outages, retention."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from types import SimpleNamespace

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis import outbox
from chassis.events import EventEnvelope
from chassis.outbox import add_event
from devstack import kafka
from kafka import KafkaConsumer
from kafka.errors import KafkaTimeoutError
from prometheus_client import REGISTRY
from sqlalchemy import text

pytestmark = pytest.mark.integration

# Short waits so a test sees several retries in a few seconds.
FAST = {"retry_base_s": 0.1, "retry_max_s": 1.0, "lease_poll_s": 0.3, "idle_wait_s": 0.3}


def tip(n: int, size: int = 0) -> events_pb2.TipRecorded:
    return events_pb2.TipRecorded(tip_record_id=f"tip-{n}" + "x" * size, staff_id=f"staff-{n % 5}", tip_cents=n)


def new_relay(engine, bootstrap, schema, producer_factory=None, topics=None, **settings):
    return outbox.OutboxRelay(engine, bootstrap, schema, outbox.RelaySettings(**{**FAST, **settings}),
                              producer_factory=producer_factory, topics=topics)


def read_all(bootstrap: str, topic: str, expected: int) -> list:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=3000, group_id=None)
    records = []
    for record in consumer:
        records.append(record)
        if len(records) >= expected + 5:  # read a little past: duplicates would show up here
            break
    consumer.close()
    return records


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Running:
    """Relays running in threads, as `run_relay` runs them."""

    def __init__(self, *relays) -> None:
        self.entries = []
        for relay in relays:
            stop = threading.Event()
            thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
            thread.start()
            self.entries.append((relay, stop, thread))

    def stop(self, relay=None) -> None:
        for r, stop, thread in self.entries:
            if relay is None or r is relay:
                stop.set()
                thread.join(timeout=30)

    def alive(self, relay) -> bool:
        return next(t for r, _, t in self.entries if r is relay).is_alive()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def cents_in_key_order(records) -> dict:
    by_key = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key[record.key].append(events_pb2.TipRecorded.FromString(record.value).tip_cents)
    return by_key


def test_two_relays_at_once_publish_each_event_once_in_key_order_and_a_standby_takes_over(scratch, topic,
                                                                                        monkeypatch):
    engine, sessions, schema, bootstrap = scratch
    monkeypatch.setattr(outbox, "INSERT_BATCH", 25)  # add_events: 60 events in 3 multi-row INSERTs
    with sessions() as session:
        ids = outbox.add_events(session, "/test", [outbox.PendingEvent(topic, f"staff-{n % 5}", tip(n), f"s{n}")
                                                   for n in range(60)])
        session.commit()
    assert len(set(ids)) == 60
    rows = [tuple(r) for r in sessions().execute(text("SELECT event_id::text, subject FROM outbox ORDER BY id"))]
    assert rows == [(ids[n], f"s{n}") for n in range(60)], "one row per event, in the order given"
    with sessions() as session:  # a rolled-back change leaves no event behind
        add_event(session, "/test", topic, key="ghost", message=tip(999))
        session.rollback()

    relays = [new_relay(engine, bootstrap, schema, batch_size=7) for _ in range(2)]
    with Running(*relays) as running:
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0, 60, "drain")
        active = [r for r in relays if r.active.is_set()]
        assert len(active) == 1, "one relay holds the lease, the other stands by"
        running.stop(active[0])
        standby = next(r for r in relays if r is not active[0])
        with sessions() as session:
            for n in range(60, 70):
                add_event(session, "/test", topic, key=f"staff-{n % 5}", message=tip(n))
            session.commit()
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0, 30,
                 "the standby to take over")
        assert standby.active.is_set()

    records = read_all(bootstrap, topic, 70)
    ids = [EventEnvelope.from_headers(r.headers).event_id for r in records]
    assert len(ids) == 70 and len(set(ids)) == 70, "every event exactly once"
    assert "ghost" not in {r.key.decode() for r in records}
    for key, cents in cents_in_key_order(records).items():
        assert cents == sorted(cents), f"{key!r} out of order: {cents}"


def test_poison_rows_are_parked_and_everything_behind_them_flows(scratch, topic, caplog):
    engine, sessions, schema, bootstrap = scratch
    with sessions() as session:
        for n in range(10):
            add_event(session, "/test", topic, key=f"staff-{n % 3}", message=tip(n))
        add_event(session, "/test", "no.such.topic.v1", key="poison-1", message=tip(100))
        add_event(session, "/test", topic, key="poison-2", message=tip(101, size=2_000_000))  # over 1 MB
        for n in range(10, 20):
            add_event(session, "/test", topic, key=f"staff-{n % 3}", message=tip(n))
        session.commit()

    relay = new_relay(engine, bootstrap, schema, max_attempts=3)
    with caplog.at_level(logging.ERROR, logger="chassis.outbox"), Running(relay):
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL") == 20, 30,
                 "the good rows")
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE attempts >= 3"
                                        " AND published_at IS NULL") == 2, 30, "the poison rows to be parked")
        time.sleep(1.0)  # parked rows are not retried any more
        assert scalar(engine, "SELECT max(attempts) FROM outbox WHERE published_at IS NULL") == 3
        wait_for(lambda: REGISTRY.get_sample_value("outbox_parked_events") == 2, 20, "the parked gauge")

    with engine.connect() as conn:
        errors = dict(conn.execute(text("SELECT message_key, last_error FROM outbox WHERE published_at IS NULL")).all())
    assert "no.such.topic.v1" in errors["poison-1"]
    assert "large" in errors["poison-2"].lower()
    assert sum("parked" in r.getMessage() for r in caplog.records) == 2
    records = read_all(bootstrap, topic, 20)
    assert len(records) == 20 and {r.key for r in records} == {b"staff-0", b"staff-1", b"staff-2"}
    for key, cents in cents_in_key_order(records).items():
        assert cents == sorted(cents), f"{key!r} out of order: {cents}"


def test_a_keys_later_events_wait_behind_its_failing_event(scratch, topic, infra):
    engine, sessions, schema, bootstrap = scratch
    late_topic = f"chassis.late.{uuid.uuid4().hex[:8]}.v1"  # created only after the first attempts fail
    with sessions() as session:
        for n in range(9):
            if n % 3 == 0:
                add_event(session, "/test", late_topic, key="order-k", message=tip(n))
            else:
                add_event(session, "/test", topic, key="order-j", message=tip(n))
        session.commit()

    relays = [new_relay(engine, bootstrap, schema, max_attempts=1000, retry_max_s=0.5) for _ in range(2)]
    with Running(*relays):
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE message_key = 'order-j'"
                                        " AND published_at IS NOT NULL") == 6, 30, "the other key's events")
        wait_for(lambda: scalar(engine, "SELECT max(attempts) FROM outbox WHERE message_key = 'order-k'") >= 2, 20,
                 "retries of the failing event")
        by_id = dict(scalar_rows(engine, "SELECT id, attempts FROM outbox WHERE message_key = 'order-k' ORDER BY id"))
        first, *later = sorted(by_id)
        assert by_id[first] >= 2 and all(by_id[i] == 0 for i in later), "later events of the key were not tried"
        kafka.create_topics(bootstrap, [(late_topic, 3)])
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0, 30,
                 "the key to flow once its topic exists")

    assert cents_in_key_order(read_all(bootstrap, late_topic, 3)) == {b"order-k": [0, 3, 6]}


def scalar_rows(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()


class FakeBroker:
    """Enough of kafka-python's producer to show what a timed-out flush leaves behind."""

    def __init__(self) -> None:
        self.down = True
        self.log: list[tuple[str, bytes, bytes, list]] = []
        self.flush_attempts: list[float] = []
        self.producers = 0

    def probe(self) -> None:  # what KafkaTopics.probe does: raise while the broker does not answer
        if self.down:
            raise KafkaTimeoutError("no broker")

    def producer(self):
        self.producers += 1
        return FakeProducer(self)


class FakeFuture:
    def __init__(self) -> None:
        self.is_done, self.exception = False, None

    def succeeded(self) -> bool:
        return self.is_done and self.exception is None

    def failed(self) -> bool:
        return self.is_done and self.exception is not None

    def get(self, timeout=None):
        if not self.is_done:
            raise KafkaTimeoutError("not acknowledged")
        if self.exception:
            raise self.exception
        return None


class FakeProducer:
    _sender = None

    def __init__(self, broker: FakeBroker) -> None:
        self.broker, self.buffer = broker, []

    def send(self, topic, key=None, value=None, headers=None):
        future = FakeFuture()
        self.buffer.append(((topic, key, value, headers), future))
        return future

    def flush(self, timeout=None):
        self.broker.flush_attempts.append(time.monotonic())
        if self.broker.down:  # the records stay buffered, as in kafka-python
            raise KafkaTimeoutError("Timeout waiting for future")
        for record, future in self.buffer:
            self.broker.log.append(record)
            future.is_done = True
        self.buffer = []

    def close(self, timeout=None):
        if timeout == 0:  # forced: the buffer is dropped, never sent
            self.buffer = []
        else:
            self.flush(timeout)


def test_a_timed_out_flush_is_not_sent_again_and_retries_back_off(scratch):
    engine, sessions, schema, _ = scratch
    with sessions() as session:
        for n in range(3):
            add_event(session, "/test", "tips.v1", key=f"k{n}", message=tip(n))
        session.commit()
    broker = FakeBroker()
    topics = SimpleNamespace(exists=lambda topic: True, probe=broker.probe, close=lambda: None)
    relay = new_relay(engine, "127.0.0.1:1", schema, producer_factory=broker.producer, topics=topics,
                      retry_base_s=0.1, outage_retry_max_s=2.0)
    with Running(relay):
        wait_for(lambda: len(broker.flush_attempts) >= 5, 20, "a few retries")
        broker.down = False
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0, 20, "publish")
    event_ids = [dict(h)["ce_id"] for _, _, _, h in broker.log]
    assert len(event_ids) == 3 and len(set(event_ids)) == 3, f"each event once, got {len(event_ids)} records"
    assert scalar(engine, "SELECT max(attempts) FROM outbox") == 1, "an outage is not the rows' fault"
    gaps = [b - a for a, b in zip(broker.flush_attempts, broker.flush_attempts[1:])]
    assert gaps[3] > gaps[1] * 1.5, f"exponential backoff, got gaps {gaps}"


def test_the_relay_survives_its_listen_connection_being_terminated(scratch, topic):
    engine, sessions, schema, bootstrap = scratch
    relay = new_relay(engine, bootstrap, schema, idle_wait_s=30)  # only a NOTIFY wakes it quickly
    with Running(relay) as running:
        with sessions() as session:
            add_event(session, "/test", topic, key="k", message=tip(1))
            session.commit()
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0, 20, "first")
        with engine.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND (query LIKE :listen OR application_name = :app)"),
                {"listen": f'LISTEN "{schema}_outbox"%', "app": f"outbox-relay {schema}"}).scalar()
        assert killed >= 1
        time.sleep(1.0)
        assert running.alive(relay)
        with sessions() as session:
            add_event(session, "/test", topic, key="k", message=tip(2))
            session.commit()
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0, 20,
                 "an event after the reconnect")


def test_retention_prunes_published_rows_older_than_the_setting(scratch, topic):
    engine, sessions, schema, bootstrap = scratch
    with sessions() as session:
        for n in range(5):
            add_event(session, "/test", topic, key="k", message=tip(n))
        session.commit()
    with engine.begin() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM outbox ORDER BY id")).all()]
        conn.execute(text("UPDATE outbox SET published_at = now() - interval '8 days' WHERE id = ANY(:ids)"),
                     {"ids": ids[:3]})  # old enough to go
        conn.execute(text("UPDATE outbox SET published_at = now() - interval '2 days' WHERE id = :id"), {"id": ids[3]})
        conn.execute(text("UPDATE outbox SET attempts = 99, last_error = 'boom', occurred_at = now() - interval '30 days'"
                          " WHERE id = :id"), {"id": ids[4]})  # parked: kept until an operator acts
    relay = new_relay(engine, bootstrap, schema, retention_days=7, prune_batch=2, max_attempts=10)
    with Running(relay):
        wait_for(lambda: scalar(engine, "SELECT count(*) FROM outbox") == 2, 20, "pruning")
    assert [row[0] for row in scalar_rows(engine, "SELECT id FROM outbox ORDER BY id")] == ids[3:]


def test_a_discarded_producer_never_sends_what_it_buffered(infra, topic):
    """The real kafka-python path behind the fake above: force-closing drops the buffer."""
    from kafka import KafkaProducer

    bootstrap = infra.layout.kafka_bootstrap
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=60_000,
                             batch_size=1_000_000)
    producer.partitions_for(topic)  # connected, metadata known: only the linger holds the record back
    future = producer.send(topic, key=b"k", value=b"buffered")
    outbox.discard_producer(producer)
    assert future.is_done and future.exception is not None
    assert read_all(bootstrap, topic, 0) == []
