"""Updates following POS orders: a newer POS version of an order orders already has changes it (cancel,
close through orders' UpdateOrderStatus; lines added, changed and removed through orders'
ApplyExternalOrderChange; payments the POS order carries through RecordPayment); an older or repeated
version changes nothing."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chassis.errors import Conflict
from chassis.identity import Identity
from chassis.rbac import role_permissions
from pos_bridge.domain.model import LineItem, Money, Order, OrderState
from pos_bridge.service_layer.connections import create_connection
from pos_bridge.service_layer.inbound import process_due_events, receive_webhook
from pos_bridge.service_layer.sync import list_audit
from pos_bridge_fakes import FakeOrders, FakePosBridgeUnitOfWork, FakeProvider, PlainSealer

TENANT = uuid.uuid4()
ADMIN = Identity(subject="a", tenant_id=str(TENANT), roles=("admin",), permissions=role_permissions("admin"))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def event(order_id: str, version: int) -> bytes:
    return json.dumps({"merchant_id": "M1", "type": "order.updated", "event_id": str(uuid.uuid4()),
                       "created_at": "2026-11-29T12:00:00Z",
                       "data": {"type": "order", "id": order_id, "object": {"order_updated": {
                           "order_id": order_id, "version": version, "location_id": "L1", "state": "OPEN",
                           "created_at": "2026-11-29T11:00:00Z", "updated_at": "2026-11-29T11:00:00Z"}}}}).encode()


def line(line_id: str, quantity: int = 1) -> LineItem:
    return LineItem(line_id, None, "Steak", Decimal(quantity), Money(1500, "USD"))


def pos_order(version: int, state: OrderState = OrderState.OPEN, lines=("L1",)) -> Order:
    stamp = datetime(2026, 11, 29, 11, tzinfo=UTC) + timedelta(minutes=version)
    return Order("square", "O1", "L1", state, stamp, stamp, version=version,
                 line_items=tuple(line(i) for i in lines))


class World:
    def __init__(self) -> None:
        self.uow, self.sealer, self.provider, self.orders = (FakePosBridgeUnitOfWork(), PlainSealer(), FakeProvider(),
                                                             FakeOrders())
        self.cid = str(create_connection(lambda: self.uow, self.sealer, ADMIN, {
            "provider": "square", "location_id": str(uuid.uuid4()), "external_merchant_id": "M1",
            "external_location_id": "L1", "credentials": {"access_token": "t"},
            "webhook": {"notification_url": "https://aura.example/hook", "signature_key": "good"}}).connection_id)

    def version(self, order: Order) -> None:
        """The POS has `order`; its webhook arrives and the worker runs."""
        self.provider.orders["O1"] = order
        receive_webhook(lambda: self.uow, self.sealer, {"square": self.provider}, "square", self.cid,
                        {"x-test-signature": "good"}, event("O1", order.version))
        process_due_events(lambda: self.uow, self.sealer, {"square": self.provider}, self.orders, NOW)


def test_a_newer_cancelled_version_cancels_our_order_and_an_older_one_changes_nothing():
    world = World()
    world.version(pos_order(1))
    [held] = world.uow.pos_orders.rows
    world.version(pos_order(3, OrderState.CANCELED))
    assert world.orders.statuses == [(held.aura_order_id, "cancelled", "canceled on the POS")]
    assert held.version == 3 and held.state == "CANCELED"
    world.version(pos_order(2, OrderState.OPEN))   # older: arrives late
    assert held.version == 3 and len(world.orders.statuses) == 1
    [audit] = list_audit(lambda: world.uow, ADMIN, world.cid)
    assert (audit["field"], audit["old_value"], audit["new_value"], audit["applied"]) == (
        "status", "OPEN", "CANCELED", True)


def test_a_completed_pos_order_closes_ours_and_a_refusal_is_audited_not_lost():
    world = World()
    world.version(pos_order(1))
    world.version(pos_order(2, OrderState.COMPLETED))
    assert world.orders.statuses[-1][1] == "closed"
    world2 = World()
    world2.version(pos_order(1))
    original = world2.orders.update_status

    def refuse(*args):
        raise Conflict("the order is open: cannot go to closed", field="status")

    world2.orders.update_status = refuse
    world2.version(pos_order(2, OrderState.COMPLETED))
    world2.orders.update_status = original
    [audit] = list_audit(lambda: world2.uow, ADMIN, world2.cid)
    assert audit["applied"] is False and "refused" in audit["reason"]
    assert world2.uow.inbound_events.rows[-1].status == "created"


def test_line_changes_reach_orders_by_the_pos_line_ids_and_are_audited_applied():
    world = World()
    world.version(pos_order(1, lines=("L1", "L2")))
    [held] = world.uow.pos_orders.rows
    world.version(pos_order(2, lines=("L1", "L3")))
    assert world.orders.line_calls == [(held.aura_order_id, ["L3"], ["L2"])]
    [audit] = list_audit(lambda: world.uow, ADMIN, world.cid)
    assert audit["field"] == "lines" and audit["applied"] is True
    assert audit["new_value"] == {"added": ["L3"], "removed": ["L2"], "changed": [],
                                  "orders": {"added": ["L3"], "voided": [], "unmatched": ["L2"]}}
    assert world.orders.statuses == []


def test_a_quantity_change_sends_the_new_line_and_a_replay_sends_nothing():
    world = World()
    world.version(pos_order(1, lines=("L1",)))
    bigger = replace(pos_order(2), line_items=(line("L1", quantity=3),))
    world.version(bigger)
    [held] = world.uow.pos_orders.rows
    assert world.orders.line_calls == [(held.aura_order_id, ["L1"], [])]
    world.version(bigger)   # the same version again: stale, nothing sent
    assert len(world.orders.line_calls) == 1


def test_orders_refusing_the_lines_is_audited_not_applied_and_the_event_completes():
    world = World()
    world.version(pos_order(1, lines=("L1",)))
    def refuse(*args):
        raise Conflict("orders refused: the order is closed", field="lines")

    world.orders.apply_line_changes = refuse
    world.version(pos_order(2, lines=("L1", "L2")))
    [audit] = list_audit(lambda: world.uow, ADMIN, world.cid)
    assert audit["applied"] is False and "closed" in audit["reason"]
    assert world.uow.inbound_events.rows[-1].status == "created"


def test_orders_unavailable_keeps_the_older_version_and_the_retry_applies_the_update():
    from chassis.errors import DependencyUnavailable

    world = World()
    world.version(pos_order(1))
    [held] = world.uow.pos_orders.rows
    calls = []

    def down(*args):
        calls.append(args)
        raise DependencyUnavailable("orders unavailable (UNAVAILABLE)")

    healthy = world.orders.update_status
    world.orders.update_status = down
    world.version(pos_order(2, OrderState.CANCELED))
    event = world.uow.inbound_events.rows[-1]
    assert calls and event.status == "received" and event.attempts == 1 and "orders" in event.last_error
    assert held.version == 1 and held.state == "OPEN"   # the update is not lost
    world.orders.update_status = healthy
    process_due_events(lambda: world.uow, world.sealer, {"square": world.provider}, world.orders,
                       NOW + timedelta(minutes=10))
    assert event.status == "created" and held.version == 2
    assert world.orders.statuses == [(held.aura_order_id, "cancelled", "canceled on the POS")]


def payment_event(payment_id: str, status: str = "COMPLETED", order_id: str = "O1") -> bytes:
    return json.dumps({"merchant_id": "M1", "type": "payment.updated", "event_id": str(uuid.uuid4()),
                       "created_at": "2026-11-29T12:00:00Z", "data": {"type": "payment", "id": payment_id, "object": {
                           "payment": {"id": payment_id, "order_id": order_id, "status": status,
                                       "source_type": "CARD", "amount_money": {"amount": 1500, "currency": "USD"},
                                       "tip_money": {"amount": 300, "currency": "USD"},
                                       "card_details": {"card": {"card_brand": "VISA", "last_4": "1111"}}}}}}
                      ).encode()


def test_a_payment_settled_on_square_is_recorded_in_orders_once():
    world = World()

    def deliver(body: bytes, now=NOW) -> None:
        receive_webhook(lambda: world.uow, world.sealer, {"square": world.provider}, "square", world.cid,
                        {"x-test-signature": "good"}, body)
        process_due_events(lambda: world.uow, world.sealer, {"square": world.provider}, world.orders, now)

    deliver(payment_event("P1"))   # its order has not reached orders yet: waits
    waiting = world.uow.inbound_events.rows[-1]
    assert waiting.status == "received" and "not reached orders" in waiting.last_error
    world.version(pos_order(1))
    [held] = world.uow.pos_orders.rows
    process_due_events(lambda: world.uow, world.sealer, {"square": world.provider}, world.orders,
                       NOW + timedelta(minutes=10))
    assert waiting.status == "created"
    (order_id, payment), = world.orders.payments.values()
    assert order_id == held.aura_order_id
    assert (payment["amount_cents"], payment["tip_cents"], payment["tender"], payment["card_brand"],
            payment["card_last4"]) == (1500, 300, "card", "VISA", "1111")
    deliver(payment_event("P2", status="APPROVED"))   # not settled yet
    assert world.uow.inbound_events.rows[-1].status == "ignored" and len(world.orders.payments) == 1
    audit = [a for a in list_audit(lambda: world.uow, ADMIN, world.cid) if a["field"] == "payment"]
    assert audit and audit[0]["new_value"]["payment_id"] == "P1"
