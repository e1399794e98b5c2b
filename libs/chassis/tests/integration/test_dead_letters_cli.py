"""`python -m chassis.dead_letters`: list and replay dead letters, list and un-park outbox rows."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis.consumer import IdempotentConsumer
from chassis.outbox import add_event
from chassis.uow import SqlUnitOfWork
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import text

pytestmark = pytest.mark.integration


def cli(engine, schema: str, bootstrap: str, *args: str) -> list[dict]:
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False), "DB_SCHEMA": schema,
           "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "OUTBOX_MAX_ATTEMPTS": "5"}
    done = subprocess.run([sys.executable, "-m", "chassis.dead_letters", *args], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_list_and_replay_dead_letters(scratch, topic):
    engine, sessions, schema, bootstrap = scratch
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    headers = [("ce_specversion", b"1.0"), ("x-note", b"nul\x00inside")]  # not a CloudEvent: dead-lettered
    producer.send(topic, key=b"order-7", value=b"payload-7", headers=headers)
    producer.flush()
    producer.close()
    consumer = IdempotentConsumer(lambda: SqlUnitOfWork(sessions, "/test"), bootstrap, "cli-test", [topic], {})
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM dead_letters")).scalar():
                break
        time.sleep(0.2)
    stop.set()
    thread.join(timeout=20)

    [listed] = cli(engine, schema, bootstrap, "list")
    assert listed["topic"] == topic and listed["key"] == "order-7" and "CloudEvent" in listed["error"]
    assert listed["headers"]["x-note"] == "nul\x00inside" and listed["replayed_at"] is None

    [replayed] = cli(engine, schema, bootstrap, "replay", str(listed["id"]))
    assert replayed["id"] == listed["id"] and replayed["replayed_at"]
    assert cli(engine, schema, bootstrap, "list") == [], "a replayed dead letter is no longer pending"
    assert len(cli(engine, schema, bootstrap, "list", "--all")) == 1
    assert cli(engine, schema, bootstrap, "replay", "--all") == [], "nothing left to replay"

    reader = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None,
                           consumer_timeout_ms=4000)
    records = list(reader)
    reader.close()
    assert len(records) == 2, "the original and its one replay"
    assert records[1].key == b"order-7" and records[1].value == b"payload-7"
    assert list(records[1].headers) == headers


def test_list_and_unpark_parked_outbox_rows(scratch, topic):
    engine, sessions, schema, bootstrap = scratch
    with sessions() as session:
        for n in range(3):
            add_event(session, "/test", topic, key=f"k{n}", message=events_pb2.TipRecorded(tip_record_id=str(n)))
        session.commit()
    with engine.begin() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM outbox ORDER BY id")).all()]
        conn.execute(text("UPDATE outbox SET attempts = 5, last_error = 'MessageSizeTooLargeError: big'"
                          " WHERE id = ANY(:ids)"), {"ids": ids[:2]})
        conn.execute(text("UPDATE outbox SET attempts = 2, last_error = 'still trying' WHERE id = :id"), {"id": ids[2]})

    parked = cli(engine, schema, bootstrap, "outbox-parked")
    assert [row["id"] for row in parked] == ids[:2]
    assert parked[0]["last_error"].startswith("MessageSizeTooLargeError") and parked[0]["topic"] == topic
    assert [row["id"] for row in cli(engine, schema, bootstrap, "outbox-retry", str(ids[0]))] == [ids[0]]
    assert [row["id"] for row in cli(engine, schema, bootstrap, "outbox-parked")] == [ids[1]]
    assert [row["id"] for row in cli(engine, schema, bootstrap, "outbox-retry", "--all")] == [ids[1]]
    assert cli(engine, schema, bootstrap, "outbox-parked") == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT attempts FROM outbox WHERE id = :id"), {"id": ids[0]}).scalar() == 0


