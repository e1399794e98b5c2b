"""Payment use cases: split a check, take a payment, record a POS-settled payment (gRPC), refund,
read a check's money. One unit of work each, with the order's row locked: two payments on one check
never interleave, and a payment, its events and the close of the check commit together.

| step | permission |
|---|---|
| split a check, take a payment, read payments | orders:create or orders:update (reading: orders:read) |
| refund | orders:refund (a manager's call) |

Events on orders.order.v1 (key = order id): OrderPaymentRecorded for every payment; OrderPaid when
the balance reaches 0; a served check paid in full is closed (history entry + OrderStatusChanged);
OrderRefunded for every refund. Payroll credits payment tips and reverses refunded ones from them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from auraconnect.orders.v1 import events_pb2
from chassis.errors import Conflict, InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain import order as model
from orders.domain import splits
from orders.domain.order import IdempotencyKeyTaken, Order
from orders.domain.payments import EXTERNAL, Ledger, LineCharge, Payment, PaymentRequest, RefundRequest
from orders.service_layer.checks import (
    NO_KEY,
    CheckPeers,
    Idempotency,
    Outcome,
    _business_date,
    _remember,
    _replay,
    _require_any,
    _stage,
    _status_event,
    _visible_order,
)
from orders.service_layer.payment_views import (
    ledger_to_json,
    payment_to_json,
    payment_to_proto,
    refund_to_json,
    tenders_to_proto,
)
from orders.service_layer.views import order_to_json, order_to_proto

TAKE = ("orders:create", "orders:update")
UNPAYABLE = frozenset({model.CANCELLED, model.VOIDED})


@dataclass(frozen=True)
class SplitRequest:
    by: str  # seat | amount | even
    amounts: tuple[int, ...] = ()
    ways: int = 0


@dataclass(frozen=True)
class Recorded:
    """RecordPayment's answer."""

    payment: Payment
    created: bool
    balance_cents: int
    order: Order


# ---------------------------------------------------------------- reading
def payments_of(uow: UnitOfWorkFactory, identity: Identity, order_id: str) -> dict:
    _require_any(identity, "orders:read", "orders:create", "orders:update")
    with uow() as u:
        order = _visible_order(u, identity, order_id)
        ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
        return {"order_id": str(order.order_id), **ledger_to_json(ledger, order.status)}


# ---------------------------------------------------------------- splitting
def split_check(uow: UnitOfWorkFactory, identity: Identity, order_id: str, request: SplitRequest, *,
                peers: CheckPeers, key: Idempotency = NO_KEY) -> Outcome:
    """Cuts the check's total into parts (by seat, by amount, evenly), each paid on its own.
    A new split replaces the last one, as long as nothing was paid yet."""
    _require_any(identity, *TAKE)
    if request.by not in splits.KINDS:
        raise InvalidInput(f"must be one of {', '.join(splits.KINDS)}", field="by")
    return _keyed(uow, identity, key, peers, order_id,
                  lambda u, now, _day: _split(u, identity, order_id, request, peers, now))


def _split(u: UnitOfWork, identity: Identity, order_id: str, request: SplitRequest, peers: CheckPeers,
           now) -> Outcome:
    order = _visible_order(u, identity, order_id, for_update=True)
    _payable(order)
    ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
    if order.total_cents <= 0:
        raise Conflict("the check has nothing to pay", field="by")
    if request.by == splits.BY_SEAT:
        seated = [splits.SeatedAmount(line.seat, line.net_cents + line.tax_cents) for line in order.active_lines]
        parts = splits.by_seat(order.total_cents, seated, peers.new_id)
    elif request.by == splits.BY_AMOUNT:
        parts = splits.by_amounts(order.total_cents, request.amounts, peers.new_id)
    else:
        parts = splits.evenly(order.total_cents, request.ways, peers.new_id)
    ledger.split(parts)
    u.payments.save(order.tenant_id, order.order_id, ledger, now)
    return Outcome(201, {"order_id": str(order.order_id), **ledger_to_json(ledger, order.status)}, order)


# ---------------------------------------------------------------- paying
def take_payment(uow: UnitOfWorkFactory, identity: Identity, order_id: str, request: PaymentRequest, *,
                 peers: CheckPeers, key: Idempotency = NO_KEY) -> Outcome:
    """One payment (cash with change, card with tip, gift card, external) against the check or one
    part of its split. 201 with the payment, the check's money and the order."""
    _require_any(identity, *TAKE)
    return _keyed(uow, identity, key, peers, order_id,
                  lambda u, now, day: _pay(u, identity, order_id, request, peers, now, day))


