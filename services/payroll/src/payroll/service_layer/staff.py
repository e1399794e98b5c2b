"""Staff members and the employer's pay settings: one unit of work per use case.

Permissions (chassis/rbac.py): managers hold staff:create/read/update, admins also staff:delete and
payroll:*. Who a person is (name, locations, PIN) is staff:*; what they are paid and their tax data
(jobs and rates, pay frequency, tax forms, SSN, bank account) is payroll:create / payroll:update, so
only admins set pay. Reading one's own record: staff:read:own. SSN and bank account are sealed with
AES-GCM bound to the row and column; answers show the last 4 only, errors never echo them."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from auraconnect.payroll.v1 import events_pb2
from chassis.bootstrap import Clock, IdGenerator, utc_now
from chassis.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from payroll.adapters.orm import EmployerSettings, StaffMember
from payroll.domain import staff as rules
from payroll.domain import timeclock as tc
from payroll.service_layer.ports import PinHasher, Sealer, StaffDirectory

IDENTITY_KEYS = ("user_id", "display_name", "pin", "home_location_id", "work_location_ids")
PAY_KEYS = ("jobs", "pay_frequency", "tax_forms", "ssn", "bank_account")
STAFF_TOPIC = "payroll.staff.v1"
DEFAULT_ANCHOR = date(2026, 1, 5)  # a Monday; biweekly periods step from the anchor's workweek


def _require(identity: Identity, *permissions: str) -> None:
    for permission in permissions:
        if not identity.has(permission):
            raise PermissionDenied(f"requires {permission}")


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise InvalidInput("must be a JSON object", field="body")
    unknown = sorted(set(body) - set(IDENTITY_KEYS) - set(PAY_KEYS))
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    return body


# ---- employer settings -------------------------------------------------------------------------
def employer_of(uow, tenant_id: uuid.UUID) -> EmployerSettings:
    """The tenant's settings, or the defaults (Monday workweek, weekly) when never set."""
    return uow.employers.get(tenant_id) or EmployerSettings(
        tenant_id=tenant_id, workweek_start_day="monday", pay_frequency="weekly", period_anchor=DEFAULT_ANCHOR,
        break_premiums=False)


def employer_json(row: EmployerSettings) -> dict:
    return {"workweek_start_day": row.workweek_start_day, "pay_frequency": row.pay_frequency,
            "period_anchor": row.period_anchor.isoformat(), "break_premiums": bool(row.break_premiums)}


def get_employer_settings(uow: UnitOfWorkFactory, identity: Identity) -> dict:
    """staff:read or payroll:read."""
    if not (identity.has("staff:read") or identity.has("payroll:read")):
        raise PermissionDenied("requires staff:read or payroll:read")
    with uow() as u:
        return employer_json(employer_of(u, identity.tenant_uuid))


def update_employer_settings(uow: UnitOfWorkFactory, identity: Identity, body: Any) -> dict:
    """payroll:update. `{workweek_start_day?, pay_frequency?, period_anchor?, break_premiums?}`."""
    _require(identity, "payroll:update")
    if not isinstance(body, Mapping):
        raise InvalidInput("must be a JSON object", field="body")
    allowed = ("workweek_start_day", "pay_frequency", "period_anchor", "break_premiums")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    changes: dict[str, Any] = {}
    if "workweek_start_day" in body:
        tc.weekday_number(body["workweek_start_day"])
        changes["workweek_start_day"] = body["workweek_start_day"]
    if "pay_frequency" in body:
        changes["pay_frequency"] = rules.pay_frequency(body["pay_frequency"])
    if "period_anchor" in body:
        try:
            changes["period_anchor"] = date.fromisoformat(body["period_anchor"])
        except (TypeError, ValueError):
            raise InvalidInput("a date (YYYY-MM-DD)", field="period_anchor") from None
    if "break_premiums" in body:
        if not isinstance(body["break_premiums"], bool):
            raise InvalidInput("true or false", field="break_premiums")
        changes["break_premiums"] = body["break_premiums"]
    with uow() as u:
        row = u.employers.get(identity.tenant_uuid)
        if row is None:
            row = employer_of(u, identity.tenant_uuid)
            u.employers.add(row)
        for key, value in changes.items():
            setattr(row, key, value)
        result = employer_json(row)
        u.commit()
    return result


