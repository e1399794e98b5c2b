"""Tips: credited from placed orders, read back for tip reporting."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.payroll.v1 import events_pb2
from chassis.consumer import PermanentEventError
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.events import EventEnvelope
from chassis.identity import Identity
from chassis.outbox import add_event
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select
from sqlalchemy.orm import Session

from payroll.adapters.orm import TipRecord

TOPIC = "payroll.tip.v1"
SOURCE = "/auraconnect/payroll"


def record_tip_from_order(session: Session, event: order_events.OrderPlaced, envelope: EventEnvelope) -> None:
    """Consumer handler for OrderPlaced: runs inside the consumer's transaction."""
    order = event.order
    if order.tip_cents <= 0:
        return
    try:
        tenant_id, staff_id = uuid.UUID(order.tenant_id), uuid.UUID(order.server_staff_id)
        order_id, location_id = uuid.UUID(order.order_id), uuid.UUID(order.location_id)
    except ValueError as error:
        raise PermanentEventError(f"malformed ids in {envelope.event_id}: {error}") from None
    if session.scalars(select(TipRecord.id).where(TipRecord.order_id == order_id)).first():
        return  # already credited (e.g. the same order delivered under a second event id)
    record = TipRecord(tenant_id=tenant_id, staff_id=staff_id, order_id=order_id, location_id=location_id,
                       tip_cents=order.tip_cents, earned_at=order.placed_at.ToDatetime(tzinfo=UTC))
    session.add(record)
    session.flush()
    earned_at = Timestamp()
    earned_at.FromDatetime(record.earned_at)
    add_event(session, SOURCE, TOPIC, key=str(staff_id), subject=str(record.id), message=events_pb2.TipRecorded(
        tenant_id=str(tenant_id), tip_record_id=str(record.id), staff_id=str(staff_id),
        order_id=str(order_id), tip_cents=record.tip_cents, earned_at=earned_at))


def list_tips(session: Session, identity: Identity, staff_id: str) -> list[TipRecord]:
    try:
        staff = uuid.UUID(staff_id)
    except ValueError:
        raise InvalidInput("must be a UUID", field="staff_id") from None
    own = str(staff) == identity.subject
    if not (identity.has("payroll:read") or (own and identity.has("payroll:read:own"))):
        raise PermissionDenied("missing permission payroll:read")
    return list(session.scalars(select(TipRecord).where(
        TipRecord.tenant_id == identity.tenant_uuid, TipRecord.staff_id == staff,
        TipRecord.deleted_at.is_(None)).order_by(TipRecord.earned_at)))


def _tip_event(record: TipRecord) -> events_pb2.TipRecorded:
    earned_at = Timestamp()
    earned_at.FromDatetime(record.earned_at)
    return events_pb2.TipRecorded(tenant_id=str(record.tenant_id), tip_record_id=str(record.id),
                                  staff_id=str(record.staff_id), order_id=str(record.order_id or ""),
                                  tip_cents=record.tip_cents, earned_at=earned_at)


def enter_tip(session: Session, identity: Identity, staff_id: str, location_id: str, tip_cents: int,
              earned_at: datetime, note: str) -> TipRecord:
    """A tip with no order behind it: cash tips a server declared, or a correction. Needs payroll:create."""
    if not identity.has("payroll:create"):
        raise PermissionDenied("missing permission payroll:create")
    if tip_cents <= 0:
        raise InvalidInput("must be positive", field="tip_cents")
    if earned_at.tzinfo is None:
        raise InvalidInput("must carry a time zone", field="earned_at")
    if not identity.may_access_location(location_id):
        raise PermissionDenied("not allowed at this location", field="location_id")
    record = TipRecord(tenant_id=identity.tenant_uuid, staff_id=_uuid(staff_id, "staff_id"),
                       location_id=_uuid(location_id, "location_id"), tip_cents=tip_cents,
                       earned_at=earned_at.astimezone(UTC), source="manual", note=note,
                       entered_by=_uuid(identity.subject, "sub") if not identity.is_service else None)
    session.add(record)
    session.flush()
    add_event(session, SOURCE, TOPIC, key=str(record.staff_id), subject=str(record.id), message=_tip_event(record))
    return record


def _manual_tip(session: Session, identity: Identity, tip_record_id: str) -> TipRecord:
    record = session.scalars(select(TipRecord).where(
        TipRecord.id == _uuid(tip_record_id, "tip_record_id"), TipRecord.tenant_id == identity.tenant_uuid,
        TipRecord.deleted_at.is_(None)).with_for_update()).first()
    if record is None:
        raise NotFound("no such tip record", field="tip_record_id")
    if record.source != "manual":
        raise Conflict("tips from orders follow their order; adjust the order instead", field="tip_record_id")
    return record


def adjust_tip(session: Session, identity: Identity, tip_record_id: str, tip_cents: int, note: str | None) -> TipRecord:
    if not identity.has("payroll:update"):
        raise PermissionDenied("missing permission payroll:update")
    if tip_cents <= 0:
        raise InvalidInput("must be positive (void the entry instead)", field="tip_cents")
    record = _manual_tip(session, identity, tip_record_id)
    record.tip_cents = tip_cents
    if note is not None:
        record.note = note
    return record


def void_tip(session: Session, identity: Identity, tip_record_id: str) -> TipRecord:
    if not identity.has("payroll:delete"):
        raise PermissionDenied("missing permission payroll:delete")
    record = _manual_tip(session, identity, tip_record_id)
    record.deleted_at = datetime.now(UTC)
    return record


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput("must be a UUID", field=field) from None