def record_external_payment(uow: UnitOfWorkFactory, identity: Identity, order_id: str, request: PaymentRequest,
                            *, peers: CheckPeers) -> Recorded:
    """gRPC RecordPayment (pos-bridge): idempotent by (tender, external reference)."""
    _require_any(identity, *TAKE)
    reference = (request.external_reference or "").strip()
    if not reference:
        raise InvalidInput("is required (the POS's payment id)", field="external_reference")
    request = replace(request, tender=request.tender or EXTERNAL, external_reference=reference)
    found = _recorded_before(uow, identity, request)
    if found:
        return found
    now = peers.clock()
    day = _local_day(uow, identity, order_id, now, peers)
    try:
        with uow() as u:
            outcome = _pay(u, identity, order_id, request, peers, now, day)
            u.commit()
    except IdempotencyKeyTaken:  # the same POS payment raced in
        found = _recorded_before(uow, identity, request)
        if found:
            return found
        raise
    body = outcome.body
    payment = next(p for p in outcome.order_ledger.payments if str(p.payment_id) == body["payment"]["payment_id"])
    return Recorded(payment, True, body["balance_cents"], outcome.order)


def _recorded_before(uow: UnitOfWorkFactory, identity: Identity, request: PaymentRequest) -> Recorded | None:
    with uow() as u:
        payment = u.payments.by_external_reference(identity.tenant_uuid, request.tender, request.external_reference)
        if payment is None:
            return None
        order = _visible_order(u, identity, str(payment.order_id))
        ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
        return Recorded(payment, False, max(0, ledger.balance_cents), order)


@dataclass(frozen=True)
class _PaidOutcome(Outcome):
    order_ledger: Ledger | None = None


def _pay(u: UnitOfWork, identity: Identity, order_id: str, request: PaymentRequest, peers: CheckPeers,
         now, day) -> _PaidOutcome:
    order = _visible_order(u, identity, order_id, for_update=True)
    _payable(order)
    ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
    payment = ledger.take(request, payment_id=peers.new_id(), tenant_id=order.tenant_id, order_id=order.order_id,
                          location_id=order.location_id, server_staff_id=order.server_staff_id,
                          business_date=day, paid_at=now, actor_id=identity.subject)
    u.payments.save(order.tenant_id, order.order_id, ledger, now)
    balance = max(0, ledger.balance_cents)
    _stage(u, order, events_pb2.OrderPaymentRecorded(
        tenant_id=str(order.tenant_id), order_id=str(order.order_id), payment=payment_to_proto(payment),
        balance_cents=balance, paid_cents=ledger.paid_cents, order=order_to_proto(order)))
    if ledger.paid_in_full:
        _paid(u, identity, order, ledger, payment, peers, now)
    body = {"payment": payment_to_json(payment), "balance_cents": balance, "paid_in_full": ledger.paid_in_full,
            "ledger": ledger_to_json(ledger, order.status), "order": order_to_json(order)}
    return _PaidOutcome(201, body, order, order_ledger=ledger)


def _paid(u: UnitOfWork, identity: Identity, order: Order, ledger: Ledger, last: Payment, peers: CheckPeers,
          now) -> None:
    """Paid in full: OrderPaid, and a served check closes (a check paid before it is served closes
    when it is served, see checks.change_status)."""
    _stage(u, order, events_pb2.OrderPaid(
        tenant_id=str(order.tenant_id), order_id=str(order.order_id), location_id=str(order.location_id),
        server_staff_id=str(order.server_staff_id), business_date=last.business_date.isoformat(),
        total_cents=order.total_cents, paid_cents=ledger.paid_cents, tip_cents=ledger.tip_cents,
        tenders=tenders_to_proto(ledger.payments), payments=[payment_to_proto(p) for p in ledger.payments],
        paid_at=to_timestamp(now), actor_id=identity.subject, order=order_to_proto(order)))
    close_if_paid(u, identity, order, ledger, peers, now)


