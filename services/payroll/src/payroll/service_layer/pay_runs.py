"""Pay runs: the API's use cases (create, read, approve, finalize) and the worker's (claim a job, run it).

A run is executed by the worker process in phases (domain/pay_runs.py). Each phase is a job in the
`pay_run_jobs` queue, claimed with SELECT ... FOR UPDATE SKIP LOCKED and held by a lease the worker
renews; a worker that dies leaves its lease to expire and another (or the same, restarted) claims it.

Safe to interrupt: work is done in chunks, each committed in one transaction that also renews the lease
(a worker that lost its lease is fenced out: its chunk rolls back). The preview phase skips employees
already previewed; the finalize phase writes, per employee, the paycheck (unique per run and employee),
its PaycheckFinalized event (outbox) and the item's new status in the chunk's transaction, and skips
employees already paid. So a killed and restarted worker finishes the run paying everyone exactly once.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from auraconnect.payroll.v1 import events_pb2
from chassis.bootstrap import Clock, IdGenerator, utc_now
from chassis.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity, service_identity
from chassis.outbox import PendingEvent
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from payroll.adapters.orm import PayRun, PayRunItem, PayRunJob
from payroll.config import SERVICE
from payroll.domain import pay_runs as rules
from payroll.domain import staff as staff_rules
from payroll.domain import timeclock as tc
from payroll.domain.pay.money import ZERO, fmt_money
from payroll.domain.pay.paycheck import Paycheck as ComputedPaycheck
from payroll.domain.pay.taxes import EMPLOYEE_TAXES, EMPLOYER_TAXES, TAXABLE_WAGES
from payroll.domain.stubs import PayStub, StubEmployee, StubParty, build_stub
from payroll.service_layer.paychecks import compute_paychecks
from payroll.service_layer.ports import ProgressBoard, StaffDirectory, WithholdingCalculator
from payroll.service_layer.staff import employer_of
from payroll.service_layer.timeclock import _domain_shift

log = logging.getLogger(__name__)

PAYCHECK_TOPIC = "payroll.paycheck.v1"
CHUNK_SIZE = 200  # employees per tax batch call and per finalization transaction
MAX_LOCATIONS = 50
# Paycheck ids are derived from (run, employee): a finalization retried anywhere names the same paycheck.
PAYCHECK_NAMESPACE = uuid.UUID("6f1d3c52-3d7e-4d0c-9d1a-7a8a2b1c5e10")


def _require(identity: Identity, *permissions: str) -> None:
    if not any(identity.has(p) for p in permissions):
        raise PermissionDenied(f"requires {' or '.join(permissions)}")


def _date(body: Mapping[str, Any], field: str) -> date:
    raw = body.get(field)
    if raw is None:
        raise InvalidInput("is required (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise InvalidInput("a date (YYYY-MM-DD)", field=field) from None


def paycheck_id(run_id: uuid.UUID, staff_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(PAYCHECK_NAMESPACE, f"{run_id}:{staff_id}")


# ---- views -------------------------------------------------------------------------------------
def run_json(run: PayRun, counts: Mapping[str, int] | None = None) -> dict[str, Any]:
    return {"run_id": str(run.id), "status": run.status, "period": {
                "start": run.period_start.isoformat(), "end": run.period_end.isoformat(),
                "pay_frequency": run.pay_frequency},
            "pay_date": run.pay_date.isoformat(), "location_ids": sorted(run.locations),
            "created_by": run.created_by, "created_at": run.created_at.isoformat() if run.created_at else None,
            "approved_by": run.approved_by, "approved_at": run.approved_at.isoformat() if run.approved_at else None,
            "finalized_at": run.finalized_at.isoformat() if run.finalized_at else None,
            "totals": dict(run.totals or {}), "items": dict(counts or {}), "error": run.error}


def item_json(item: PayRunItem) -> dict[str, Any]:
    return {"staff_id": str(item.staff_id), "display_name": item.display_name, "status": item.status,
            "request": item.request, "paycheck": item.result, "error": item.error,
            "paycheck_id": str(paycheck_id(item.run_id, item.staff_id)) if item.status == rules.ITEM_FINALIZED
            else None}


def _progress(run_id: uuid.UUID, status: str, phase: str, done: int, total: int, now: datetime) -> dict[str, Any]:
    return {"run_id": str(run_id), "status": status, "phase": phase, "done": done, "total": total,
            "updated_at": now.isoformat()}


# ---- API use cases -----------------------------------------------------------------------------
def create_pay_run(uow: UnitOfWorkFactory, identity: Identity, body: Any, *, directory: StaffDirectory | None,
                   progress: ProgressBoard | None, clock: Clock = utc_now,
                   new_id: IdGenerator = uuid.uuid4) -> dict[str, Any]:
    """payroll:create. `{period_start, pay_date, location_ids[], pay_frequency?}`: queues the preview of
    every employee whose home location is in the group; answers 202-style (status previewing)."""
    _require(identity, "payroll:create")
    if not isinstance(body, Mapping):
        raise InvalidInput("a JSON object", field="body")
    unknown = set(body) - {"period_start", "pay_date", "location_ids", "pay_frequency"}
    if unknown:
        raise InvalidInput("unknown field", field=sorted(unknown)[0])
    period_start, pay_date = _date(body, "period_start"), _date(body, "pay_date")
    raw_locations = body.get("location_ids")
    if not isinstance(raw_locations, list) or not 1 <= len(raw_locations) <= MAX_LOCATIONS:
        raise InvalidInput(f"1 to {MAX_LOCATIONS} location ids (the location group)", field="location_ids")
    location_ids = [str(parse_uuid(x, f"location_ids[{i}]")) for i, x in enumerate(raw_locations)]
    if len(set(location_ids)) != len(location_ids):
        raise InvalidInput("a location is listed twice", field="location_ids")
    if directory is None:
        raise DependencyUnavailable("auth not configured (AUTH_GRPC_ADDR)")
    locations = {loc: directory.location(identity, loc, f"location_ids[{i}]") for i, loc in enumerate(location_ids)}
    now = clock()
    with uow() as u:
        tenant = identity.tenant_uuid
        employer = employer_of(u, tenant)
        frequency = body.get("pay_frequency") or employer.pay_frequency
        staff_rules.pay_frequency(frequency)
        start, end = tc.pay_period(period_start, frequency, tc.weekday_number(employer.workweek_start_day),
                                   employer.period_anchor)
        if start != period_start:
            raise InvalidInput(f"not the start of a {frequency} pay period (the period holding it starts {start})",
                               field="period_start")
        if pay_date < end:
            raise InvalidInput(f"wages are paid after the period ends ({end})", field="pay_date")
        for other in u.pay_runs.active_for_period(tenant, start):
            shared = sorted(set(other.locations) & set(location_ids))
            if shared and other.pay_frequency == frequency:
                raise Conflict(f"run {other.id} ({other.status}) already pays location {shared[0]} for this period",
                               field="location_ids")
        run = PayRun(id=new_id(), tenant_id=tenant, period_start=start, period_end=end, pay_date=pay_date,
                     pay_frequency=frequency, locations=locations, status=rules.PREVIEWING,
                     created_by=identity.subject, approved_by=None, approved_at=None, finalized_at=None,
                     totals={}, error=None)
        u.pay_runs.add(run)
        u.flush()
        u.pay_runs.add_job(PayRunJob(id=new_id(), tenant_id=tenant, run_id=run.id, kind=rules.JOB_PREVIEW,
                                     status=rules.JOB_QUEUED, attempts=0, enqueued_at=now))
        u.flush()
        result = run_json(run)
        u.commit()
    if progress is not None:
        progress.publish(result["run_id"], _progress(run.id, rules.PREVIEWING, "queued", 0, 0, now))
    return result


def _run_for(u, identity: Identity, run_id: str, *, for_update: bool = False) -> PayRun:
    run = u.pay_runs.get(identity.tenant_uuid, parse_uuid(run_id, "run_id"), for_update=for_update)
    if run is None:
        raise NotFound("no such pay run", field="run_id")
    return run


def get_pay_run(uow: UnitOfWorkFactory, identity: Identity, run_id: str) -> dict[str, Any]:
    """payroll:read."""
    _require(identity, "payroll:read")
    with uow() as u:
        run = _run_for(u, identity, run_id)
        return run_json(run, u.pay_runs.item_counts(run.id))


def list_pay_runs(uow: UnitOfWorkFactory, identity: Identity) -> dict[str, Any]:
    """payroll:read. The tenant's latest runs, newest first."""
    _require(identity, "payroll:read")
    with uow() as u:
        return {"pay_runs": [run_json(r) for r in u.pay_runs.list(identity.tenant_uuid)]}


