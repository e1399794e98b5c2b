"""Inbound POS notifications against fakes: verify then store once, acknowledge; the worker fetches the
full order, keeps the newest version, and hands it to orders once."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from chassis.errors import DependencyUnavailable, InvalidInput, Unauthenticated
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import Order, OrderState
from pos_bridge.service_layer.connections import create_connection, set_active
from pos_bridge.service_layer.inbound import process_due_events, receive_webhook
from pos_bridge_fakes import FakeOrders, FakePosBridgeUnitOfWork, FakeProvider, PlainSealer

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def event(order_id: str, version: int, event_id: str | None = None, kind: str = "order.updated") -> bytes:
    key = kind.replace(".", "_")
    return json.dumps({"merchant_id": "M1", "type": kind, "event_id": event_id or str(uuid.uuid4()),
                       "created_at": "2026-11-29T12:00:00Z",
                       "data": {"type": "order", "id": order_id, "object": {key: {
                           "order_id": order_id, "version": version, "location_id": "L1", "state": "OPEN",
                           "created_at": "2026-11-29T11:00:00Z", "updated_at": "2026-11-29T11:00:00Z"}}}}).encode()


def pos_order(order_id: str, version: int) -> Order:
    stamp = datetime(2026, 11, 29, 11, tzinfo=UTC) + timedelta(minutes=version)
    return Order("square", order_id, "L1", OrderState.OPEN, stamp, stamp, version=version)


class World:
    def __init__(self) -> None:
        self.uow, self.sealer, self.provider, self.orders = FakePosBridgeUnitOfWork(), PlainSealer(), FakeProvider(), FakeOrders()
        self.connection = create_connection(lambda: self.uow, self.sealer, ADMIN, {
            "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
            "external_location_id": "L1", "credentials": {"access_token": "t"},
            "webhook": {"notification_url": "https://aura.example/hook", "signature_key": "good"}})
        self.cid = str(self.connection.connection_id)

    def receive(self, body: bytes, signature: str = "good", provider: str = "square"):
        return receive_webhook(lambda: self.uow, self.sealer, {"square": self.provider}, provider, self.cid,
                               {"x-test-signature": signature}, body)

    def process(self, orders=True, now=NOW) -> int:
        return process_due_events(lambda: self.uow, self.sealer, {"square": self.provider},
                                  self.orders if orders else None, now)


@pytest.fixture
def world() -> World:
    return World()


def test_a_verified_event_is_stored_once_however_often_it_comes(world):
    body = event("O1", 1, "evt-1", "order.created")
    results = [world.receive(body) for _ in range(10)]
    assert results[0].stored == 1 and all(r.stored == 0 and r.duplicates == 1 for r in results[1:])
    [stored] = world.uow.inbound_events.rows
    assert (stored.provider_event_id, stored.object_id, stored.object_version, stored.status) == ("evt-1", "O1", 1, "received")
    assert world.provider.fetches == []   # acknowledging never calls the POS


@pytest.mark.parametrize("signature", ["bad", ""])
def test_a_bad_or_missing_signature_stores_nothing(world, signature):
    with pytest.raises(Unauthenticated):
        world.receive(event("O1", 1), signature=signature)
    assert world.uow.inbound_events.rows == []


def test_unknown_connections_and_providers_look_like_bad_signatures(world):
    for cid in ("not-a-uuid", str(uuid.uuid4())):
        world.cid = cid
        with pytest.raises(Unauthenticated):
            world.receive(event("O1", 1))
    world.cid = str(world.connection.connection_id)
    with pytest.raises(Unauthenticated):
        world.receive(event("O1", 1), provider="toast")


def test_a_paused_connection_refuses_so_the_pos_retries(world):
    set_active(lambda: world.uow, ADMIN, world.cid, False)
    with pytest.raises(DependencyUnavailable):
        world.receive(event("O1", 1))
    assert world.uow.inbound_events.rows == []


def test_the_worker_fetches_the_order_and_hands_it_to_orders_once(world):
    world.provider.orders["O1"] = pos_order("O1", 1)
    world.receive(event("O1", 1, "e1", "order.created"))
    assert world.process() == 1
    [held] = world.uow.pos_orders.rows
    assert (held.version, held.status, held.state) == (1, "created", "OPEN") and held.aura_order_id
    assert world.uow.inbound_events.rows[0].status == "created"
    world.provider.orders["O1"] = pos_order("O1", 2)
    world.receive(event("O1", 2, "e2"))
    world.process()
    assert held.version == 2 and len(world.orders.created) == 1   # the same AuraConnect order
    [caller, *_] = world.orders.identities
    assert caller.is_service and caller.tenant_id == str(TENANT) and caller.has("orders:create")


def test_orders_unavailable_leaves_the_event_to_retry_with_backoff(world):
    world.provider.orders["O1"] = pos_order("O1", 1)
    world.orders.failures = [DependencyUnavailable("orders unavailable (UNAVAILABLE)")]
    world.receive(event("O1", 1))
    world.process()
    [stored], [held] = world.uow.inbound_events.rows, world.uow.pos_orders.rows
    assert stored.status == "received" and stored.attempts == 1 and "orders" in stored.last_error
    assert stored.next_attempt_at > NOW and world.process() == 0   # not due yet
    assert (held.status, held.aura_order_id) == ("fetched", None)   # the fetch is kept meanwhile
    world.process(now=NOW + timedelta(minutes=5))
    assert (stored.status, held.status) == ("created", "created") and held.aura_order_id
    assert len(world.orders.created) == 1


def test_an_order_orders_refuses_fails_at_once(world):
    world.provider.orders["O1"] = pos_order("O1", 1)
    world.orders.failures = [InvalidInput("must not be negative", field="lines[0].quantity")]
    world.receive(event("O1", 1))
    world.process()
    [stored] = world.uow.inbound_events.rows
    assert stored.status == "failed" and "lines[0].quantity" in stored.last_error
    assert world.uow.pos_orders.rows[0].status == "fetched"


def test_without_orders_wired_the_order_stops_at_fetched(world):
    world.provider.orders["O1"] = pos_order("O1", 1)
    world.receive(event("O1", 1))
    world.process(orders=False)
    assert world.uow.pos_orders.rows[0].status == "fetched" and world.uow.inbound_events.rows[0].status == "fetched"


def test_an_older_event_changes_nothing_and_is_not_even_fetched(world):
    world.provider.orders["O1"] = pos_order("O1", 3)
    world.receive(event("O1", 3, "e3"))
    world.process()
    world.receive(event("O1", 2, "e2"))    # arrives late
    world.process()
    assert world.provider.fetches == ["O1"]
    assert world.uow.pos_orders.rows[0].version == 3
    assert [e.status for e in world.uow.inbound_events.rows] == ["created", "stale"]


def test_a_fetch_older_than_what_we_hold_changes_nothing(world):
    world.provider.orders["O1"] = pos_order("O1", 3)
    world.receive(event("O1", 3, "e3"))
    world.process()
    world.provider.orders["O1"] = replace(pos_order("O1", 2), state=OrderState.CANCELED)   # a lagging replica
    world.receive(event("O1", 4, "e4"))
    world.process()
    held = world.uow.pos_orders.rows[0]
    assert (held.version, held.state) == (3, "OPEN")
    assert world.uow.inbound_events.rows[-1].status == "stale"


def test_provider_failures_retry_later_then_give_up(world):
    world.provider.orders["O1"] = pos_order("O1", 1)
    world.provider.failures = [ProviderError("RATE_LIMIT", "slow down", retry_after=30)]
    world.receive(event("O1", 1))
    world.process()
    [stored] = world.uow.inbound_events.rows
    assert stored.status == "received" and stored.attempts == 1 and "RATE_LIMIT" in stored.last_error
    assert stored.next_attempt_at >= NOW + timedelta(seconds=30)
    assert world.process() == 0                       # not due yet
    world.process(now=NOW + timedelta(minutes=1))
    assert stored.status == "created"
    world.provider.failures = [ProviderError("AUTH", "token revoked")]
    world.provider.orders["O2"] = pos_order("O2", 1)
    world.receive(event("O2", 1))
    world.process(now=NOW + timedelta(minutes=2))
    assert world.uow.inbound_events.rows[-1].status == "failed"


def test_events_of_other_kinds_are_kept_and_ignored(world):
    world.receive(json.dumps({"merchant_id": "M1", "type": "payment.created", "event_id": "p1",
                              "created_at": "2026-11-29T12:00:00Z",
                              "data": {"type": "payment", "id": "P1", "object": {"payment": {"id": "P1"}}}}).encode())
    world.process()
    assert world.uow.inbound_events.rows[0].status == "ignored" and world.provider.fetches == []
