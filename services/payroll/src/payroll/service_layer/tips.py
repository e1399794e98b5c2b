"""Tips: credited from placed orders (and reversed when the order is cancelled or voided), from the
payments of orders (a tip given with a payment; a refunded tip is taken off it), entered by hand
(declared cash tips, corrections), read back for tip reporting. One unit of work per use case; TipRecorded is staged with the change."""
from __future__ import annotations

import uuid
from datetime import datetime

from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.payroll.v1 import events_pb2
from chassis.bootstrap import Clock, IdGenerator, utc_now
from chassis.consumer import PermanentEventError
from chassis.errors import NotFound, PermissionDenied
from chassis.events import EventEnvelope
from chassis.identity import Identity
from chassis.timestamps import from_timestamp, to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from payroll.adapters.orm import TipRecord, TipRefund
from payroll.domain import tips as rules
from payroll.service_layer.ports import StaffDirectory
from payroll.service_layer.views import Tip

TOPIC = "payroll.tip.v1"


def _stage_recorded(uow: UnitOfWork, record: TipRecord) -> None:
    # Keyed by staff member: a consumer sees one person's tips in order.
    uow.add_event(TOPIC, str(record.staff_id), events_pb2.TipRecorded(
        tenant_id=str(record.tenant_id), tip_record_id=str(record.id), staff_id=str(record.staff_id),
        order_id=str(record.order_id or ""), tip_cents=record.tip_cents,
        earned_at=to_timestamp(record.earned_at)), subject=str(record.id))


def record_tip_from_order(uow: UnitOfWork, event: order_events.OrderPlaced, envelope: EventEnvelope, *,
                          new_id: IdGenerator = uuid.uuid4) -> None:
    """Consumer handler for OrderPlaced: credits the order's tip to the server who took it.

    Runs in the consumer's unit of work (which commits); an order credits its tip once, even when it
    arrives again under a second event id."""
    order = event.order
    if order.tip_cents <= 0:
        return
    try:
        tenant_id, staff_id = uuid.UUID(order.tenant_id), uuid.UUID(order.server_staff_id)
        order_id, location_id = uuid.UUID(order.order_id), uuid.UUID(order.location_id)
    except ValueError as error:
        raise PermanentEventError(f"malformed ids in {envelope.event_id}: {error}") from None
    if uow.tips.for_order(order_id) is not None:
        return
    record = TipRecord(id=new_id(), tenant_id=tenant_id, staff_id=staff_id, order_id=order_id,
                       location_id=location_id, source=rules.ORDER, note="", entered_by=None,
                       tip_cents=order.tip_cents, earned_at=from_timestamp(order.placed_at))
    uow.tips.add(record)
    uow.flush()  # the unique order_id is checked here, before the event is staged
    _stage_recorded(uow, record)


def reverse_tip_of_order(uow: UnitOfWork, event: order_events.OrderCancelled | order_events.OrderVoided,
                         envelope: EventEnvelope, *, clock: Clock = utc_now) -> None:
    """Consumer handler for OrderCancelled and OrderVoided: the tip credited for the order leaves
    payroll (its record is voided, TipReversed is staged). An order without a credited tip, or whose
    tip was reversed already (the event arrived again), changes nothing."""
    try:
        order_id = uuid.UUID(event.order_id)
    except ValueError:
        raise PermanentEventError(f"malformed order id in {envelope.event_id}") from None
    record = uow.tips.for_order(order_id)
    if record is None or record.deleted_at is not None or str(record.tenant_id) != event.tenant_id:
        return
    status = "cancelled" if isinstance(event, order_events.OrderCancelled) else "voided"
    record.deleted_at = clock()
    record.note = f"reversed: order {status}" + (f" ({event.reason})" if event.reason else "")
    uow.add_event(TOPIC, str(record.staff_id), events_pb2.TipReversed(
        tenant_id=str(record.tenant_id), tip_record_id=str(record.id), staff_id=str(record.staff_id),
        order_id=str(order_id), tip_cents=record.tip_cents, order_status=status, reason=event.reason,
        reversed_at=to_timestamp(record.deleted_at)), subject=str(record.id))


NO_SERVER = uuid.UUID(int=0)  # a POS order placed by pos-bridge: no AuraConnect server to credit


def record_tip_from_payment(uow: UnitOfWork, event: order_events.OrderPaymentRecorded, envelope: EventEnvelope,
                            *, new_id: IdGenerator = uuid.uuid4) -> None:
    """Consumer handler for OrderPaymentRecorded: a tip given with a payment is credited to the
    check's server, once per payment (a redelivery, or the same payment under a new event id,
    changes nothing)."""
    payment = event.payment
    if payment.tip_cents <= 0:
        return
    try:
        tenant_id, staff_id = uuid.UUID(payment.tenant_id), uuid.UUID(payment.server_staff_id)
        order_id, payment_id = uuid.UUID(payment.order_id), uuid.UUID(payment.payment_id)
        location_id = uuid.UUID(payment.location_id)
    except ValueError as error:
        raise PermanentEventError(f"malformed ids in {envelope.event_id}: {error}") from None
    if staff_id == NO_SERVER or uow.tips.for_payment(payment_id) is not None:
        return
    record = TipRecord(id=new_id(), tenant_id=tenant_id, staff_id=staff_id, order_id=order_id,
                       payment_id=payment_id, location_id=location_id, source=rules.PAYMENT, note="",
                       entered_by=None, tip_cents=payment.tip_cents, earned_at=from_timestamp(payment.paid_at))
    uow.tips.add(record)
    uow.flush()  # the unique payment_id is checked here, before the event is staged
    _stage_recorded(uow, record)