def list_items(uow: UnitOfWorkFactory, identity: Identity, run_id: str) -> dict[str, Any]:
    """payroll:read. Every employee of the run: the request, the paycheck (preview) or the error."""
    _require(identity, "payroll:read")
    with uow() as u:
        run = _run_for(u, identity, run_id)
        return {"run_id": str(run.id), "status": run.status, "items": [item_json(i) for i in u.pay_runs.items(run.id)]}


def _stub_parties(identity: Identity, run: PayRun, home: str,
                  directory: StaffDirectory | None) -> tuple[StubParty, StubParty]:
    """The employer (the tenant, by name) and the employee's home location (name and address: as auth said
    when the run was created, or asked now for a run created before names were kept). Auth down or not
    configured: placeholders, the stub's figures do not depend on them."""
    stored = run.locations.get(home) or {}
    location = StubParty(stored.get("name") or (f"Location {home}" if home else "-"), stored.get("address") or "", home)
    employer = StubParty("Employer", "", str(run.tenant_id))
    if directory is None:
        return employer, location
    try:
        found = directory.employer(identity)
        employer = StubParty(found.get("name") or "Employer", "", str(run.tenant_id))
        if not stored.get("name") and home:
            loc = directory.location(identity, home, "staff_id")
            location = StubParty(loc.get("name") or location.name, loc.get("address") or "", home)
    except (DependencyUnavailable, InvalidInput) as error:
        log.warning("pay stub of run %s without names from auth: %s", run.id, type(error).__name__)
    return employer, location