# ---- staff members ----------------------------------------------------------------------------
def staff_json(member: StaffMember) -> dict:
    return {"staff_id": str(member.id), "user_id": str(member.user_id) if member.user_id else None,
            "display_name": member.display_name, "has_pin": member.pin_hash is not None,
            "home_location_id": str(member.home_location_id), "work_location_ids": list(member.work_location_ids),
            "jobs": list(member.jobs), "pay_frequency": member.pay_frequency, "tax_forms": dict(member.tax_forms),
            "ssn": rules.masked(member.ssn_last4),
            "bank_account": {"account_number": rules.masked(member.bank_last4)} if member.bank_last4 else None}


def _stage_changed(uow: UnitOfWork, member: StaffMember, change: str, now) -> None:
    # No pay, tax or identifier data on the wire: consumers read the record for those.
    uow.add_event(STAFF_TOPIC, str(member.id), events_pb2.StaffMemberChanged(
        tenant_id=str(member.tenant_id), staff_id=str(member.id), user_id=str(member.user_id or ""),
        change=change, occurred_at=to_timestamp(now)), subject=str(member.id))


def _aad(member_id: uuid.UUID, column: str) -> bytes:
    return f"payroll.staff_members:{member_id}:{column}".encode()


def _seal(sealer: Sealer | None, member_id: uuid.UUID, column: str, plaintext: str) -> bytes:
    if sealer is None:
        raise DependencyUnavailable("PII encryption is not configured (PII_ENCRYPTION_KEY)")
    return sealer.seal(plaintext.encode(), _aad(member_id, column))


def _parsed(identity: Identity, body: Mapping[str, Any], directory: StaffDirectory | None) -> dict[str, Any]:
    """The body's fields, checked; ids asked of auth (before any transaction opens)."""
    out: dict[str, Any] = {}
    if "display_name" in body:
        out["display_name"] = rules.display_name(body["display_name"])
    if body.get("user_id") is not None:
        out["user_id"] = parse_uuid(body["user_id"], "user_id")
        if directory is not None:
            directory.check_staff(identity, str(out["user_id"]), field="user_id")
    if body.get("pin") is not None:
        out["pin"] = rules.pin(body["pin"])
    locations: list[tuple[str, uuid.UUID]] = []
    if "home_location_id" in body:
        out["home_location_id"] = parse_uuid(body["home_location_id"], "home_location_id")
        locations.append(("home_location_id", out["home_location_id"]))
    if "work_location_ids" in body:
        raw = body["work_location_ids"]
        if not isinstance(raw, list) or len(raw) > 100:
            raise InvalidInput("a list of location ids", field="work_location_ids")
        ids = [parse_uuid(x, f"work_location_ids[{i}]") for i, x in enumerate(raw)]
        out["work_location_ids"] = ids
        locations += [(f"work_location_ids[{i}]", x) for i, x in enumerate(ids)]
    if "jobs" in body:
        out["jobs"] = rules.jobs(body["jobs"])
    if "pay_frequency" in body:
        out["pay_frequency"] = rules.pay_frequency(body["pay_frequency"])
    if "tax_forms" in body:
        out["tax_forms"] = rules.tax_forms(body["tax_forms"])
    if body.get("ssn") is not None:
        out["ssn"] = rules.ssn(body["ssn"])
    if body.get("bank_account") is not None:
        out["bank_account"] = rules.bank_account(body["bank_account"])
    if directory is not None:
        for field, location_id in locations:
            directory.check_location(identity, str(location_id), field=field)
    return out


def _apply(member: StaffMember, fields: dict[str, Any], *, sealer: Sealer | None, pins: PinHasher | None) -> None:
    for key in ("display_name", "user_id", "home_location_id", "jobs", "pay_frequency", "tax_forms"):
        if key in fields:
            setattr(member, key, fields[key])
    if "work_location_ids" in fields or "home_location_id" in fields:
        # The home location is always a work location.
        ids = [str(x) for x in fields.get("work_location_ids", member.work_location_ids or [])]
        home = str(member.home_location_id)
        member.work_location_ids = [home, *[x for x in dict.fromkeys(ids) if x != home]]
    if "pin" in fields:
        if pins is None:
            raise DependencyUnavailable("no PIN hasher configured")
        member.pin_hash = pins.hash(fields["pin"])
    if "ssn" in fields:
        member.ssn_sealed = _seal(sealer, member.id, "ssn", fields["ssn"])
        member.ssn_last4 = fields["ssn"][-4:]
    if "bank_account" in fields:
        account = fields["bank_account"]
        member.bank_sealed = _seal(sealer, member.id, "bank_account",
                                   f"{account['routing_number']}:{account['account_number']}:{account['account_type']}")
        member.bank_last4 = account["account_number"][-4:]