def close_if_paid(u: UnitOfWork, identity: Identity, order: Order, ledger: Ledger, peers: CheckPeers, now) -> bool:
    """A served check whose balance is 0 moves to closed (history + OrderStatusChanged)."""
    if order.status != model.SERVED or not ledger.paid_in_full:
        return False
    change = order.move_to(model.CLOSED, actor_id=identity.subject, at=now, new_id=peers.new_id,
                           reason="paid in full")
    _stage(u, order, _status_event(order, change, identity, now))
    return True


# ---------------------------------------------------------------- refunding
def refund(uow: UnitOfWorkFactory, identity: Identity, order_id: str, payment_id: str, reason: str, *,
           peers: CheckPeers, amount_cents: int | None = None, line_ids: Sequence[str] = (), tip_cents: int = 0,
           key: Idempotency = NO_KEY) -> Outcome:
    """Money back on one payment (by amount or by line, and/or its tip): never more than it took."""
    if not identity.has("orders:refund"):
        raise PermissionDenied("a refund needs orders:refund (a manager)")
    request = RefundRequest(parse_uuid(payment_id, "payment_id"), reason, amount_cents,
                            tuple(parse_uuid(x, f"line_ids[{i}]") for i, x in enumerate(line_ids)), tip_cents)
    return _keyed(uow, identity, key, peers, order_id,
                  lambda u, now, day: _refund(u, identity, order_id, request, peers, now, day))


def _refund(u: UnitOfWork, identity: Identity, order_id: str, request: RefundRequest, peers: CheckPeers,
            now, day) -> Outcome:
    order = _visible_order(u, identity, order_id, for_update=True)
    ledger = u.payments.ledger(order.tenant_id, order.order_id, order.total_cents)
    charges = [LineCharge(line.line_id, line.net_cents + line.tax_cents, line.active) for line in order.lines]
    refund_ = ledger.refund(request, charges, refund_id=peers.new_id(), tenant_id=order.tenant_id,
                            order_id=order.order_id, location_id=order.location_id,
                            business_date=day, refunded_at=now, actor_id=identity.subject)
    u.payments.save(order.tenant_id, order.order_id, ledger, now)
    payment = ledger.payment(refund_.payment_id)
    _stage(u, order, events_pb2.OrderRefunded(
        tenant_id=str(order.tenant_id), order_id=str(order.order_id), refund_id=str(refund_.refund_id),
        payment_id=str(payment.payment_id), amount_cents=refund_.amount_cents, tip_cents=refund_.tip_cents,
        line_ids=[str(x) for x in refund_.line_ids], reason=refund_.reason, actor_id=identity.subject,
        business_date=refund_.business_date.isoformat(), refunded_at=to_timestamp(now),
        location_id=str(order.location_id), server_staff_id=str(payment.server_staff_id), tender=payment.tender,
        processor_reference=payment.processor_reference or payment.external_reference,
        order=order_to_proto(order)))
    body = {"refund": refund_to_json(refund_), "payment": payment_to_json(payment),
            "ledger": ledger_to_json(ledger, order.status)}
    return Outcome(201, body, order)


# ---------------------------------------------------------------- internals
def _local_day(uow: UnitOfWorkFactory, identity: Identity, order_id: str, now, peers: CheckPeers):
    """The location's business date now, asked of auth (cached) before any row is locked: no lock
    or connection is held over a network call. An order's location never changes."""
    with uow() as u:
        location = _visible_order(u, identity, order_id).location_id
    return _business_date(identity, location, now, peers)


def _payable(order: Order) -> None:
    if order.status in UNPAYABLE:
        raise Conflict(f"the order is {order.status}: it takes no payment", field="status")


def _keyed(uow: UnitOfWorkFactory, identity: Identity, key: Idempotency, peers: CheckPeers, order_id: str,
           work) -> Outcome:
    """Runs `work(u, now, business_date)` in one unit of work under the Idempotency-Key (Stripe's
    semantics, as the check routes): a replay answers the first response, a concurrent twin loses
    and replays."""
    replay = _replay(uow, identity, key, peers.clock)
    if replay:
        return replay
    now = peers.clock()
    day = _local_day(uow, identity, order_id, now, peers)
    try:
        with uow() as u:
            outcome = work(u, now, day)
            _remember(u, identity, key, outcome, now)
            u.commit()
    except IdempotencyKeyTaken:
        replay = _replay(uow, identity, key, peers.clock)
        if replay:
            return replay
        raise
    return outcome
