"""Standing deductions on staff records: add, list, end (one unit of work each). Pay data: admins only
(payroll:create to add, payroll:update to end); payroll:read to list (payroll:read:own for one's own)."""
from __future__ import annotations

import uuid
from typing import Any

from chassis.bootstrap import Clock, IdGenerator, utc_now
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from payroll.adapters.orm import StaffDeduction
from payroll.domain import standing_deductions as rules


def deduction_json(row: StaffDeduction, today=None) -> dict[str, Any]:
    return {"deduction_id": str(row.id), "staff_id": str(row.staff_id), "type": row.type,
            "kind": rules.kind_of(row.type), "amount": row.amount, "percent": row.percent,
            "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat() if row.ends_on else None,
            "note": row.note, "created_by": row.created_by, "ended_by": row.ended_by,
            **({"in_force": rules.in_force(row.starts_on, row.ends_on, today)} if today is not None else {})}


def _member(u, identity: Identity, staff_id: str):
    member = u.staff.get(identity.tenant_uuid, parse_uuid(staff_id, "staff_id"))
    if member is None:
        raise NotFound("no such staff member", field="staff_id")
    return member


def add_deduction(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, body: Any, *, clock: Clock = utc_now,
                  new_id: IdGenerator = uuid.uuid4) -> dict[str, Any]:
    """payroll:create. `{type, amount | percent, starts_on?, ends_on?, note?}`."""
    if not identity.has("payroll:create"):
        raise PermissionDenied("requires payroll:create")
    today = clock().date()
    fields = rules.parse(body, today)
    with uow() as u:
        member = _member(u, identity, staff_id)
        active = [r for r in u.deductions.for_staff(member.tenant_id, member.id)
                  if r.ends_on is None or r.ends_on >= fields["starts_on"]]
        if len(active) >= rules.MAX_ACTIVE:
            raise Conflict(f"at most {rules.MAX_ACTIVE} deductions in force at once: end one first", field="type")
        row = StaffDeduction(id=new_id(), tenant_id=member.tenant_id, staff_id=member.id, created_by=identity.subject,
                             ended_by=None, **fields)
        u.deductions.add(row)
        u.flush()
        result = deduction_json(row, today)
        u.commit()
    return result


def list_deductions(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, *,
                    clock: Clock = utc_now) -> dict[str, Any]:
    """payroll:read, or payroll:read:own for one's own record. Every deduction, ended ones too."""
    if not (identity.has("payroll:read") or identity.has("payroll:read:own")):
        raise PermissionDenied("requires payroll:read")
    today = clock().date()
    with uow() as u:
        member = _member(u, identity, staff_id)
        if not identity.may("payroll:read", str(member.user_id) if member.user_id else None):
            raise NotFound("no such staff member", field="staff_id")
        return {"staff_id": str(member.id),
                "deductions": [deduction_json(r, today) for r in u.deductions.for_staff(member.tenant_id, member.id)]}


def end_deduction(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, deduction_id: str, body: Any, *,
                  clock: Clock = utc_now) -> dict[str, Any]:
    """payroll:update. `{ends_on?}` (default today): the last pay date it is taken on. Never deleted."""
    if not identity.has("payroll:update"):
        raise PermissionDenied("requires payroll:update")
    today = clock().date()
    with uow() as u:
        member = _member(u, identity, staff_id)
        row = u.deductions.get(member.tenant_id, member.id, parse_uuid(deduction_id, "deduction_id"), for_update=True)
        if row is None:
            raise NotFound("no such deduction", field="deduction_id")
        ends = rules.end_date(body, row.starts_on, today)
        if row.ends_on is not None and row.ends_on < ends:
            raise InvalidInput(f"already ends on {row.ends_on}; an end is only brought forward", field="ends_on")
        row.ends_on, row.ended_by = ends, identity.subject
        u.flush()
        result = deduction_json(row, today)
        u.commit()
    return result