def create_staff(uow: UnitOfWorkFactory, identity: Identity, body: Any, *, directory: StaffDirectory | None,
                 sealer: Sealer | None, pins: PinHasher | None, new_id: IdGenerator = uuid.uuid4,
                 clock: Clock = utc_now) -> dict:
    """staff:create, and payroll:create for the pay fields (jobs are required: one cannot clock in without)."""
    _require(identity, "staff:create", "payroll:create")
    body = _object(body)
    for required in ("display_name", "home_location_id", "jobs"):
        if body.get(required) is None:
            raise InvalidInput("is required", field=required)
    fields = _parsed(identity, body, directory)
    if "user_id" not in fields and "pin" not in fields:
        raise InvalidInput("staff without a login (user_id) need a PIN to clock in", field="pin")
    with uow() as u:
        tenant = identity.tenant_uuid
        if "user_id" in fields and u.staff.for_user(tenant, fields["user_id"]) is not None:
            raise Conflict("this user already has a staff record", field="user_id")
        member = StaffMember(id=new_id(), tenant_id=tenant, user_id=None, pin_hash=None, work_location_ids=[],
                             tax_forms={}, pay_frequency=employer_of(u, tenant).pay_frequency, ssn_sealed=None,
                             ssn_last4=None, bank_sealed=None, bank_last4=None)
        _apply(member, fields, sealer=sealer, pins=pins)
        u.staff.add(member)
        _stage_changed(u, member, "created", clock())
        result = staff_json(member)
        u.commit()
    return result


def update_staff(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, body: Any, *,
                 directory: StaffDirectory | None, sealer: Sealer | None, pins: PinHasher | None,
                 clock: Clock = utc_now) -> dict:
    """staff:update; payroll:update too when a pay field changes."""
    _require(identity, "staff:update")
    body = _object(body)
    if any(key in body for key in PAY_KEYS):
        _require(identity, "payroll:update")
    member_id = parse_uuid(staff_id, "staff_id")
    if "display_name" in body and body["display_name"] is None:
        raise InvalidInput("is required", field="display_name")
    fields = _parsed(identity, body, directory)
    with uow() as u:
        member = u.staff.get(identity.tenant_uuid, member_id)
        if member is None:
            raise NotFound("no such staff member")
        if "user_id" in fields and fields["user_id"] != member.user_id:
            other = u.staff.for_user(identity.tenant_uuid, fields["user_id"])
            if other is not None:
                raise Conflict("this user already has a staff record", field="user_id")
        _apply(member, fields, sealer=sealer, pins=pins)
        _stage_changed(u, member, "updated", clock())
        result = staff_json(member)
        u.commit()
    return result


def get_staff(uow: UnitOfWorkFactory, identity: Identity, staff_id: str) -> dict:
    """staff:read, or staff:read:own for one's own record."""
    if not (identity.has("staff:read") or identity.has("staff:read:own")):
        raise PermissionDenied("requires staff:read")
    member_id = parse_uuid(staff_id, "staff_id")
    with uow() as u:
        member = u.staff.get(identity.tenant_uuid, member_id)
        if member is None or not identity.may("staff:read", str(member.user_id) if member.user_id else None):
            raise NotFound("no such staff member")
        return staff_json(member)


def list_staff(uow: UnitOfWorkFactory, identity: Identity) -> dict:
    """staff:read."""
    _require(identity, "staff:read")
    with uow() as u:
        return {"staff": [staff_json(m) for m in u.staff.list(identity.tenant_uuid)]}


def delete_staff(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, *, clock: Clock = utc_now) -> dict:
    """staff:delete (soft: the record leaves lists; shifts and timesheets stay for the payroll record)."""
    _require(identity, "staff:delete")
    member_id = parse_uuid(staff_id, "staff_id")
    with uow() as u:
        member = u.staff.get(identity.tenant_uuid, member_id)
        if member is None:
            raise NotFound("no such staff member")
        member.deleted_at = clock()
        _stage_changed(u, member, "deleted", member.deleted_at)
        result = staff_json(member)
        u.commit()
    return result