def item_stub(uow: UnitOfWorkFactory, identity: Identity, run_id: str, staff_id: str, *,
              directory: StaffDirectory | None = None) -> PayStub:
    """payroll:read. The pay stub of an employee's paycheck in the run (headed PREVIEW until finalized),
    with the year to date of the employee's earlier finalized paychecks (payroll's own, this year, paid
    on or before this pay date). The explanation lines are the preview endpoint's (not stored)."""
    _require(identity, "payroll:read")
    with uow() as u:
        run = _run_for(u, identity, run_id)
        item = u.pay_runs.item(run.id, parse_uuid(staff_id, "staff_id"))
        if item is None or item.result is None:
            raise NotFound("no paycheck for this staff member in this run", field="staff_id")
        [member] = u.staff.by_ids(run.tenant_id, [item.staff_id]) or [None]
        earlier = u.pay_runs.earlier_paychecks(run.tenant_id, item.staff_id, run.pay_date.year, run.pay_date, run.id)
        home = str(member.home_location_id) if member is not None else ""
        employee = StubEmployee(item.display_name, member.ssn_last4 if member is not None else None, str(item.staff_id))
        employer, location = _stub_parties(identity, run, home, directory)
        ytd: dict[str, Decimal] = {}
        for old in earlier:
            for key, amount in build_stub(old.result, employer=employer, employee=employee, location=location,
                                          with_explanation=False).current_amounts().items():
                ytd[key] = ytd.get(key, ZERO) + amount
        finalized = item.status == rules.ITEM_FINALIZED
        return build_stub(item.result, employer=employer, employee=employee, location=location,
                          period_start=run.period_start, period_end=run.period_end, ytd_before=ytd,
                          paycheck_id=str(paycheck_id(run.id, item.staff_id)) if finalized else "",
                          preview=not finalized)


def approve_pay_run(uow: UnitOfWorkFactory, identity: Identity, run_id: str, *, clock: Clock = utc_now) -> dict[str, Any]:
    """payroll:update. A previewed run with no employee in error."""
    _require(identity, "payroll:update")
    with uow() as u:
        run = _run_for(u, identity, run_id, for_update=True)
        counts = u.pay_runs.item_counts(run.id)
        rules.check_approvable(run.status, counts.get(rules.ITEM_ERROR, 0))
        run.status, run.approved_by, run.approved_at = rules.APPROVED, identity.subject, clock()
        u.flush()
        result = run_json(run, counts)
        u.commit()
    return result


def finalize_pay_run(uow: UnitOfWorkFactory, identity: Identity, run_id: str, *, progress: ProgressBoard | None,
                     clock: Clock = utc_now, new_id: IdGenerator = uuid.uuid4) -> dict[str, Any]:
    """payroll:create. Queues the finalization of an approved run (the worker writes the paychecks).
    Asked again while finalizing or completed: the run as it is (a retried request never pays twice)."""
    _require(identity, "payroll:create")
    now = clock()
    with uow() as u:
        run = _run_for(u, identity, run_id, for_update=True)
        counts = u.pay_runs.item_counts(run.id)
        if run.status in (rules.FINALIZING, rules.COMPLETED):
            return run_json(run, counts)
        rules.check_finalizable(run.status)
        run.status = rules.FINALIZING
        u.pay_runs.add_job(PayRunJob(id=new_id(), tenant_id=run.tenant_id, run_id=run.id, kind=rules.JOB_FINALIZE,
                                     status=rules.JOB_QUEUED, attempts=0, enqueued_at=now))
        u.flush()
        result = run_json(run, counts)
        u.commit()
    if progress is not None:
        progress.publish(result["run_id"], _progress(run.id, rules.FINALIZING, "queued", 0,
                                                     counts.get(rules.ITEM_PREVIEWED, 0), now))
    return result


