"""The time clock and timesheets: one unit of work per use case.

Who punches: a staff member with a login punches as themself (no staff_id); a staff member without
one gives `staff_id` and `pin` at a kiosk opened by someone holding staff:read (a manager's session),
so a PIN can only be tried from a privileged session. Punches are kept in UTC with the location's time
zone (asked of auth, cached briefly). Manager edits (staff:update) need a reason and leave a history row
(who, when, before, after, reason). An approved timesheet locks its period's punches (409) until it is
reopened with a reason."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from auraconnect.payroll.v1 import events_pb2
from chassis.bootstrap import Clock, IdGenerator, utc_now
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from payroll.adapters.orm import PunchEdit, Shift, StaffMember, Timesheet
from payroll.domain import pin_attempts
from payroll.domain import staff as staff_rules
from payroll.domain import timeclock as tc
from payroll.service_layer.ports import PinHasher, PinThrottle, StaffDirectory
from payroll.service_layer.staff import employer_of

log = logging.getLogger(__name__)

OPEN, APPROVED = "open", "approved"
TOPIC = "payroll.timeclock.v1"
MAX_REASON = 500


# ---- mapping -----------------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def shift_json(shift: Shift) -> dict:
    return {"shift_id": str(shift.id), "staff_id": str(shift.staff_id), "location_id": str(shift.location_id),
            "job_code": shift.job_code, "time_zone": shift.time_zone, "clock_in_at": _iso(shift.clock_in_at),
            "clock_out_at": _iso(shift.clock_out_at), "breaks": [dict(b) for b in shift.breaks],
            "state": _state(shift)}


def _state(shift: Shift | None) -> str:
    if shift is None or shift.clock_out_at is not None:
        return "clocked_out"
    return "on_break" if any(b["ended_at"] is None for b in shift.breaks) else "clocked_in"


def _domain_shift(shift: Shift) -> tc.Shift:
    breaks = tuple(tc.Break(datetime.fromisoformat(b["started_at"]),
                            datetime.fromisoformat(b["ended_at"]) if b["ended_at"] else None, bool(b["paid"]))
                   for b in shift.breaks)
    return tc.Shift(shift.job_code, shift.clock_in_at, shift.clock_out_at, shift.time_zone, breaks, str(shift.id))


def _stage_punch(u: UnitOfWork, shift: Shift, punch: str, now: datetime, edited_by: str = "", reason: str = "") -> None:
    # Keyed by staff member: a consumer sees one person's punches in order.
    u.add_event(TOPIC, str(shift.staff_id), events_pb2.PunchRecorded(
        tenant_id=str(shift.tenant_id), staff_id=str(shift.staff_id), shift_id=str(shift.id),
        location_id=str(shift.location_id), job_code=shift.job_code, punch=punch, occurred_at=to_timestamp(now),
        edited_by=edited_by, reason=reason), subject=str(shift.id))


# ---- who is punching ---------------------------------------------------------------------------
def _puncher(u, identity: Identity, body: Mapping[str, Any], pins: PinHasher | None,
             throttle: PinThrottle | None = None, location_id: str | None = None) -> StaffMember:
    tenant = identity.tenant_uuid
    if body.get("staff_id") is None:
        if body.get("pin") is not None:
            raise InvalidInput("a PIN goes with a staff_id", field="staff_id")
        # Locked: two punches of one person (two devices) run one after the other.
        member = (u.staff.for_user(tenant, uuid.UUID(identity.subject), for_update=True)
                  if not identity.is_service else None)
        if member is None or member.deleted_at is not None:
            raise InvalidInput("this login has no staff record: give staff_id and pin", field="staff_id")
        return member
    if not identity.has("staff:read"):
        raise PermissionDenied("PIN punches are taken at a kiosk opened by a manager (staff:read)")
    staff_id = parse_uuid(body["staff_id"], "staff_id")
    if body.get("pin") is None:
        raise InvalidInput("is required with staff_id", field="pin")
    pin = staff_rules.pin(body["pin"])
    member = u.staff.get(tenant, staff_id, for_update=True)
    if location_id is None:  # clock-out and breaks: where the open shift is
        shift = u.shifts.open_for(tenant, staff_id) if member is not None else None
        location_id = str(shift.location_id) if shift is not None else "-"
    key = pin_attempts.attempt_key(identity.tenant_id, str(staff_id), location_id)
    if throttle is not None:
        wait = throttle.wait_seconds(key)
        if wait:
            log.warning("PIN punch refused: too many wrong PINs for staff %s at location %s", staff_id, location_id)
            raise pin_attempts.TooManyPinAttempts(f"too many wrong PINs: try again in {wait} s", wait)
    # The same answer for an unknown staff member and a wrong PIN: a PIN check reveals nothing else.
    if member is None or member.pin_hash is None or pins is None or not pins.verify(member.pin_hash, pin):
        if throttle is not None:
            failures = throttle.failed(key)
            log.warning("wrong PIN for staff %s at location %s (%d of %d allowed in the window)", staff_id,
                        location_id, failures, throttle.max_failures)
        raise PermissionDenied("wrong staff_id or PIN")
    if throttle is not None:
        throttle.succeeded(key)
    return member


def _body(body: Any, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise InvalidInput("must be a JSON object", field="body")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    return body


def _period_of(u, tenant: uuid.UUID, member: StaffMember, day: date) -> tuple[date, date]:
    employer = employer_of(u, tenant)
    return tc.pay_period(day, member.pay_frequency, tc.weekday_number(employer.workweek_start_day),
                         employer.period_anchor)


def _check_unlocked(u, tenant: uuid.UUID, member: StaffMember, days: set[date]) -> None:
    for day in sorted(days):
        start, _ = _period_of(u, tenant, member, day)
        sheet = u.timesheets.get(tenant, member.id, start)
        if sheet is not None and sheet.status == APPROVED:
            raise Conflict(f"the timesheet of the period starting {start} is approved (locked): "
                           "reopen it with a reason first", field="timesheet")


# ---- punches -----------------------------------------------------------------------------------
def clock_in(uow: UnitOfWorkFactory, identity: Identity, body: Any, *, directory: StaffDirectory | None,
             pins: PinHasher | None, clock: Clock = utc_now, new_id: IdGenerator = uuid.uuid4,
             throttle: PinThrottle | None = None) -> dict:
    """`{location_id, staff_id?, pin?, job_code?}` -> the open shift (201). Already clocked in: 409. Too many
    wrong PINs for the staff member at this location: 429 (domain/pin_attempts.py)."""
    body = _body(body, ("location_id", "staff_id", "pin", "job_code"))
    if body.get("location_id") is None:
        raise InvalidInput("is required", field="location_id")
    location_id = parse_uuid(body["location_id"], "location_id")
    zone = directory.time_zone(identity, str(location_id)) if directory is not None else "UTC"
    now = clock()
    with uow() as u:
        member = _puncher(u, identity, body, pins, throttle, str(location_id))
        if body.get("staff_id") is not None and not identity.may_access_location(str(location_id)):
            raise PermissionDenied("this kiosk session does not work at this location")
        if str(location_id) not in {str(x) for x in member.work_location_ids}:
            raise InvalidInput("not one of this staff member's work locations", field="location_id")
        codes = [j["job_code"] for j in member.jobs]
        job_code = body.get("job_code") or staff_rules.main_job(member.jobs)
        if job_code not in codes:
            raise InvalidInput(f"not one of this staff member's jobs ({', '.join(codes)})", field="job_code")
        current = u.shifts.open_for(member.tenant_id, member.id, for_update=True)
        if current is not None:
            raise Conflict(f"already {_state(current)} since {current.clock_in_at.isoformat()} "
                           f"(shift {current.id}): clock out first", field="state")
        _check_unlocked(u, member.tenant_id, member, {now.astimezone(ZoneInfo(zone)).date()})
        shift = Shift(id=new_id(), tenant_id=member.tenant_id, staff_id=member.id, location_id=location_id,
                      job_code=job_code, time_zone=zone, clock_in_at=now, clock_out_at=None, breaks=[])
        u.shifts.add(shift)
        u.flush()  # the one-open-shift index decides a race between two clock-ins here
        _stage_punch(u, shift, "clock_in", now)
        result = shift_json(shift)
        u.commit()
    return result


def _open_shift(u, identity: Identity, body: Mapping[str, Any], pins: PinHasher | None,
                throttle: PinThrottle | None = None) -> Shift:
    member = _puncher(u, identity, body, pins, throttle)
    shift = u.shifts.open_for(member.tenant_id, member.id, for_update=True)
    if shift is None:
        raise Conflict("not clocked in (state: clocked_out)", field="state")
    return shift


def clock_out(uow: UnitOfWorkFactory, identity: Identity, body: Any, *, pins: PinHasher | None,
              clock: Clock = utc_now, throttle: PinThrottle | None = None) -> dict:
    """`{staff_id?, pin?}` -> the closed shift; a break still open ends with it."""
    body = _body(body, ("staff_id", "pin"))
    now = clock()
    with uow() as u:
        shift = _open_shift(u, identity, body, pins, throttle)
        if now <= shift.clock_in_at:
            raise Conflict("clock-out must come after the clock-in", field="state")
        shift.breaks = [{**b, "ended_at": b["ended_at"] or now.isoformat()} for b in shift.breaks]
        shift.clock_out_at = now
        _stage_punch(u, shift, "clock_out", now)
        result = shift_json(shift)
        u.commit()
    return result


def start_break(uow: UnitOfWorkFactory, identity: Identity, body: Any, *, pins: PinHasher | None,
                clock: Clock = utc_now, new_id: IdGenerator = uuid.uuid4, throttle: PinThrottle | None = None) -> dict:
    """`{staff_id?, pin?, paid?}` (unpaid unless paid is true: a meal break is unpaid, a rest break paid)."""
    body = _body(body, ("staff_id", "pin", "paid"))
    paid = body.get("paid", False)
    if not isinstance(paid, bool):
        raise InvalidInput("true or false", field="paid")
    now = clock()
    with uow() as u:
        shift = _open_shift(u, identity, body, pins, throttle)
        if _state(shift) == "on_break":
            raise Conflict("already on_break: end the break first", field="state")
        shift.breaks = [*shift.breaks, {"break_id": str(new_id()), "started_at": now.isoformat(),
                                        "ended_at": None, "paid": paid}]
        _stage_punch(u, shift, "break_start", now)
        result = shift_json(shift)
        u.commit()
    return result


def end_break(uow: UnitOfWorkFactory, identity: Identity, body: Any, *, pins: PinHasher | None,
              clock: Clock = utc_now, throttle: PinThrottle | None = None) -> dict:
    body = _body(body, ("staff_id", "pin"))
    now = clock()
    with uow() as u:
        shift = _open_shift(u, identity, body, pins, throttle)
        if _state(shift) != "on_break":
            raise Conflict("not on a break (state: clocked_in)", field="state")
        shift.breaks = [{**b, "ended_at": b["ended_at"] or now.isoformat()} for b in shift.breaks]
        _stage_punch(u, shift, "break_end", now)
        result = shift_json(shift)
        u.commit()
    return result


# ---- manager edits -----------------------------------------------------------------------------
def _aware(value: Any, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput("an ISO 8601 time with an offset", field=field)
    return parsed.astimezone(ZoneInfo("UTC"))


def _snapshot(shift: Shift) -> dict:
    return {"clock_in_at": _iso(shift.clock_in_at), "clock_out_at": _iso(shift.clock_out_at),
            "job_code": shift.job_code, "breaks": [dict(b) for b in shift.breaks]}


def edit_shift(uow: UnitOfWorkFactory, identity: Identity, shift_id: str, body: Any, *,
               clock: Clock = utc_now, new_id: IdGenerator = uuid.uuid4) -> dict:
    """staff:update. `{reason, clock_in_at?, clock_out_at?, job_code?, breaks?: [{started_at, ended_at, paid}]}`:
    fixes missed or wrong punches; the edit is kept (before, after, who, when, why)."""
    if not identity.has("staff:update"):
        raise PermissionDenied("requires staff:update")
    body = _body(body, ("reason", "clock_in_at", "clock_out_at", "job_code", "breaks"))
    sid = parse_uuid(shift_id, "shift_id")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidInput(f"say why (1 to {MAX_REASON} characters)", field="reason")
    changes: dict[str, Any] = {}
    if "clock_in_at" in body:
        changes["clock_in_at"] = _aware(body["clock_in_at"], "clock_in_at")
    if "clock_out_at" in body:
        changes["clock_out_at"] = _aware(body["clock_out_at"], "clock_out_at")
    if "breaks" in body:
        if not isinstance(body["breaks"], list):
            raise InvalidInput("a list of breaks", field="breaks")
        breaks = []
        for i, b in enumerate(body["breaks"]):
            if not isinstance(b, Mapping) or not isinstance(b.get("paid", False), bool):
                raise InvalidInput("{started_at, ended_at, paid}", field=f"breaks[{i}]")
            start = _aware(b.get("started_at"), f"breaks[{i}].started_at")
            end = _aware(b.get("ended_at"), f"breaks[{i}].ended_at")
            if end <= start:
                raise InvalidInput("must come after started_at", field=f"breaks[{i}].ended_at")
            breaks.append({"break_id": str(b.get("break_id") or new_id()), "started_at": start.isoformat(),
                           "ended_at": end.isoformat(), "paid": bool(b.get("paid", False))})
        changes["breaks"] = breaks
    with uow() as u:
        shift = u.shifts.get(identity.tenant_uuid, sid, for_update=True)
        if shift is None or not identity.may_access_location(str(shift.location_id)):
            raise NotFound("no such shift")
        member = u.staff.get(identity.tenant_uuid, shift.staff_id)
        if member is None:
            raise NotFound("no such shift")
        if "job_code" in body and body["job_code"] not in [j["job_code"] for j in member.jobs]:
            raise InvalidInput("not one of this staff member's jobs", field="job_code")
        zone = ZoneInfo(shift.time_zone)
        before = _snapshot(shift)
        new_in = changes.get("clock_in_at", shift.clock_in_at)
        new_out = changes.get("clock_out_at", shift.clock_out_at)
        if new_out is not None and new_out <= new_in:
            raise InvalidInput("must come after clock_in_at", field="clock_out_at")
        for i, b in enumerate(changes.get("breaks", [])):
            if datetime.fromisoformat(b["started_at"]) < new_in or (
                    new_out is not None and datetime.fromisoformat(b["ended_at"]) > new_out):
                raise InvalidInput("must lie within the shift", field=f"breaks[{i}]")
        _check_unlocked(u, identity.tenant_uuid, member,
                        {shift.clock_in_at.astimezone(zone).date(), new_in.astimezone(zone).date()})
        shift.clock_in_at, shift.clock_out_at = new_in, new_out
        if "job_code" in body:
            shift.job_code = body["job_code"]
        if "breaks" in changes:
            shift.breaks = changes["breaks"]
        edit = PunchEdit(id=new_id(), tenant_id=shift.tenant_id, shift_id=shift.id,
                         edited_by=uuid.UUID(identity.subject) if not identity.is_service else uuid.UUID(int=0),
                         edited_at=clock(), before=before, after=_snapshot(shift), reason=reason.strip())
        u.shifts.add_edit(edit)
        _stage_punch(u, shift, "edited", edit.edited_at, identity.subject, edit.reason)
        result = {**shift_json(shift), "edit": _edit_json(edit)}
        u.commit()
    return result


def _edit_json(edit: PunchEdit) -> dict:
    return {"edit_id": str(edit.id), "shift_id": str(edit.shift_id), "edited_by": str(edit.edited_by),
            "edited_at": _iso(edit.edited_at), "before": edit.before, "after": edit.after, "reason": edit.reason}


# ---- timesheets --------------------------------------------------------------------------------
def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput("a date (YYYY-MM-DD)", field=field) from None


def _member_for_sheet(u, identity: Identity, staff_id: uuid.UUID) -> StaffMember:
    member = u.staff.get(identity.tenant_uuid, staff_id)
    if member is None or not identity.may("staff:read", str(member.user_id) if member.user_id else None):
        raise NotFound("no such staff member")
    return member


def _hours(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _sheet_json(u, identity: Identity, member: StaffMember, start: date, end: date, now: datetime) -> dict:
    employer = employer_of(u, identity.tenant_uuid)
    weeks = (end - start).days // 7 + 1
    # Shifts clocked in from two days before the period (a night shift crossing into it) to its end.
    lo = datetime.combine(start - timedelta(days=2), time(0), tzinfo=ZoneInfo("UTC"))
    hi = datetime.combine(end + timedelta(days=2), time(0), tzinfo=ZoneInfo("UTC"))
    rows = u.shifts.between(identity.tenant_uuid, member.id, lo, hi)
    shifts = [_domain_shift(r) for r in rows]
    hours = tc.hours_by_day_and_job(shifts)
    in_period = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    touching = [r for r in rows if start <= r.clock_in_at.astimezone(ZoneInfo(r.time_zone)).date() <= end
                or any(day in in_period for (day, _job) in tc.hours_by_day_and_job([_domain_shift(r)]))]
    main = staff_rules.main_job(member.jobs)
    days = []
    for day in in_period:
        jobs = {job: h for (d, job), h in sorted(hours.items()) if d == day}
        days.append({"date": day.isoformat(), "jobs": {job: _hours(h) for job, h in jobs.items()},
                     "hours": _hours(sum(jobs.values(), Decimal(0)))})
    total = sum((h for (d, _job), h in hours.items() if start <= d <= end), Decimal(0))
    workweeks = tc.workweeks_for_period(shifts, start, weeks, main)
    premiums = tc.meal_premiums_per_workweek(shifts, start, weeks)
    if employer.break_premiums:  # the employer turned the California rule on: the pay engine pays them
        for week, count in zip(workweeks, premiums, strict=True):
            if count:
                week["break_premiums"] = count
    sheet = u.timesheets.get(identity.tenant_uuid, member.id, start)
    edits = u.shifts.edits(identity.tenant_uuid, [r.id for r in touching])
    return {"staff_id": str(member.id), "period": {"start": start.isoformat(), "end": end.isoformat(),
                                                    "pay_frequency": member.pay_frequency,
                                                    "workweek_start_day": employer.workweek_start_day},
            "status": sheet.status if sheet else OPEN,
            "approved_by": str(sheet.approved_by) if sheet and sheet.approved_by else None,
            "approved_at": _iso(sheet.approved_at) if sheet else None,
            "history": list(sheet.history) if sheet else [],
            "main_job": main, "days": days,
            "total_hours": _hours(total),
            "workweeks": workweeks, "meal_premiums": premiums,
            "flags": [f.as_json() for f in tc.flags([_domain_shift(r) for r in touching], now)],
            "shifts": [shift_json(r) for r in touching], "edits": [_edit_json(e) for e in edits]}


def get_timesheet(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, day: str | None = None, *,
                  clock: Clock = utc_now) -> dict:
    """The pay period holding `day` (default today in UTC): staff:read, or staff:read:own for one's own."""
    if not (identity.has("staff:read") or identity.has("staff:read:own")):
        raise PermissionDenied("requires staff:read")
    member_id = parse_uuid(staff_id, "staff_id")
    now = clock()
    when = _day(day, "date") if day is not None else now.date()
    with uow() as u:
        member = _member_for_sheet(u, identity, member_id)
        start, end = _period_of(u, identity.tenant_uuid, member, when)
        return _sheet_json(u, identity, member, start, end, now)


