"""The acknowledgement path's receiver, long-lived as in an HTTP worker: it remembers connections with
their unsealed signature key, and still follows every change of the connection at once (a rotated key,
a pause, a resume, a delete), checked by the store's version guard (here the unit-of-work inbox)."""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest
from chassis.errors import DependencyUnavailable, Unauthenticated
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.service_layer.connections import create_connection, delete_connection, set_active, set_webhook
from pos_bridge.service_layer.webhook_receive import UnitOfWorkInbox, WebhookReceiver
from pos_bridge_fakes import FakePosBridgeUnitOfWork, FakeProvider, PlainSealer

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def body(event_id: str) -> bytes:
    return json.dumps({"merchant_id": "M1", "type": "order.created", "event_id": event_id,
                       "data": {"type": "order", "id": "O1", "object": {"order_created": {
                           "order_id": "O1", "version": 1, "location_id": "L1", "state": "OPEN"}}}}).encode()


class CountingInbox(UnitOfWorkInbox):
    """The unit-of-work inbox, counting how often the connection row is read."""

    def __init__(self, uow) -> None:
        super().__init__(uow)
        self.reads = 0

    async def connection(self, connection_id):
        self.reads += 1
        return await super().connection(connection_id)


class Worker:
    def __init__(self) -> None:
        self.uow, self.sealer = FakePosBridgeUnitOfWork(), PlainSealer()
        self.inbox = CountingInbox(lambda: self.uow)
        self.receiver = WebhookReceiver(self.inbox, self.sealer, {"square": FakeProvider()})
        self.cid = str(create_connection(lambda: self.uow, self.sealer, ADMIN, {
            "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
            "external_location_id": "L1", "credentials": {"access_token": "t"},
            "webhook": {"notification_url": "https://aura.example/hook", "signature_key": "old"}}).connection_id)

    def receive(self, event_id: str, signature: str):
        return asyncio.run(self.receiver.receive("square", self.cid, {"x-test-signature": signature},
                                                 body(event_id), NOW))

    def stored(self) -> list[str]:
        return [e.provider_event_id for e in self.uow.inbound_events.rows]


@pytest.fixture
def worker() -> Worker:
    return Worker()


def test_the_connection_is_read_once_then_remembered(worker):
    for i in range(5):
        assert worker.receive(f"e{i}", "old").stored == 1
    assert worker.inbox.reads == 1 and worker.stored() == [f"e{i}" for i in range(5)]
    stored = worker.uow.inbound_events.rows[0]
    assert (stored.received_at, stored.next_attempt_at, stored.status) == (NOW, NOW, "received")


def test_a_rotated_key_takes_effect_on_the_next_webhook(worker):
    assert worker.receive("e1", "old").stored == 1
    set_webhook(lambda: worker.uow, worker.sealer, ADMIN, worker.cid,
                {"notification_url": "https://aura.example/hook", "signature_key": "new"})
    with pytest.raises(Unauthenticated):   # verified with the remembered key, refused by the version guard
        worker.receive("e2", "old")
    assert worker.receive("e3", "new").stored == 1
    assert worker.stored() == ["e1", "e3"]


def test_a_new_key_is_read_when_the_remembered_one_refuses(worker):
    assert worker.receive("e1", "old").stored == 1
    set_webhook(lambda: worker.uow, worker.sealer, ADMIN, worker.cid,
                {"notification_url": "https://aura.example/hook", "signature_key": "new"})
    assert worker.receive("e2", "new").stored == 1   # no 401 window after a rotation
    with pytest.raises(Unauthenticated):
        worker.receive("e3", "old")
    assert worker.stored() == ["e1", "e2"]


def test_pause_resume_and_delete_are_followed_at_once(worker):
    assert worker.receive("e1", "old").stored == 1
    set_active(lambda: worker.uow, ADMIN, worker.cid, False)
    with pytest.raises(DependencyUnavailable):
        worker.receive("e2", "old")
    set_active(lambda: worker.uow, ADMIN, worker.cid, True)
    assert worker.receive("e3", "old").stored == 1
    delete_connection(lambda: worker.uow, ADMIN, worker.cid, NOW)
    with pytest.raises(Unauthenticated):
        worker.receive("e4", "old")
    assert worker.stored() == ["e1", "e3"]


def test_bad_signatures_store_nothing_and_duplicates_are_counted(worker):
    with pytest.raises(Unauthenticated):
        worker.receive("e1", "")
    assert worker.receive("e1", "old").stored == 1
    again = worker.receive("e1", "old")
    assert (again.stored, again.duplicates) == (0, 1) and worker.stored() == ["e1"]
