"""Audit: one append-only row and one AuditRecorded event (auth.audit.v1), in the caller's transaction."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from auraconnect.auth.v1 import events_pb2
from chassis.outbox import add_event
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.orm import Session

from auth.adapters.orm import AuditEntry
from auth.config import SOURCE

TOPIC = "auth.audit.v1"
# Detail keys that must never be recorded, whatever a caller passes.
_FORBIDDEN = ("password", "token", "secret", "authorization")


@dataclass(frozen=True)
class Actor:
    """Who acts and from where: a user id, "service:<name>", "operator:<name>", or "" (anonymous)."""

    actor_id: str = ""
    client_address: str = ""


@dataclass
class AuditRecord:
    action: str
    tenant_id: uuid.UUID | None
    subject_type: str = ""
    subject_id: str = ""
    outcome: str = "success"
    details: dict[str, str] = field(default_factory=dict)


def timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def record(session: Session, actor: Actor, entry: AuditRecord) -> int:
    details = {str(k): str(v) for k, v in entry.details.items()
               if not any(word in str(k).lower() for word in _FORBIDDEN)}
    now = datetime.now(UTC)
    row = AuditEntry(tenant_id=entry.tenant_id, actor_id=actor.actor_id, action=entry.action,
                     subject_type=entry.subject_type, subject_id=entry.subject_id, outcome=entry.outcome,
                     client_address=actor.client_address, details=details, occurred_at=now)
    session.add(row)
    session.flush()
    tenant = str(entry.tenant_id) if entry.tenant_id else ""
    add_event(session, SOURCE, TOPIC, key=tenant or "platform", subject=str(row.id),
              message=events_pb2.AuditRecorded(
                  audit_id=row.id, tenant_id=tenant, actor_id=actor.actor_id, action=entry.action,
                  subject_type=entry.subject_type, subject_id=entry.subject_id, outcome=entry.outcome,
                  client_address=actor.client_address, details=details, occurred_at=timestamp(now)))
    return row.id