def reverse_refunded_tip(uow: UnitOfWork, event: order_events.OrderRefunded, envelope: EventEnvelope, *,
                         clock: Clock = utc_now) -> None:
    """Consumer handler for OrderRefunded: the refunded tip is taken off the payment's tip record
    (voided when nothing is left) and TipReversed is staged, once per refund id. A refund without
    a tip, or of a payment whose tip was never credited, changes nothing."""
    if event.tip_cents <= 0:
        return
    try:
        refund_id, payment_id = uuid.UUID(event.refund_id), uuid.UUID(event.payment_id)
    except ValueError:
        raise PermanentEventError(f"malformed refund or payment id in {envelope.event_id}") from None
    if uow.tips.refund_applied(refund_id):
        return
    record = uow.tips.for_payment(payment_id, for_update=True)
    if record is None or record.deleted_at is not None or str(record.tenant_id) != event.tenant_id:
        return
    taken = min(event.tip_cents, record.tip_cents)
    now = clock()
    record.tip_cents -= taken
    note = "refunded" + (f" ({event.reason})" if event.reason else "")
    record.note = (record.note + "; " if record.note else "") + f"{note}: -{taken}"
    if record.tip_cents == 0:
        record.deleted_at = now
    uow.tips.add_refund(TipRefund(refund_id=refund_id, tenant_id=record.tenant_id, tip_record_id=record.id,
                                  tip_cents=taken, reason=event.reason, reversed_at=now))
    uow.flush()  # the refund id is the key: a concurrent redelivery fails here and is retried
    uow.add_event(TOPIC, str(record.staff_id), events_pb2.TipReversed(
        tenant_id=str(record.tenant_id), tip_record_id=str(record.id), staff_id=str(record.staff_id),
        order_id=str(record.order_id or ""), tip_cents=taken, order_status="refunded", reason=event.reason,
        reversed_at=to_timestamp(now)), subject=str(record.id))


def list_tips(uow: UnitOfWorkFactory, identity: Identity, staff_id: str) -> list[Tip]:
    """A staff member's live tips, oldest first: payroll:read, or payroll:read:own for one's own."""
    staff = parse_uuid(staff_id, "staff_id")
    if not identity.may("payroll:read", str(staff)):
        raise PermissionDenied("missing permission payroll:read")
    with uow() as work:
        return [Tip.of(r) for r in work.tips.for_staff(identity.tenant_uuid, staff)]


def enter_tip(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, location_id: str, tip_cents: int,
              earned_at: datetime, note: str, *, directory: StaffDirectory,
              new_id: IdGenerator = uuid.uuid4) -> Tip:
    """A tip with no order behind it. Needs payroll:create; the location and the staff member must be
    the caller's tenant's (asked of the directory before the transaction opens, so no connection is
    held across the peer call)."""
    if not identity.has("payroll:create"):  # unauthorized callers learn nothing about ids
        raise PermissionDenied("missing permission payroll:create")
    cents = rules.tip_amount(tip_cents)
    earned = rules.earned_at_utc(earned_at)
    location, staff = parse_uuid(location_id, "location_id"), parse_uuid(staff_id, "staff_id")
    directory.check_location(identity, str(location), "location_id")
    directory.check_staff(identity, str(staff), "staff_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    entered_by = None if identity.is_service else parse_uuid(identity.subject, "sub")
    with uow() as work:
        record = TipRecord(id=new_id(), tenant_id=identity.tenant_uuid, staff_id=staff, order_id=None,
                           location_id=location, tip_cents=cents, earned_at=earned, source=rules.MANUAL,
                           note=note, entered_by=entered_by)
        work.tips.add(record)
        work.flush()
        _stage_recorded(work, record)
        work.commit()
        return Tip.of(record)


def _manual_tip(work: UnitOfWork, identity: Identity, tip_record_id: str) -> TipRecord:
    record = work.tips.get(identity.tenant_uuid, parse_uuid(tip_record_id, "tip_record_id"), for_update=True)
    if record is None:
        raise NotFound("no such tip record", field="tip_record_id")
    rules.ensure_manual(record.source)
    return record


def adjust_tip(uow: UnitOfWorkFactory, identity: Identity, tip_record_id: str, tip_cents: int,
               note: str | None) -> Tip:
    """Change a hand-entered tip's amount (and note): payroll:update."""
    if not identity.has("payroll:update"):
        raise PermissionDenied("missing permission payroll:update")
    cents = rules.tip_amount(tip_cents, hint="void the entry instead")
    with uow() as work:
        record = _manual_tip(work, identity, tip_record_id)
        record.tip_cents = cents
        if note is not None:
            record.note = note
        work.commit()
        return Tip.of(record)


def void_tip(uow: UnitOfWorkFactory, identity: Identity, tip_record_id: str, *, clock: Clock = utc_now) -> Tip:
    """Void a hand-entered tip (soft delete: it leaves reports, the row stays): payroll:delete."""
    if not identity.has("payroll:delete"):
        raise PermissionDenied("missing permission payroll:delete")
    with uow() as work:
        record = _manual_tip(work, identity, tip_record_id)
        record.deleted_at = clock()
        work.commit()
        return Tip.of(record)

