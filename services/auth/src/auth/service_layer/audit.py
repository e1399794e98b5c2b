"""Audit: one append-only row and one AuditRecorded event (auth.audit.v1), in the caller's unit of work."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from auraconnect.auth.v1 import events_pb2
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory

from auth.adapters.orm import AuditEntry

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


@dataclass(frozen=True)
class AuditQuery:
    action: str | None = None
    subject_id: str | None = None
    before_id: int | None = None
    limit: int = 100


def record(tx: UnitOfWork, actor: Actor, entry: AuditRecord, now: datetime) -> int:
    """Appends the row and stages its event in the open unit of work `tx`; returns the audit id."""
    details = {str(k): str(v) for k, v in entry.details.items()
               if not any(word in str(k).lower() for word in _FORBIDDEN)}
    audit_id = tx.audit.add(AuditEntry(
        tenant_id=entry.tenant_id, actor_id=actor.actor_id, action=entry.action, subject_type=entry.subject_type,
        subject_id=entry.subject_id, outcome=entry.outcome, client_address=actor.client_address, details=details,
        occurred_at=now))
    tenant = str(entry.tenant_id) if entry.tenant_id else ""
    tx.add_event(TOPIC, tenant or "platform", events_pb2.AuditRecorded(
        audit_id=audit_id, tenant_id=tenant, actor_id=actor.actor_id, action=entry.action,
        subject_type=entry.subject_type, subject_id=entry.subject_id, outcome=entry.outcome,
        client_address=actor.client_address, details=details, occurred_at=to_timestamp(now)),
        subject=str(audit_id), occurred_at=now)
    return audit_id


def entry_dict(row: AuditEntry) -> dict:
    return {"audit_id": row.id, "actor_id": row.actor_id, "action": row.action, "subject_type": row.subject_type,
            "subject_id": row.subject_id, "outcome": row.outcome, "client_address": row.client_address,
            "details": row.details, "occurred_at": row.occurred_at.isoformat()}


def search(uow: UnitOfWorkFactory, caller: Identity, query: AuditQuery) -> list[dict]:
    """The caller's tenant's audit trail, newest first."""
    with uow() as tx:
        rows = tx.audit.search(caller.tenant_uuid, query.action, query.subject_id, query.before_id, query.limit)
        return [entry_dict(row) for row in rows]