def _decide(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, body: Any, *, approve: bool,
            clock: Clock, new_id: IdGenerator) -> dict:
    if not identity.has("staff:update"):
        raise PermissionDenied("requires staff:update")
    body = _body(body, ("period_start", "reason"))
    member_id = parse_uuid(staff_id, "staff_id")
    if body.get("period_start") is None:
        raise InvalidInput("is required", field="period_start")
    period_start = _day(body["period_start"], "period_start")
    reason = body.get("reason")
    if not approve and (not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON):
        raise InvalidInput(f"say why (1 to {MAX_REASON} characters)", field="reason")
    now = clock()
    with uow() as u:
        tenant = identity.tenant_uuid
        member = _member_for_sheet(u, identity, member_id)
        start, end = _period_of(u, tenant, member, period_start)
        if start != period_start:
            raise InvalidInput(f"not the start of a pay period (the period holding it starts {start})",
                               field="period_start")
        sheet = u.timesheets.get(tenant, member.id, start, for_update=True)
        if approve:
            if sheet is not None and sheet.status == APPROVED:
                raise Conflict("already approved", field="status")
            current = _sheet_json(u, identity, member, start, end, now)
            if any(s["state"] != "clocked_out" for s in current["shifts"]):
                raise Conflict("a shift in this period is still open: fix the punches first", field="shifts")
        elif sheet is None or sheet.status != APPROVED:
            raise Conflict("not approved: nothing to reopen", field="status")
        if sheet is None:
            sheet = Timesheet(id=new_id(), tenant_id=tenant, staff_id=member.id, period_start=start,
                              period_end=end, status=OPEN, approved_by=None, approved_at=None, history=[])
            u.timesheets.add(sheet)
        entry = {"action": "approved" if approve else "reopened", "by": identity.subject, "at": now.isoformat()}
        if not approve:
            entry["reason"] = reason.strip()
        sheet.history = [*sheet.history, entry]
        sheet.status = APPROVED if approve else OPEN
        sheet.approved_by = uuid.UUID(identity.subject) if approve and not identity.is_service else None
        sheet.approved_at = now if approve else None
        u.flush()
        u.add_event(TOPIC, str(member.id), events_pb2.TimesheetStatusChanged(
            tenant_id=str(tenant), staff_id=str(member.id), period_start=start.isoformat(),
            period_end=end.isoformat(), status=sheet.status, changed_by=identity.subject,
            reason=entry.get("reason", ""), occurred_at=to_timestamp(now)), subject=str(sheet.id))
        result = _sheet_json(u, identity, member, start, end, now)
        u.commit()
    return result


def approve_timesheet(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, body: Any, *,
                      clock: Clock = utc_now, new_id: IdGenerator = uuid.uuid4) -> dict:
    """staff:update. `{period_start}`: locks the period's punches (no open shift may remain)."""
    return _decide(uow, identity, staff_id, body, approve=True, clock=clock, new_id=new_id)


def reopen_timesheet(uow: UnitOfWorkFactory, identity: Identity, staff_id: str, body: Any, *,
                     clock: Clock = utc_now, new_id: IdGenerator = uuid.uuid4) -> dict:
    """staff:update. `{period_start, reason}`: unlocks an approved period."""
    return _decide(uow, identity, staff_id, body, approve=False, clock=clock, new_id=new_id)
