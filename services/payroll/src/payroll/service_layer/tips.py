"""Tips: credited from placed orders, read back for tip reporting."""
from __future__ import annotations

import uuid
from datetime import UTC

from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.payroll.v1 import events_pb2
from chassis.consumer import PermanentEventError
from chassis.errors import InvalidInput, PermissionDenied
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
