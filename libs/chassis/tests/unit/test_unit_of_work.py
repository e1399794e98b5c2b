"""The unit of work's contract, shown with the fake every service-layer test uses."""
from __future__ import annotations

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis.config import ServiceSettings, load_settings
from chassis.outbox import PendingEvent
from chassis.uow import FakeUnitOfWork


def test_events_are_kept_only_when_committed():
    uow = FakeUnitOfWork()
    with uow:
        uow.add_event("t.v1", "k1", events_pb2.TipRecorded(tip_record_id="a"))
        uow.commit()
    with uow:
        uow.add_event("t.v1", "k2", events_pb2.TipRecorded(tip_record_id="b"))  # no commit: rolled back
    with pytest.raises(RuntimeError), uow:
        uow.add_event("t.v1", "k3", events_pb2.TipRecorded(tip_record_id="c"))
        raise RuntimeError("use case failed")
    assert [m.tip_record_id for m in uow.events_of(events_pb2.TipRecorded)] == ["a"]
    assert (uow.commits, uow.rollbacks) == (1, 2)


def test_add_events_stages_each_event_in_order_like_add_event():
    uow = FakeUnitOfWork()
    with uow:
        ids = uow.add_events([PendingEvent("t.v1", f"k{n}", events_pb2.TipRecorded(tip_record_id=str(n)), f"s{n}")
                              for n in range(3)])
        uow.commit()
    assert [(e.event_id, e.key, e.subject) for e in uow.events] == [(ids[n], f"k{n}", f"s{n}") for n in range(3)]
    assert [m.tip_record_id for m in uow.events_of(events_pb2.TipRecorded)] == ["0", "1", "2"]


def test_a_process_names_the_settings_it_needs(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1:1/db")
    monkeypatch.setenv("DB_SCHEMA", "orders")
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    assert load_settings(ServiceSettings).kafka_bootstrap_servers is None  # not needed: no error
    with pytest.raises(SystemExit) as stopped:
        load_settings(ServiceSettings, require=("kafka_bootstrap_servers",))
    assert stopped.value.code == 2
    assert "KAFKA_BOOTSTRAP_SERVERS: required by this process" in capsys.readouterr().err
