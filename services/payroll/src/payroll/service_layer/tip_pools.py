"""Tip pools: a policy per location (REST to configure) and the distribution of a workweek's pooled tips
into per-employee tip records, which the weekly tip-credit top-up then counts. One unit of work each;
TipPoolDistributed is staged with the records.

Distributing a workweek (`distribute_workweek`):
1. the workweek is the employer's fixed one (it must start on the employer's workweek start day), in the
   location's time zone (asked of the directory before the transaction opens);
2. hours per staff member and job come from the shifts clocked at the location (hours on the workweek's
   local days only; a shift still open is refused: a missed punch would short someone's share);
3. tips are the live order and manual tips earned at the location in the workweek. Tips name the auth
   user who served (`staff_id` of a tip = the staff member's `user_id`; a staff member without a login:
   the staff member's id), shifts the payroll staff member: the pool works by staff member and writes its
   records under the id the staff member's tips use (`tip_staff_id` in the answer and the event);
4. `domain.tip_pools.pool_week` works out who pays in and who receives what;
5. the records of an earlier run of the same workweek are voided and the new ones written: `pool` rows
   (received, positive) and `pool_contribution` rows (paid in, negative), dated at the workweek's start.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from auraconnect.payroll.v1 import events_pb2
from chassis.bootstrap import Clock, IdGenerator, utc_now
from chassis.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from payroll.adapters.orm import TipPoolPolicy, TipPoolRun, TipRecord
from payroll.domain import timeclock as tc
from payroll.domain import tips as tip_rules
from payroll.domain.tip_pools import SOURCES, PoolPolicy, WorkedHours, pool_week
from payroll.service_layer.ports import StaffDirectory
from payroll.service_layer.staff import employer_of
from payroll.service_layer.timeclock import _domain_shift

TOPIC = "payroll.tip.v1"
POOL, POOL_CONTRIBUTION = "pool", "pool_contribution"
FIRST_YEAR, LAST_YEAR = 2000, 2100  # payroll dates outside these are typos (and date arithmetic overflows)
POOLED_SOURCES = (tip_rules.ORDER, tip_rules.PAYMENT, tip_rules.MANUAL)  # never earlier pool rows


def _location(identity: Identity, location_id: str) -> uuid.UUID:
    location = parse_uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    return location


def _actor(identity: Identity) -> uuid.UUID | None:
    return None if identity.is_service else parse_uuid(identity.subject, "sub")


def policy_json(location_id: uuid.UUID, row: TipPoolPolicy) -> dict:
    return {"location_id": str(location_id), **row.policy, "updated_at": row.updated_at.isoformat(),
            "sources": list(SOURCES)}


def set_policy(uow: UnitOfWorkFactory, identity: Identity, location_id: str, body: Any, *,
               directory: StaffDirectory | None, clock: Clock = utc_now) -> dict:
    """Create or replace the location's tip pool policy: payroll:update. The legal limits are checked
    (domain.tip_pools.PoolPolicy.from_dict): a manager with points, or back of house with a tip credit,
    is refused naming the field."""
    if not identity.has("payroll:update"):
        raise PermissionDenied("missing permission payroll:update")
    location = _location(identity, location_id)
    policy = PoolPolicy.from_dict(body)
    if directory is None:
        raise DependencyUnavailable("auth directory not configured (AUTH_GRPC_ADDR)")
    directory.check_location(identity, str(location), "location_id")
    with uow() as work:
        row = work.tip_pools.policy(identity.tenant_uuid, location, for_update=True)
        if row is None:
            row = TipPoolPolicy(tenant_id=identity.tenant_uuid, location_id=location)
            row.created_at = clock()
            work.tip_pools.add_policy(row)
        row.policy = policy.to_dict()
        row.updated_by = _actor(identity)
        row.updated_at = clock()
        work.commit()
        return policy_json(location, row)


def get_policy(uow: UnitOfWorkFactory, identity: Identity, location_id: str) -> dict:
    """The location's tip pool policy: payroll:read."""
    if not identity.has("payroll:read"):
        raise PermissionDenied("missing permission payroll:read")
    location = _location(identity, location_id)
    with uow() as work:
        row = work.tip_pools.policy(identity.tenant_uuid, location)
        if row is None:
            raise NotFound("no tip pool policy at this location", field="location_id")
        return policy_json(location, row)


def _workweek(body: Any) -> date:
    if not isinstance(body, dict):
        raise InvalidInput("must be an object", field="request")
    for key in body:
        if key != "workweek_start":
            raise InvalidInput("unknown field", field=str(key))
    value = body.get("workweek_start")
    if value is None:
        raise InvalidInput("is required", field="workweek_start")
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field="workweek_start") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}", field="workweek_start")
    return day


def _hours(shifts, first_day: date) -> list[WorkedHours]:
    days = {first_day + timedelta(days=i) for i in range(7)}
    per: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for staff_id, staff_shifts in shifts.items():
        for (day, job), hours in tc.hours_by_day_and_job(staff_shifts).items():
            if day in days:
                per[(staff_id, job)] += hours
    return [WorkedHours(s, job, h) for (s, job), h in sorted(per.items())]


def run_json(run: TipPoolRun) -> dict:
    return {"pool_run_id": str(run.id), "location_id": str(run.location_id),
            "workweek_start": run.workweek_start.isoformat(), "version": run.version,
            "distributed_at": run.distributed_at.isoformat(), **run.result}