def progress_of(uow: UnitOfWorkFactory, identity: Identity, run_id: str, *,
                progress: ProgressBoard | None) -> dict[str, Any]:
    """payroll:read. The board's progress (Redis), or what the database says when the board has none."""
    _require(identity, "payroll:read")
    with uow() as u:
        run = _run_for(u, identity, run_id)
        status = run.status
        counts = u.pay_runs.item_counts(run.id) if progress is None else None
    board = progress.read(str(run.id)) if progress is not None else None
    if board is not None and board.get("status") == status:
        return board
    if counts is None:
        with uow() as u:
            counts = u.pay_runs.item_counts(run.id)
    done = counts.get(rules.ITEM_FINALIZED, 0) if status in (rules.FINALIZING, rules.COMPLETED) else sum(counts.values())
    total = sum(counts.values())
    return _progress(run.id, status, "done" if status in (rules.PREVIEWED, rules.APPROVED, rules.COMPLETED,
                                                            rules.FAILED) else "running", done, total, utc_now())


# ---- the worker --------------------------------------------------------------------------------
class LeaseLost(Exception):
    """Another worker took the job over (our lease expired): stop without committing anything more."""


@dataclass(frozen=True)
class ClaimedJob:
    job_id: uuid.UUID
    run_id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    owner: str
    attempts: int
    started_at: datetime


def claim_job(uow: UnitOfWorkFactory, owner: str, *, lease_seconds: float, clock: Clock = utc_now) -> ClaimedJob | None:
    """The oldest job that is queued or whose worker's lease expired, now leased to `owner`. A job that
    has already been tried MAX_ATTEMPTS times fails (with its run) instead of being tried again."""
    now = clock()
    with uow() as u:
        job = u.pay_runs.claimable_job(now)
        if job is None:
            return None
        if job.attempts >= rules.MAX_ATTEMPTS:
            _fail(u, job, f"gave up after {job.attempts} attempts (the worker died or failed each time)", now)
            u.commit()
            return None
        if job.status == rules.JOB_RUNNING:
            log.warning("pay run %s: job %s of %s expired (lease %s); taking it over", job.run_id, job.id,
                        job.lease_owner, job.lease_expires_at)
        job.status, job.attempts, job.lease_owner = rules.JOB_RUNNING, job.attempts + 1, owner
        job.lease_expires_at = now + timedelta(seconds=lease_seconds)
        job.started_at = job.started_at or now
        claimed = ClaimedJob(job.id, job.run_id, job.tenant_id, job.kind, owner, job.attempts, job.started_at)
        u.commit()
    return claimed


def renew_lease(uow: UnitOfWorkFactory, job: ClaimedJob, *, lease_seconds: float, clock: Clock = utc_now) -> bool:
    """The heartbeat: False when the job is no longer ours."""
    with uow() as u:
        ok = u.pay_runs.renew_lease(job.job_id, job.owner, clock() + timedelta(seconds=lease_seconds))
        u.commit()
    return ok


def _fence(u, job: ClaimedJob, lease_seconds: float, now: datetime) -> None:
    """In a chunk's transaction: renew our lease, or raise LeaseLost (the chunk then rolls back)."""
    if not u.pay_runs.renew_lease(job.job_id, job.owner, now + timedelta(seconds=lease_seconds)):
        raise LeaseLost(f"job {job.job_id}: lease lost")


def _fail(u, job: PayRunJob, error: str, now: datetime) -> None:
    job.status, job.finished_at, job.error, job.lease_owner = rules.JOB_FAILED, now, error[:2000], None
    run = u.pay_runs.get(None, job.run_id, for_update=True)
    if run is not None:
        run.status, run.error = rules.FAILED, error[:2000]


def fail_job(uow: UnitOfWorkFactory, job: ClaimedJob, error: str, *, progress: ProgressBoard | None = None,
             clock: Clock = utc_now) -> None:
    """A job that failed for good (a bug, bad data no retry fixes): the job and its run are failed."""
    now = clock()
    with uow() as u:
        row = u.pay_runs.job(job.job_id, for_update=True)
        if row is None or row.lease_owner != job.owner:
            return
        _fail(u, row, error, now)
        u.commit()
    if progress is not None:
        progress.publish(str(job.run_id), _progress(job.run_id, rules.FAILED, "failed", 0, 0, now))


def release_job(uow: UnitOfWorkFactory, job: ClaimedJob) -> None:
    """A transient failure (tax down): back in the queue at once, for another attempt."""
    with uow() as u:
        row = u.pay_runs.job(job.job_id, for_update=True)
        if row is not None and row.lease_owner == job.owner and row.status == rules.JOB_RUNNING:
            row.status, row.lease_owner, row.lease_expires_at = rules.JOB_QUEUED, None, None
            u.commit()


