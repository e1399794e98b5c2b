"""The two-way sync's tables on the real PostgreSQL (migration 0005): the outbound queue hands out only
the oldest queued change of each object, in seq order, to one sender at a time (SKIP LOCKED), stores
each source event once; the sync status reads what is queued; the audit and review tables round-trip."""
from __future__ import annotations

import base64
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from chassis.crypto import Sealer
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.adapters.orm import OutboundChange, SyncAudit, SyncReview
from pos_bridge.adapters.unit_of_work import PosBridgeUnitOfWork
from pos_bridge.config import SOURCE
from pos_bridge.service_layer.connections import create_connection, delete_connection
from pos_bridge.service_layer.sync import list_audit, list_reviews, sync_status

pytestmark = pytest.mark.integration

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))


@pytest.fixture
def world(pos_bridge_db):
    session_factory, _ = pos_bridge_db
    uow = lambda: PosBridgeUnitOfWork(session_factory, SOURCE)  # noqa: E731
    sealer = Sealer(base64.b64encode(os.urandom(32)).decode())
    cid = create_connection(uow, sealer, ADMIN, {
        "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
        "external_location_id": "L1", "api_base_url": "http://127.0.0.1:9", "credentials": {"access_token": "t"}
    }).connection_id
    return uow, cid


def change(cid: uuid.UUID, obj: str, event: str, status: str = "CANCELED") -> OutboundChange:
    return OutboundChange(tenant_id=TENANT, connection_id=cid, object_kind="order", object_ref=obj,
                          change_type="order_status", payload={"status": status}, source_event_id=event)


def test_the_queue_gives_the_head_of_each_object_in_order_and_stores_an_event_once(world):
    uow, cid = world
    with uow() as work:
        assert work.outbound.add_if_new(change(cid, "A", "e1", "READY"))
        assert work.outbound.add_if_new(change(cid, "A", "e2", "COMPLETED"))
        assert work.outbound.add_if_new(change(cid, "B", "e3"))
        assert not work.outbound.add_if_new(change(cid, "A", "e1", "READY"))   # a redelivered event
        work.commit()
    now = datetime.now(UTC) + timedelta(seconds=1)
    with uow() as work:
        heads = work.outbound.due_heads(now, 10)
        assert [(h.object_ref, h.payload["status"]) for h in heads] == [("A", "READY"), ("B", "CANCELED")]
        heads[0].next_attempt_at = now + timedelta(minutes=5)   # A's head backs off: A's next still waits
        work.commit()
    with uow() as work:
        assert [h.object_ref for h in work.outbound.due_heads(now, 10)] == ["B"]
    with uow() as work:
        head = work.outbound.due_heads(now + timedelta(minutes=6), 10)[0]
        head.status = "sent"
        work.commit()
    with uow() as work:
        assert [(h.object_ref, h.payload["status"]) for h in work.outbound.due_heads(now, 10)] == [
            ("A", "COMPLETED"), ("B", "CANCELED")]
    status = sync_status(uow, ADMIN, str(cid), now)
    assert status["outbound"]["queued"] == 2 and status["outbound"]["sent"] == 1 and status["lag_seconds"] > 0


def test_two_senders_never_take_the_same_change(world):
    uow, cid = world
    with uow() as work:
        work.outbound.add_if_new(change(cid, "C", "e10"))
        work.commit()
    now = datetime.now(UTC) + timedelta(seconds=1)
    holding, release, seen = threading.Event(), threading.Event(), []

    def first() -> None:
        with uow() as work:
            seen.append([h.object_ref for h in work.outbound.due_heads(now, 10) if h.object_ref == "C"])
            holding.set()
            release.wait(5)

    worker = threading.Thread(target=first)
    worker.start()
    holding.wait(5)
    with uow() as work:
        second = [h.object_ref for h in work.outbound.due_heads(now, 10) if h.object_ref == "C"]
    release.set()
    worker.join()
    assert seen == [["C"]] and second == []


def test_the_circuit_state_row_is_created_on_first_lock_and_audit_and_reviews_round_trip(world):
    uow, cid = world
    with uow() as work:
        state = work.sync_state.get(cid, lock=True)
        assert state.circuit_state == "closed"
        state.circuit_state = "open"
        work.sync_audit.add(SyncAudit(tenant_id=TENANT, connection_id=cid, object_kind="menu_item", object_ref="I1",
                                      field="price_cents", old_value={"value": 1}, new_value={"value": 2},
                                      winner="pos", rule="pos", reason="policy: POS wins"))
        work.sync_reviews.add(SyncReview(tenant_id=TENANT, connection_id=cid, object_kind="menu_item",
                                         object_ref="I1", field="category", pos_value={"value": "A"},
                                         aura_value={"value": "B"}, reason="policy: review"))
        work.commit()
    assert sync_status(uow, ADMIN, str(cid), datetime.now(UTC))["circuit"]["state"] == "open"
    assert list_audit(uow, ADMIN, str(cid))[0]["new_value"] == 2
    assert list_reviews(uow, ADMIN, str(cid), "open")[0]["field"] == "category"


def test_the_predecessors_of_a_connection_are_the_deleted_ones_of_its_pos_account_newest_first(world):
    uow, cid = world
    sealer = Sealer(base64.b64encode(os.urandom(32)).decode())
    with uow() as work:
        location = work.connections.get(cid).location_id

    def connect(merchant: str = "M1") -> uuid.UUID:
        return create_connection(uow, sealer, ADMIN, {
            "provider": "square", "location_id": str(location), "external_merchant_id": merchant,
            "external_location_id": "L1", "api_base_url": "http://127.0.0.1:9",
            "credentials": {"access_token": "t"}}).connection_id

    second, other_merchant, current = connect(), connect("M2"), connect()
    now = datetime.now(UTC)
    for gone, at in ((cid, now - timedelta(hours=2)), (second, now - timedelta(hours=1)),
                     (other_merchant, now)):
        delete_connection(uow, ADMIN, str(gone), at)
    with uow() as work:
        assert work.connections.predecessors(work.connections.get(current)) == [second, cid]
