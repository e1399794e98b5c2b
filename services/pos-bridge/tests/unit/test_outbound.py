"""The outbound sync on fakes: our status changes and 86s queued from orders' events, sent by the
sender through the real Square adapter to the fake Square (real HTTP): in order per object, waiting
through an outage behind the connection's circuit breaker, replayed when Square is back; changes a
provider cannot take recorded as not supported; our own changes from the POS never echoed back."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.orders.v1 import menu_events_pb2 as menu_events
from auraconnect.orders.v1 import orders_pb2
from chassis.events import EventEnvelope
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.adapters.orm import MenuLink, PosOrder
from pos_bridge.adapters.square.provider import SquareProvider
from pos_bridge.domain.errors import ProviderError
from pos_bridge.service_layer.connections import create_connection
from pos_bridge.service_layer.outbound import queue_menu_availability, queue_order_status, send_due_changes
from pos_bridge.service_layer.sync import sync_status
from pos_bridge_fakes import FakePosBridgeUnitOfWork, PlainSealer
from posfakes.square.server import DEFAULT_TOKEN, FakeSquare

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class World:
    def __init__(self, square: FakeSquare) -> None:
        self.square, self.uow, self.sealer = square, FakePosBridgeUnitOfWork(), PlainSealer()
        self.adapter = SquareProvider(httpx.Client(timeout=2.0), retry=RetryPolicy(attempts=1), sleep=lambda s: None)
        self.location = uuid.uuid4()
        self.connection = create_connection(lambda: self.uow, self.sealer, ADMIN, {
            "provider": "square", "location_id": str(self.location), "external_merchant_id": "M1",
            "external_location_id": "LOC1", "api_base_url": square.url,
            "credentials": {"access_token": DEFAULT_TOKEN}})
        self.cid = self.connection.connection_id

    def pos_order(self, fulfillments: bool = False) -> tuple[str, str]:
        """A Square order already handed to orders: (Square id, our order id)."""
        made = self.square.create_order("LOC1")
        if fulfillments:
            with self.square.lock:
                self.square.orders[made["id"]]["fulfillments"] = [{"uid": "F1", "type": "PICKUP", "state": "PROPOSED"}]
        aura = str(uuid.uuid4())
        self.uow.pos_orders.add(PosOrder(tenant_id=TENANT, connection_id=self.cid, provider="square",
                                         provider_order_id=made["id"], state="OPEN", order={}, aura_order_id=aura,
                                         status="created", version=1))
        return made["id"], aura

    def status_event(self, aura: str, status: str, actor: str = "user-1") -> None:
        message = order_events.OrderStatusChanged(tenant_id=str(TENANT), order_id=aura, actor_id=actor,
                                                  status=orders_pb2.OrderStatus.Value(f"ORDER_STATUS_{status}"))
        queue_order_status(self.uow, message, envelope())

    def send(self, now: datetime = NOW) -> int:
        return send_due_changes(lambda: self.uow, self.sealer, {"square": self.adapter}, now)

    def changes(self) -> list:
        return sorted(self.uow.outbound.rows, key=lambda c: c.seq)

    def square_state(self, order_id: str) -> str:
        return self.square.orders[order_id]["state"]


def envelope() -> EventEnvelope:
    return EventEnvelope(str(uuid.uuid4()), "t", "/auraconnect/orders", NOW)


@pytest.fixture
def world(square) -> World:
    return World(square)


def test_a_cancel_of_a_pos_order_reaches_square(world):
    square_id, aura = world.pos_order()
    world.status_event(aura, "CANCELLED")
    assert world.send() == 1
    assert world.square_state(square_id) == "CANCELED"
    assert [c.status for c in world.changes()] == ["sent"]
    # noted on the order held, so Square's notification of our own update is not taken for a POS change
    held = world.uow.pos_orders.rows[0]
    assert held.state == "CANCELED" and held.order["state"] == "CANCELED"
    puts = [r for r in world.square.requests if r["method"] == "PUT"]
    assert len(puts) == 1 and puts[0]["status"] == 200


def test_kitchen_ready_marks_squares_fulfillments_prepared_and_closed_completes(world):
    square_id, aura = world.pos_order(fulfillments=True)
    world.status_event(aura, "READY")
    world.status_event(aura, "CLOSED")
    assert world.send() == 2
    order = world.square.orders[square_id]
    assert order["fulfillments"][0]["state"] == "PREPARED" and order["state"] == "COMPLETED"


def test_ready_on_an_order_without_fulfillment_is_recorded_as_not_supported(world):
    _, aura = world.pos_order()
    world.status_event(aura, "READY")
    world.send()
    change = world.changes()[0]
    assert change.status == "not_supported" and "fulfillment" in change.last_error
    assert sync_status(lambda: world.uow, ADMIN, str(world.cid), NOW)["outbound"]["not_supported"] == 1


def test_statuses_that_mean_nothing_to_a_pos_our_own_changes_and_other_orders_are_not_queued(world):
    _, aura = world.pos_order()
    world.status_event(aura, "SENT")                              # ours only
    world.status_event(aura, "CANCELLED", actor="service:pos-bridge")   # came from the POS
    world.status_event(str(uuid.uuid4()), "CLOSED")              # not a POS order
    assert world.changes() == []


def test_a_redelivered_event_queues_once(world):
    _, aura = world.pos_order()
    message = order_events.OrderCancelled(tenant_id=str(TENANT), order_id=aura, actor_id="u")
    same = envelope()
    queue_order_status(world.uow, message, same)
    queue_order_status(world.uow, message, same)
    assert len(world.changes()) == 1


def test_an_outage_queues_opens_the_circuit_and_replays_in_order_per_object_when_square_is_back(world):
    first, aura_first = world.pos_order(fulfillments=True)
    second, aura_second = world.pos_order()
    world.square.inject(503, count=1000)
    world.status_event(aura_first, "READY")
    world.status_event(aura_first, "CLOSED")
    world.status_event(aura_second, "CANCELLED")
    now = NOW
    for _ in range(6):   # the sender keeps trying while Square is down
        world.send(now)
        now += timedelta(minutes=10)
    status = sync_status(lambda: world.uow, ADMIN, str(world.cid), datetime.now(UTC) + timedelta(minutes=1))
    assert status["outbound"]["queued"] == 3 and status["circuit"]["state"] == "open"
    assert status["lag_seconds"] > 0 and "503" in status["outbound"]["last_error"]
    # per object in order: the CLOSED of the first order was never tried before its READY
    closed = next(c for c in world.changes() if c.payload["status"] == "COMPLETED")
    assert closed.attempts == 0
    assert world.square_state(first) == "OPEN" and world.square_state(second) == "OPEN"

    world.square.clear_faults()
    later = now + timedelta(hours=1)
    world.send(later)   # head of each object: READY of the first, CANCEL of the second
    world.send(later)   # then the first's CLOSED
    assert [c.status for c in world.changes()] == ["sent", "sent", "sent"]
    assert world.square.orders[first]["fulfillments"][0]["state"] == "PREPARED"
    assert world.square_state(first) == "COMPLETED" and world.square_state(second) == "CANCELED"
    sent_order = [c.payload["status"] for c in sorted(world.changes(), key=lambda c: c.sent_at or NOW)
                  if c.object_ref == first]
    assert sent_order == ["READY", "COMPLETED"]
    after = sync_status(lambda: world.uow, ADMIN, str(world.cid), later)
    assert after["circuit"]["state"] == "closed" and after["outbound"]["queued"] == 0 and after["lag_seconds"] == 0


def test_an_open_circuit_sends_nothing_until_the_cool_down_is_over(world):
    _, aura = world.pos_order()
    world.square.inject(500, count=1000)
    for n in range(3):
        world.status_event(aura, "CANCELLED") if n == 0 else None
        world.send(NOW + timedelta(hours=n))
    state = world.uow.sync_state.rows[world.cid]
    assert state.circuit_state == "open"
    calls = len(world.square.requests)
    world.uow.outbound.rows[0].next_attempt_at = NOW   # due, but the circuit is open
    world.send(state.circuit_retry_at - timedelta(seconds=1))
    assert len(world.square.requests) == calls


def test_an_86_reaches_squares_catalog_as_absent_at_the_location_and_back(world):
    item_id = "XSTEAK0ITEM00000000000001"
    world.uow.menu_links.add(MenuLink(tenant_id=TENANT, connection_id=world.cid, pos_item_id=item_id,
                                      pos_variation_id="BEMYCSMIJL46OCDV4KYIKXIB", aura_item_id="aura-steak",
                                      pos_values={}, updated_at=NOW))
    for available in (False, True):
        queue_menu_availability(world.uow, menu_events.MenuItemAvailabilityChanged(
            tenant_id=str(TENANT), location_id=str(world.location), item_id="aura-steak", available=available),
            envelope())
    queue_menu_availability(world.uow, menu_events.MenuItemAvailabilityChanged(   # another location: not ours
        tenant_id=str(TENANT), location_id=str(uuid.uuid4()), item_id="aura-steak", available=False), envelope())
    assert len(world.changes()) == 2
    send_due_changes(lambda: world.uow, world.sealer, {"square": world.adapter}, NOW, limit=1)
    upserts = [r for r in world.square.requests if r["method"] == "POST" and r["path"] == "/v2/catalog/object"]
    assert len(upserts) == 1   # the 86; back in stock is the next change of the same item
    item = next(o for o in world.square.catalog if o["id"] == item_id)
    assert item["absent_at_location_ids"] == ["LOC1"] and item["version"] == 2
    assert [c.status for c in world.changes()] == ["sent", "queued"]
    world.send()
    item = next(o for o in world.square.catalog if o["id"] == item_id)
    assert item["absent_at_location_ids"] == [] and item["version"] == 3


def test_an_86_our_menu_pull_wrote_from_the_pos_is_not_sent_back(world):
    world.uow.menu_links.add(MenuLink(tenant_id=TENANT, connection_id=world.cid, pos_item_id="XSTEAK",
                                      aura_item_id="aura-steak", pos_values={"available": False}, updated_at=NOW))
    event = dict(tenant_id=str(TENANT), location_id=str(world.location), item_id="aura-steak", available=False)
    queue_menu_availability(world.uow, menu_events.MenuItemAvailabilityChanged(
        **event, changed_by="service:pos-bridge"), envelope())
    assert world.changes() == []   # the POS said so itself: an echo
    queue_menu_availability(world.uow, menu_events.MenuItemAvailabilityChanged(**event, changed_by="manager-1"),
                            envelope())
    assert len(world.changes()) == 1   # a person's 86 goes out even when it matches


def test_a_provider_that_cannot_take_a_change_records_it_as_not_supported(world):
    class ReadOnly:
        name = "square"

        def credentials_due(self, connection, now):
            return False

        def push_order_status(self, *args):
            raise ProviderError("NOT_SUPPORTED", "read-only")

    _, aura = world.pos_order()
    world.status_event(aura, "CLOSED")
    send_due_changes(lambda: world.uow, world.sealer, {"square": ReadOnly()}, NOW)
    assert world.changes()[0].status == "not_supported"
    assert world.uow.sync_state.rows[world.cid].circuit_state == "closed"   # not a provider failure