def oldest_running_age(uow: UnitOfWorkFactory, *, clock: Clock = utc_now) -> float:
    """Seconds since the oldest running job started (0 when none): the stuck-run alert's gauge."""
    with uow() as u:
        since = u.pay_runs.oldest_running_since()
    return max(0.0, (clock() - since).total_seconds()) if since else 0.0


@dataclass
class PhaseTimer:
    """Seconds spent per phase of a job (printed by the bench, logged by the worker)."""

    seconds: dict[str, float]
    clock: Callable[[], float]

    def add(self, phase: str, started: float) -> float:
        now = self.clock()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - started
        return now


def run_job(uow: UnitOfWorkFactory, job: ClaimedJob, *, tax: WithholdingCalculator | None,
            progress: ProgressBoard | None, clock: Clock = utc_now, new_id: IdGenerator = uuid.uuid4,
            chunk_size: int = CHUNK_SIZE, lease_seconds: float = 60.0,
            timer: PhaseTimer | None = None, chunk_pause_seconds: float = 0.0, ahead: bool = False) -> None:
    """Executes a claimed job to the end (raises LeaseLost when fenced out, DependencyUnavailable when
    the tax service is down: the caller releases the job for another attempt). `chunk_pause_seconds`:
    a breather after each chunk (spares a busy database; the e2e test uses it to kill a worker mid-run).
    `ahead`: the preview reads and computes the next chunk in a thread while this one is stored (the
    worker's reads, the tax service and PostgreSQL then work at the same time)."""
    import time

    timer = timer or PhaseTimer({}, time.perf_counter)
    pause = (lambda: time.sleep(chunk_pause_seconds)) if chunk_pause_seconds > 0 else (lambda: None)
    if job.kind == rules.JOB_PREVIEW:
        _preview(uow, job, tax=tax, progress=progress, clock=clock, new_id=new_id, chunk_size=chunk_size,
                 lease_seconds=lease_seconds, timer=timer, pause=pause, ahead=ahead)
    else:
        _finalize(uow, job, progress=progress, clock=clock, chunk_size=chunk_size, lease_seconds=lease_seconds,
                  timer=timer, pause=pause)


# ---- preview phase: gather, compute in chunks ---------------------------------------------------
@dataclass
class _Employee:
    staff_id: uuid.UUID
    display_name: str
    request: dict[str, Any] | None
    error: InvalidInput | None = None


def _roster(u, run: PayRun, skip: set[uuid.UUID]) -> list[uuid.UUID]:
    """The run's employees not yet previewed (live, home location in the group, the run's pay frequency),
    by name: the preview reads, computes and stores them a chunk at a time."""
    return [i for i in u.staff.ids_at_locations(run.tenant_id, [uuid.UUID(x) for x in run.locations], run.pay_frequency)
            if i not in skip]


def _gather(u, run: PayRun, staff_ids: list[uuid.UUID]) -> list[_Employee]:
    """The employees of a chunk with the paycheck request their approved timesheet, tips and staff record
    make (or the error that keeps them from being paid); a few set-based reads per chunk (shifts and
    tips as rows, not ORM objects), so a run's memory and time grow with the chunk, not the run."""
    tenant = run.tenant_id
    employer = employer_of(u, tenant)
    order = {staff_id: n for n, staff_id in enumerate(staff_ids)}
    members = sorted(u.staff.records(tenant, staff_ids), key=lambda m: order[m.id])
    if not members:
        return []
    ids = [m.id for m in members]
    weeks = rules.period_weeks(run.period_start, run.period_end)
    lo, hi = rules.day_range(run.period_start, run.period_end)
    shifts: dict[uuid.UUID, list] = {}
    for row in u.shifts.for_staff_between(tenant, ids, lo, hi):
        shifts.setdefault(row.staff_id, []).append(_domain_shift(row))
    # A tip names whom it credits as orders name the server: the auth user for staff with a login (the
    # staff record's user_id), the staff record's id otherwise.
    owner = {m.id: m.id for m in members} | {m.user_id: m.id for m in members if m.user_id}
    tips: dict[uuid.UUID, list] = {}
    for tip in u.tips.for_staff_between(tenant, list(owner), lo, hi):
        tips.setdefault(owner[tip.staff_id], []).append((tip.earned_at, tip.tip_cents, str(tip.location_id)))
    sheets = u.timesheets.statuses_for_period(tenant, run.period_start, ids)
    standing: dict[uuid.UUID, list[dict]] = {}  # deductions in force on the pay date
    for row in u.deductions.in_force(tenant, ids, run.pay_date):
        standing.setdefault(row.staff_id, []).append({"type": row.type, "amount": row.amount, "percent": row.percent})
    out = []
    for m in members:
        home_zone = run.locations[str(m.home_location_id)]["time_zone"]
        own = shifts.get(m.id, [])
        main = staff_rules.main_job(m.jobs) if m.jobs else ""
        workweeks = tc.workweeks_for_period(own, run.period_start, weeks, main)
        tip_cents = rules.tips_per_workweek(
            ((at, cents, run.locations.get(loc, {}).get("time_zone", home_zone)) for at, cents, loc in tips.get(m.id, [])),
            run.period_start, weeks)
        worked = any(h != "0" for w in workweeks for h in w["daily_hours"]) or any(w.get("jobs") for w in workweeks)
        salaried = rules.is_salaried(m.jobs)
        if not worked and not any(tip_cents) and not salaried:
            continue  # nothing to pay this period (a salary is due every period)
        if employer.break_premiums:
            for week, count in zip(workweeks, tc.meal_premiums_per_workweek(own, run.period_start, weeks), strict=True):
                if count:
                    week["break_premiums"] = count
        employee = _Employee(m.id, m.display_name, None)
        if sheets.get(m.id) != "approved" and (worked or not salaried):  # no punches, nothing to approve
            employee.error = InvalidInput("the timesheet of this period is not approved", field="timesheet")
        else:
            try:
                employee.request = rules.paycheck_request(
                    jobs=m.jobs, workweeks=workweeks, tip_cents=tip_cents, tax_forms=m.tax_forms or {},
                    pay_date=run.pay_date, pay_frequency=run.pay_frequency,
                    work_state=run.locations[str(m.home_location_id)]["state"], employee_id=str(m.id),
                    break_premiums=employer.break_premiums, deductions=standing.get(m.id, ()))
            except InvalidInput as error:
                employee.error = error
        out.append(employee)
    return out


