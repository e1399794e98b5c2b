"""orders.order.v1 events -> risk observations, judged by `risk.judge`: the consumer's handlers.

Counter, POS and online checks all publish the same events, so they are judged alike. Each handler
runs in the consumer's unit of work, which records the event id (a redelivered event is skipped),
so an event is judged once. Which step is what:

| event | observation |
|---|---|
| OrderPlaced / OrderLinesAdded | `discounts` when a line carries a discount (the check's discount share), else `edit` |
| OrderLineVoided / OrderVoided | `void_line` / `void_order` (counted per staff member and shift) |
| OrderCancelled | `cancel` (scored only when the check was paid) |
| OrderStatusChanged to closed | `close` (the order total against the location's usual) |
| OrderPaymentRecorded | `payment` (the card reference: brand and last four) |
| OrderPaid | `paid` (paid in full: the total against the location's usual; not closed until served) |
| OrderRefunded | `refund` (scored when above what was paid); a refused refund comes through `refund_refused` |
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from auraconnect.orders.v1 import events_pb2, orders_pb2, payments_pb2
from chassis.errors import NotFound
from chassis.events import EventEnvelope
from chassis.identity import service_identity
from chassis.timestamps import from_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory

from orders.domain import risk as model
from orders.domain.risk import Observation
from orders.service_layer.ports import LocationTimeZones
from orders.service_layer.risk import judge

SERVICE = "orders"


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value) if value else model.NIL


def _gross(order: orders_pb2.Order) -> tuple[int, int]:
    """(before discounts, discounts) over the check's active lines."""
    active = [line for line in order.lines if line.line_status != "voided"]
    return (sum(line.quantity * line.unit_price_cents for line in active),
            sum(line.discount_cents for line in active))


def card_reference(payment: payments_pb2.Payment) -> str:
    """What tells one card from another without its number: brand and last four (gift cards too).
    Cash and POS-settled payments have none."""
    if payment.tender not in ("card", "gift_card") or not payment.card_last4:
        return ""
    return f"{payment.card_brand or payment.tender}:{payment.card_last4}"


def _line_net(line: orders_pb2.OrderLine) -> int:
    return line.quantity * line.unit_price_cents - line.discount_cents