def distribute_workweek(uow: UnitOfWorkFactory, identity: Identity, location_id: str, body: Any, *,
                        directory: StaffDirectory | None, clock: Clock = utc_now,
                        new_id: IdGenerator = uuid.uuid4) -> dict:
    """Share a workweek's pooled tips at a location into tip records: payroll:create. Run again (tips
    changed, a shift was corrected), it replaces its earlier records and bumps the version."""
    if not identity.has("payroll:create"):
        raise PermissionDenied("missing permission payroll:create")
    location = _location(identity, location_id)
    first_day = _workweek(body)
    if directory is None:
        raise DependencyUnavailable("auth directory not configured (AUTH_GRPC_ADDR)")
    zone = ZoneInfo(directory.time_zone(identity, str(location), "location_id"))
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(first_day + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    tenant = identity.tenant_uuid
    now = clock()
    with uow() as work:
        employer = employer_of(work, tenant)
        if first_day.weekday() != tc.weekday_number(employer.workweek_start_day):
            raise InvalidInput(f"the employer's workweek starts on {employer.workweek_start_day}s",
                               field="workweek_start")
        row = work.tip_pools.policy(tenant, location)
        if row is None:
            raise Conflict("no tip pool policy at this location: set one first", field="location_id")
        policy = PoolPolicy.from_dict(row.policy)
        # A shift clocked in the evening before may run into the workweek's first local day.
        shifts = work.shifts.at_location(tenant, location, start - timedelta(days=1), end)
        open_shifts = [s for s in shifts if s.clock_out_at is None]
        if open_shifts:
            raise Conflict(f"shift {open_shifts[0].id} of staff {open_shifts[0].staff_id} is still open (missed "
                           "clock-out?): close it before sharing the pool", field="workweek_start")
        by_staff: dict[str, list[tc.Shift]] = defaultdict(list)
        for s in shifts:
            if s.clock_out_at is not None:
                by_staff[str(s.staff_id)].append(_domain_shift(s))
        # Shifts name the payroll staff member; tips name the auth user who served (staff without a login:
        # the staff member). Pool by staff member, record under the id the staff member's tips use.
        tip_id_of = {str(m.id): str(m.user_id or m.id) for m in work.staff.list(tenant)}
        member_of = {tip_id: member for member, tip_id in tip_id_of.items()}
        tips: dict[str, int] = defaultdict(int)
        for t in work.tips.at_location(tenant, location, start, end, POOLED_SOURCES):
            tips[member_of.get(str(t.staff_id), str(t.staff_id))] += t.tip_cents
        result = pool_week(policy, _hours(by_staff, first_day), dict(tips))

        run = work.tip_pools.run(tenant, location, first_day, for_update=True)
        if run is None:
            run = TipPoolRun(id=new_id(), tenant_id=tenant, location_id=location, workweek_start=first_day,
                             version=1)
            work.tip_pools.add_run(run)
        else:
            for old in work.tips.of_pool_run(run.id):
                old.deleted_at = now
                old.note = f"{old.note}; replaced by run version {run.version + 1}"
            run.version += 1
        run.pool_cents = result.pool_cents
        outcome = result.to_dict()
        for share in outcome["shares"]:
            share["tip_staff_id"] = tip_id_of.get(share["staff_id"], share["staff_id"])
        run.result = {**outcome, "policy": policy.to_dict()}
        run.distributed_by = _actor(identity)
        run.distributed_at = now
        note = f"tip pool, workweek of {first_day.isoformat()} (run version {run.version})"
        for share in result.shares:
            for source, cents in ((POOL_CONTRIBUTION, -share.contributed), (POOL, share.received)):
                if cents:
                    tip_staff = uuid.UUID(tip_id_of.get(share.staff_id, share.staff_id))
                    work.tips.add(TipRecord(id=new_id(), tenant_id=tenant, staff_id=tip_staff,
                                            order_id=None, location_id=location, source=source, note=note,
                                            entered_by=run.distributed_by, tip_cents=cents, earned_at=start,
                                            pool_run_id=run.id))
        work.flush()
        work.add_event(TOPIC, str(location), events_pb2.TipPoolDistributed(
            tenant_id=str(tenant), location_id=str(location), pool_run_id=str(run.id),
            workweek_start=first_day.isoformat(), version=run.version, pool_cents=result.pool_cents,
            shares=[events_pb2.TipPoolShare(staff_id=s.staff_id, contributed_cents=s.contributed,
                                            received_cents=s.received, weight=str(s.weight),
                                            tip_staff_id=tip_id_of.get(s.staff_id, s.staff_id))
                    for s in result.shares],
            distributed_at=to_timestamp(now)), subject=str(run.id))
        work.commit()
        return run_json(run)


def get_run(uow: UnitOfWorkFactory, identity: Identity, location_id: str, workweek_start: str) -> dict:
    """A workweek's pool as last distributed: payroll:read."""
    if not identity.has("payroll:read"):
        raise PermissionDenied("missing permission payroll:read")
    location = _location(identity, location_id)
    first_day = _workweek({"workweek_start": workweek_start})
    with uow() as work:
        run = work.tip_pools.run(identity.tenant_uuid, location, first_day)
        if run is None:
            raise NotFound("this workweek's pool was not distributed", field="workweek_start")
        return run_json(run)