def _chunks(uow: UnitOfWorkFactory, run: PayRun, roster: list[uuid.UUID], size: int) -> Iterator[list[_Employee]]:
    """The roster's employees with something to pay, `size` at a time (one tax batch call each), read a
    roster slice at a time (each in its own short read-only transaction)."""
    pending: list[_Employee] = []
    for at in range(0, len(roster), size):
        with uow() as u:
            pending += _gather(u, run, roster[at: at + size])
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def _stored_result(paycheck: ComputedPaycheck) -> dict[str, Any]:
    """The preview answer as kept on the item: without the explanation lines (post the item's request
    to /paychecks:preview for those), so a 10,000-employee run stays small."""
    result = paycheck.to_dict()
    result.pop("explanation", None)
    return result


def _item(run: PayRun, employee: _Employee, outcome: ComputedPaycheck | InvalidInput | None, new_id) -> PayRunItem:
    error = employee.error or (outcome if isinstance(outcome, InvalidInput) else None)
    item = PayRunItem(id=new_id(), tenant_id=run.tenant_id, run_id=run.id, staff_id=employee.staff_id,
                      display_name=employee.display_name, request=employee.request or {}, result=None, error=None,
                      net_pay_cents=0, gross_cents=0)
    if error is not None:
        item.status, item.error = rules.ITEM_ERROR, {"field": error.field, "message": error.message}
    else:
        result = _stored_result(outcome)
        item.status, item.result = rules.ITEM_PREVIEWED, result
        item.net_pay_cents, item.gross_cents = rules.cents(result["net_pay"]), rules.cents(result["gross_wages"])
    return item


def _computed(chunks: Iterator[list[_Employee]], identity: Identity, tax, timer: PhaseTimer,
              ) -> Iterator[tuple[list[_Employee], dict[uuid.UUID, ComputedPaycheck | InvalidInput]]]:
    """Each chunk with its paychecks (one CalculateWithholdingBatch call), timed as gather and compute."""
    started = timer.clock()
    for chunk in chunks:
        started = timer.add("gather", started)
        asked = [e for e in chunk if e.error is None]
        outcomes = dict(zip((e.staff_id for e in asked), compute_paychecks([e.request for e in asked], identity,
                                                                             tax=tax), strict=True)) if asked else {}
        started = timer.add("compute", started)
        yield chunk, outcomes
        started = timer.clock()


def _one_ahead(items: Iterator[Any]) -> Iterator[Any]:
    """What `items` yields, the next one produced in a thread while the caller works on this one. Its
    errors reach the caller at that item; the caller stopping early waits for the item in progress."""
    with ThreadPoolExecutor(1, thread_name_prefix="pay-run-ahead") as pool:
        future = pool.submit(next, items, None)
        while (item := future.result()) is not None:
            future = pool.submit(next, items, None)
            yield item