class RiskFeed:
    """The risk handlers of the orders consumer, over the location time zones (auth) and the
    container's ids and clock."""

    def __init__(self, time_zones: LocationTimeZones | None, new_id: Callable[[], uuid.UUID],
                 clock: Callable[[], datetime]) -> None:
        self.time_zones, self.new_id, self.clock = time_zones, new_id, clock

    def handlers(self) -> dict[type, Callable[[UnitOfWork, object, EventEnvelope], None]]:
        return {
            events_pb2.OrderPlaced: self.placed,
            events_pb2.OrderLinesAdded: self.lines_added,
            events_pb2.OrderLineVoided: self.line_voided,
            events_pb2.OrderVoided: self.order_voided,
            events_pb2.OrderCancelled: self.order_cancelled,
            events_pb2.OrderStatusChanged: self.status_changed,
            events_pb2.OrderPaymentRecorded: self.payment_recorded,
            events_pb2.OrderPaid: self.paid,
            events_pb2.OrderRefunded: self.refunded,
        }

    # ---- handlers ----
    def placed(self, u: UnitOfWork, event: events_pb2.OrderPlaced, envelope: EventEnvelope) -> None:
        order = event.order
        self._lines(u, order, order.lines, str(order.server_staff_id), from_timestamp(order.placed_at))

    def lines_added(self, u: UnitOfWork, event: events_pb2.OrderLinesAdded, envelope: EventEnvelope) -> None:
        self._lines(u, event.order, event.lines, event.actor_id, from_timestamp(event.added_at))

    def line_voided(self, u: UnitOfWork, event: events_pb2.OrderLineVoided, envelope: EventEnvelope) -> None:
        self._judge(u, self._observation(model.VOID_LINE, event.order, event.actor_id, event.voided_at,
                                         amount_cents=_line_net(event.line), line_id=event.line.line_id))

    def order_voided(self, u: UnitOfWork, event: events_pb2.OrderVoided, envelope: EventEnvelope) -> None:
        self._judge(u, self._observation(model.VOID_ORDER, event.order, event.actor_id, event.voided_at,
                                         amount_cents=event.order.total_cents))

    def order_cancelled(self, u: UnitOfWork, event: events_pb2.OrderCancelled, envelope: EventEnvelope) -> None:
        self._judge(u, self._observation(model.CANCEL, event.order, event.actor_id, event.cancelled_at,
                                         amount_cents=event.order.total_cents))

    def status_changed(self, u: UnitOfWork, event: events_pb2.OrderStatusChanged, envelope: EventEnvelope) -> None:
        if event.status != orders_pb2.ORDER_STATUS_CLOSED:
            return
        self._judge(u, self._observation(model.CLOSE, event.order, event.actor_id, event.changed_at,
                                         amount_cents=event.order.total_cents))

    def payment_recorded(self, u: UnitOfWork, event: events_pb2.OrderPaymentRecorded,
                         envelope: EventEnvelope) -> None:
        payment = event.payment
        self._judge(u, self._observation(model.PAYMENT, event.order, payment.actor_id, payment.paid_at,
                                         amount_cents=payment.amount_cents, card_ref=card_reference(payment)))

    def paid(self, u: UnitOfWork, event: events_pb2.OrderPaid, envelope: EventEnvelope) -> None:
        """Paid in full (a check paid before it is served stays open to the kitchen: not closed): its
        total is judged against the location's usual."""
        self._judge(u, self._observation(model.PAID, event.order, event.actor_id, event.paid_at,
                                         amount_cents=event.total_cents))

    def refunded(self, u: UnitOfWork, event: events_pb2.OrderRefunded, envelope: EventEnvelope) -> None:
        self._judge(u, self._observation(model.REFUND, event.order, event.actor_id, event.refunded_at,
                                         amount_cents=event.amount_cents))

    def refund_refused(self, uow: UnitOfWorkFactory, *, tenant_id: uuid.UUID, location_id: uuid.UUID,
                       order_id: uuid.UUID, staff_id: uuid.UUID, actor_id: str, amount_cents: int,
                       at: datetime) -> None:
        """A refund above what was paid, refused by payments: recorded and scored in a transaction of
        its own (the refused request's rolls back). Payments calls this where it refuses."""
        with uow() as u:
            self._judge(u, Observation(model.REFUND_REFUSED, tenant_id, location_id, order_id, staff_id, actor_id,
                                       at, amount_cents=amount_cents))
            u.commit()

    # ---- internals ----
    def _lines(self, u: UnitOfWork, order: orders_pb2.Order, lines, actor_id: str, at: datetime) -> None:
        discounted = sum(1 for line in lines if line.discount_cents > 0)
        gross, discount = _gross(order)
        kind = model.DISCOUNTS if discounted else model.EDIT
        self._judge(u, Observation(kind, _uuid(order.tenant_id), _uuid(order.location_id), _uuid(order.order_id),
                                   _uuid(order.server_staff_id), actor_id, at, order_total_cents=order.total_cents,
                                   gross_cents=gross, discount_cents=discount, discounted_lines=discounted))

    def _observation(self, kind: str, order: orders_pb2.Order, actor_id: str, at, *, amount_cents: int = 0,
                     line_id: str = "", card_ref: str = "") -> Observation:
        gross, discount = _gross(order)
        return Observation(kind, _uuid(order.tenant_id), _uuid(order.location_id), _uuid(order.order_id),
                           _uuid(order.server_staff_id), actor_id, from_timestamp(at), amount_cents=amount_cents,
                           card_ref=card_ref, order_total_cents=order.total_cents, gross_cents=gross,
                           discount_cents=discount, line_id=line_id)

    def _judge(self, u: UnitOfWork, observation: Observation) -> None:
        judge(u, observation, time_zone=self._time_zone(observation), at=self.clock(), new_id=self.new_id)

    def _time_zone(self, observation: Observation) -> str:
        """The location's zone (shifts are local); UTC when auth is not wired or no longer knows the
        location (auth unreachable raises DependencyUnavailable: the event waits and is tried again)."""
        if self.time_zones is None:
            return "UTC"
        asking = service_identity(SERVICE, str(observation.tenant_id))
        try:
            return self.time_zones.time_zone(asking, str(observation.location_id))
        except NotFound:
            return "UTC"
