"""chassis.db.insert_rows against the real PostgreSQL: values as psycopg adapts them, JSON columns,
and a taken unique key as SQLAlchemy's IntegrityError naming the constraint (what callers translate)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from chassis.db import Rows, insert_rows, read_together
from chassis.outbox import TABLE, event_row
from google.protobuf.struct_pb2 import Value
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError


def test_rows_arrive_as_written(scratch):
    _, sessions, _, _ = scratch
    with sessions() as session:
        session.execute(text("CREATE TABLE copied (id UUID PRIMARY KEY, name TEXT, tags TEXT[], doc JSONB, "
                             "raw BYTEA, n BIGINT, ok BOOLEAN, at TIMESTAMPTZ)"))
        rows = [{"id": uuid.uuid4(), "name": 'tab\there "quoted" \\ back\nline', "tags": ["grill", "a,b"],
                 "doc": [{"name": "cheese", "delta": 50}], "raw": b"\x00\xff\\", "n": 2**40, "ok": True,
                 "at": datetime(2026, 11, 30, 12, 0, tzinfo=UTC)},
                {"id": uuid.uuid4(), "name": None, "tags": [], "doc": {"k": None}, "raw": None, "n": -1,
                 "ok": False, "at": None}]
        insert_rows(session.connection(), [Rows("copied", rows, {"doc"})])
        read = session.execute(text("SELECT id, name, tags, doc, raw, n, ok, at FROM copied ORDER BY n DESC")).all()
        session.rollback()
    assert [tuple(r) for r in read] == [tuple(row.values()) for row in rows]


def test_a_taken_key_is_sqlalchemys_integrity_error_naming_the_constraint(scratch):
    _, sessions, _, _ = scratch
    event = event_row("chassis-test", "t.v1", "k", Value(string_value="x"))
    with sessions() as session:
        insert_rows(session.connection(), [Rows(TABLE, [event])])
        session.commit()
        with pytest.raises(IntegrityError) as raised:
            insert_rows(session.connection(), [Rows(TABLE, [event_row("chassis-test", "t.v1", "k2", Value()), event])])
        session.rollback()
        count = session.execute(text("SELECT count(*) FROM outbox")).scalar_one()
    assert raised.value.orig.diag.constraint_name == "outbox_event_id_key"
    assert count == 1   # the statement wrote none of its rows


def test_no_rows_is_no_statement(scratch):
    _, sessions, _, _ = scratch
    with sessions() as session:
        insert_rows(session.connection(), [Rows("no_such_table", [])])


def test_tables_in_one_call_and_rows_beyond_one_statement(scratch, monkeypatch):
    _, sessions, _, _ = scratch
    monkeypatch.setattr("chassis.db.MAX_PARAMETERS", 20)   # 2 rows of 9 columns a statement
    events = [event_row("chassis-test", "t.v1", f"k{n}", Value(number_value=n)) for n in range(7)]
    with sessions() as session:
        session.execute(text("CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)"))
        insert_rows(session.connection(), [Rows(TABLE, events), Rows("notes", [{"id": 1, "body": "x"}])])
        keys = session.execute(text("SELECT message_key FROM outbox ORDER BY id")).scalars().all()
        notes = session.execute(text("SELECT body FROM notes")).scalars().all()
        session.rollback()
    assert keys == [f"k{n}" for n in range(7)] and notes == ["x"]   # in order: the outbox's ids follow the list


def test_own_transaction_commits_in_the_round_trip_or_writes_nothing(scratch):
    engine, _, _, _ = scratch
    first, again = event_row("chassis-test", "t.v1", "a", Value()), event_row("chassis-test", "t.v1", "b", Value())
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        insert_rows(connection, [Rows(TABLE, [first])], own_transaction=True)
        with pytest.raises(IntegrityError):   # `again` is fine, `first` is taken: neither is written
            insert_rows(connection, [Rows(TABLE, [again]), Rows(TABLE, [first])], own_transaction=True)
        keys = connection.execute(text("SELECT message_key FROM outbox")).scalars().all()   # still usable
    with engine.connect() as other:   # committed: another connection sees it
        seen = other.execute(text("SELECT message_key FROM outbox")).scalars().all()
    assert keys == seen == ["a"]


def test_reads_together_answer_each_querys_rows_in_order(scratch):
    _, sessions, _, _ = scratch
    with sessions() as session:
        insert_rows(session.connection(), [Rows(TABLE, [event_row("chassis-test", "t.v1", "k", Value())])])
        keys, numbers = read_together(session.connection(), [
            ("SELECT message_key FROM outbox WHERE topic = %s", ("t.v1",)),
            ("SELECT * FROM unnest(%s::int[])", ([3, 1, 2],))])
        assert keys == [("k",)] and numbers == [(3,), (1,), (2,)]
        with pytest.raises(ProgrammingError):
            read_together(session.connection(), [("SELECT 1", ()), ("SELECT * FROM no_such_table", ())])
        session.rollback()