def _preview(uow: UnitOfWorkFactory, job: ClaimedJob, *, tax, progress, clock, new_id, chunk_size: int,
             lease_seconds: float, timer: PhaseTimer, pause: Callable[[], None], ahead: bool = False) -> None:
    import time

    started = time.perf_counter()
    with uow() as u:
        run = u.pay_runs.get(None, job.run_id)
        if run is None or run.status != rules.PREVIEWING:
            return
        done = u.pay_runs.itemized_staff(run.id)
        roster = _roster(u, run, done)
    started = timer.add("roster", started)
    total = len(done) + len(roster)
    identity = service_identity(SERVICE, str(job.tenant_id), frozenset({"payroll:create"}))
    if progress is not None:
        progress.publish(str(run.id), _progress(run.id, rules.PREVIEWING, "preview", len(done), total, clock()))
    stored = 0
    computed = _computed(_chunks(uow, run, roster, chunk_size), identity, tax, timer)
    for chunk, outcomes in (_one_ahead(computed) if ahead else computed):
        started = timer.clock()
        items = [_item(run, e, outcomes.get(e.staff_id), new_id) for e in chunk]
        with uow() as u:
            _fence(u, job, lease_seconds, clock())
            u.pay_runs.add_items(items)
            u.commit()
        started = timer.add("store", started)
        stored += len(chunk)
        if progress is not None:
            progress.publish(str(run.id), _progress(run.id, rules.PREVIEWING, "preview", len(done) + stored, total,
                                                    clock()))
        pause()
    started = timer.clock()
    _finish(uow, job, run.id, rules.PREVIEWED, progress=progress, clock=clock, lease_seconds=lease_seconds)
    timer.add("finish", started)


# What a run's totals add up: each a sum over the employees' paychecks (path in the paycheck JSON).
TOTAL_PATHS: dict[str, tuple[str, ...]] = {
    "cash_wages": ("cash_wages",), "reported_tips": ("reported_tips",), "gross_wages": ("gross_wages",),
    "net_pay": ("net_pay",),
    **{f"employee_taxes.{t}": ("employee_taxes", t) for t in EMPLOYEE_TAXES},
    **{f"employer_taxes.{t}": ("employer_taxes", t) for t in EMPLOYER_TAXES},
}


def run_totals(u, run_id: uuid.UUID) -> dict[str, Any]:
    """The run's totals, summed by the database (a 10,000-employee run is not loaded for it)."""
    sums = u.pay_runs.item_sums(run_id, TOTAL_PATHS)
    counts = u.pay_runs.item_counts(run_id)
    return {"employees": sum(counts.values()), "errors": counts.get(rules.ITEM_ERROR, 0),
            **{k: fmt_money(sums[k]) for k in ("cash_wages", "reported_tips", "gross_wages")},
            "employee_taxes": fmt_money(sum((sums[f"employee_taxes.{t}"] for t in EMPLOYEE_TAXES), ZERO)),
            "employer_taxes": fmt_money(sum((sums[f"employer_taxes.{t}"] for t in EMPLOYER_TAXES), ZERO)),
            "net_pay": fmt_money(sums["net_pay"])}


def _finish(uow: UnitOfWorkFactory, job: ClaimedJob, run_id: uuid.UUID, status: str, *, progress, clock,
            lease_seconds: float) -> None:
    """The phase's end: run totals and status, the job succeeded; PayrollRunCompleted after finalizing."""
    now = clock()
    with uow() as u:
        _fence(u, job, lease_seconds, now)
        run = u.pay_runs.get(None, run_id, for_update=True)
        if status == rules.PREVIEWED:
            run.totals = run_totals(u, run_id)
        counts = u.pay_runs.item_counts(run_id)
        if status == rules.COMPLETED:
            run.finalized_at = now
            totals = run.totals or {}
            u.add_event(PAYCHECK_TOPIC, str(run.id), events_pb2.PayrollRunCompleted(
                tenant_id=str(run.tenant_id), run_id=str(run.id), period_start=run.period_start.isoformat(),
                period_end=run.period_end.isoformat(), pay_date=run.pay_date.isoformat(),
                location_ids=sorted(run.locations), paychecks=counts.get(rules.ITEM_FINALIZED, 0), gross_wages=totals.get("gross_wages", "0.00"),
                net_pay=totals.get("net_pay", "0.00"), employee_taxes=totals.get("employee_taxes", "0.00"),
                employer_taxes=totals.get("employer_taxes", "0.00"), completed_at=to_timestamp(now)),
                subject=str(run.id))
        run.status = status
        row = u.pay_runs.job(job.job_id, for_update=True)
        row.status, row.finished_at, row.lease_owner = rules.JOB_SUCCEEDED, now, None
        u.flush()
        u.commit()
    if progress is not None:
        done = counts.get(rules.ITEM_FINALIZED, 0) if status == rules.COMPLETED else sum(counts.values())
        progress.publish(str(run_id), _progress(run_id, status, "done", done, sum(counts.values()), now))


