"""Order use cases. Each runs in one unit of work: the change and its event commit together."""
from __future__ import annotations

import uuid

from auraconnect.orders.v1 import events_pb2
from chassis.bootstrap import Clock, IdGenerator
from chassis.errors import InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain.order import CANCELLED, IdempotencyKeyTaken, LineInput, Order, StatusChange
from orders.service_layer.ports import SalesTaxPort
from orders.service_layer.views import STATUS_PROTO, order_to_proto

TOPIC = "orders.order.v1"
IDEMPOTENCY_FIELD = "Idempotency-Key"  # named as the client sends it: it is a header


def place_order(uow: UnitOfWorkFactory, identity: Identity, *, location_id: str, lines: list[LineInput],
                tip_cents: int = 0, server_staff_id: str | None = None, idempotency_key: str | None = None,
                tax: SalesTaxPort, clock: Clock, new_id: IdGenerator) -> tuple[Order, bool]:
    """Returns (order, created). A repeated Idempotency-Key returns the first order, unchanged
    (whatever the body says: the key, not the body, identifies the attempt)."""
    tenant_id = identity.tenant_uuid
    if idempotency_key is not None and not idempotency_key.strip():
        raise InvalidInput("must not be empty (leave the header out to send no key)", field=IDEMPOTENCY_FIELD)
    if idempotency_key:
        existing = _by_idempotency_key(uow, tenant_id, idempotency_key)
        if existing:
            return existing, False
    server = parse_uuid(server_staff_id or identity.subject, "server_staff_id")
    location = parse_uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    order = Order.place(tenant_id=tenant_id, location_id=location, server_staff_id=server, lines=lines,
                        tip_cents=tip_cents, placed_at=clock(), new_id=new_id, idempotency_key=idempotency_key)
    # Outside the transaction: no database connection or lock is held over a network call.
    order.apply_tax(tax.sales_tax(identity, order))
    try:
        with uow() as u:
            u.orders.add(order)
            u.add_event(TOPIC, key=str(order.order_id), subject=str(order.order_id),
                        message=events_pb2.OrderPlaced(order=order_to_proto(order)))
            u.commit()
    except IdempotencyKeyTaken:
        existing = _by_idempotency_key(uow, tenant_id, idempotency_key or "")
        if existing:  # a concurrent retry with the same key won the race
            return existing, False
        raise
    return order, True


def get_order(uow: UnitOfWorkFactory, identity: Identity, order_id: str) -> Order:
    with uow() as u:
        return _visible_order(u, identity, order_id)


def change_status(uow: UnitOfWorkFactory, identity: Identity, order_id: str, status: str, *,
                  clock: Clock) -> Order:
    """The kitchen flow: placed -> in_kitchen -> ready -> completed (Conflict for any other move)."""
    with uow() as u:
        order = _visible_order(u, identity, order_id, for_update=True)
        change = order.move_to(status)
        u.add_event(TOPIC, key=str(order.order_id), subject=str(order.order_id),
                    message=_status_event(order, change, clock))
        u.commit()
        return order


def cancel_order(uow: UnitOfWorkFactory, identity: Identity, order_id: str, reason: str = "", *,
                 clock: Clock) -> Order:
    with uow() as u:
        order = _visible_order(u, identity, order_id, for_update=True)
        change = order.cancel()
        u.add_event(TOPIC, key=str(order.order_id), subject=str(order.order_id),
                    message=_status_event(order, change, clock, reason))
        u.commit()
        return order


def _by_idempotency_key(uow: UnitOfWorkFactory, tenant_id: uuid.UUID, key: str) -> Order | None:
    with uow() as u:
        return u.orders.get_by_idempotency_key(tenant_id, key)


def _visible_order(u: UnitOfWork, identity: Identity, order_id: str, for_update: bool = False) -> Order:
    """The caller's order; one at a location the caller may not access does not exist for them."""
    order = u.orders.get(identity.tenant_uuid, parse_uuid(order_id, "order_id"), for_update=for_update)
    if order is None or not identity.may_access_location(str(order.location_id)):
        raise NotFound("no such order", field="order_id")
    return order


def _status_event(order: Order, change: StatusChange, clock: Clock, reason: str = ""):
    at = to_timestamp(clock())
    if change.current == CANCELLED:
        return events_pb2.OrderCancelled(tenant_id=str(order.tenant_id), order_id=str(order.order_id),
                                         previous_status=STATUS_PROTO[change.previous], reason=reason,
                                         cancelled_at=at)
    return events_pb2.OrderStatusChanged(tenant_id=str(order.tenant_id), order_id=str(order.order_id),
                                         previous_status=STATUS_PROTO[change.previous],
                                         status=STATUS_PROTO[change.current], changed_at=at)