# ---- finalize phase: paychecks + events, exactly once per employee -------------------------------
def _event(run: PayRun, item: PayRunItem, ssn_last4: str | None, now: datetime) -> events_pb2.PaycheckFinalized:
    result, request = item.result, item.request
    locality = request.get("locality") or {}
    return events_pb2.PaycheckFinalized(
        tenant_id=str(run.tenant_id), employee_id=str(item.staff_id),
        paycheck_id=str(paycheck_id(run.id, item.staff_id)), pay_date=run.pay_date.isoformat(),
        tax_year=run.pay_date.year, worker_type=events_pb2.WORKER_TYPE_EMPLOYEE,
        employee_display_name=item.display_name, ssn_last4=ssn_last4 or "",
        earnings=events_pb2.PaycheckEarnings(
            pay_frequency=run.pay_frequency, payment_type="regular", wages=result["cash_wages"],
            tips=result["reported_tips"],
            # As taken (a percent resolved against the wages), not as asked.
            pretax_deductions=[events_pb2.PaycheckPretaxDeduction(type=d["type"], amount=fmt_money(Decimal(d["amount"])))
                               for d in (result.get("deductions") or {}).get("pretax_lines") or ()],
            work_state=request["work_state"], locality_code=locality.get("code", ""),
            locality_resident=bool(locality.get("resident"))),
        taxes=events_pb2.PaycheckTaxes(
            employee=events_pb2.PaycheckEmployeeTaxes(**{t: result["employee_taxes"][t] for t in EMPLOYEE_TAXES}),
            employer=events_pb2.PaycheckEmployerTaxes(**{t: result["employer_taxes"][t] for t in EMPLOYER_TAXES}),
            taxable_wages=events_pb2.PaycheckTaxableWages(**{t: result["taxable_wages"][t] for t in TAXABLE_WAGES}),
            # What the cash could not withhold of the tip FICA: the ledger's W-2 box 12 codes A and B.
            uncollected=events_pb2.PaycheckUncollectedTaxes(**{t: (result.get("uncollected") or {}).get(t, "0.00")
                                                               for t in ("social_security", "medicare")})),
        rules_version=result.get("tax_rules_version", ""), finalized_at=to_timestamp(now))


def _finalize(uow: UnitOfWorkFactory, job: ClaimedJob, *, progress, clock, chunk_size: int, lease_seconds: float,
              timer: PhaseTimer, pause: Callable[[], None]) -> None:
    import time

    started = time.perf_counter()
    with uow() as u:
        run = u.pay_runs.get(None, job.run_id)
        if run is None or run.status != rules.FINALIZING:
            return
        pending = u.pay_runs.item_staff(run.id, rules.ITEM_PREVIEWED)
        already = u.pay_runs.item_counts(run.id).get(rules.ITEM_FINALIZED, 0)
    started = timer.add("load", started)
    total = already + len(pending)
    if progress is not None:
        progress.publish(str(run.id), _progress(run.id, rules.FINALIZING, "finalize", already, total, clock()))
    for at in range(0, len(pending), chunk_size):
        ids = pending[at: at + chunk_size]
        now = clock()
        with uow() as u:
            _fence(u, job, lease_seconds, now)
            run = u.pay_runs.get(None, job.run_id)
            # Set-based: the paychecks copied from the items in one statement (skipping anyone this run
            # already paid: an attempt that committed), their events in one multi-row outbox INSERT, the
            # items' status in one UPDATE, all in the chunk's transaction.
            paid = u.pay_runs.pay_items(run, {s: paycheck_id(run.id, s) for s in ids}, now)
            if paid:
                last4 = u.staff.ssn_last4(run.tenant_id, sorted(paid))
                u.add_events([PendingEvent(PAYCHECK_TOPIC, str(item.staff_id), _event(run, item, last4.get(item.staff_id), now),
                                           subject=str(paycheck_id(run.id, item.staff_id)))
                              for item in u.pay_runs.item_records(run.id, rules.ITEM_PREVIEWED, sorted(paid))])
            u.pay_runs.set_item_status(run.id, ids, rules.ITEM_FINALIZED)
            u.commit()
        started = timer.add("finalize", started)
        if progress is not None:
            progress.publish(str(job.run_id), _progress(job.run_id, rules.FINALIZING, "finalize",
                                                        already + at + len(ids), total, clock()))
        pause()
        started = timer.clock()
    _finish(uow, job, job.run_id, rules.COMPLETED, progress=progress, clock=clock, lease_seconds=lease_seconds)
    timer.add("finish", started)
