"""In-memory stand-ins for payroll's adapters: the unit of work, its repositories and the directory.

They keep the real ones' contracts (tests/unit/test_fakes_match.py checks the method names)."""
from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from chassis.errors import InvalidInput
from chassis.identity import Identity
from chassis.uow import FakeUnitOfWork
from payroll.adapters.orm import (
    EmployerSettings,
    Paycheck,
    PayRun,
    PayRunItem,
    PayRunJob,
    PunchEdit,
    Shift,
    StaffDeduction,
    StaffMember,
    Timesheet,
    TipPoolPolicy,
    TipPoolRun,
    TipRecord,
    TipRefund,
)
from payroll.domain.pay.taxes import EMPLOYEE_TAXES, EMPLOYER_TAXES, TAXABLE_WAGES, TaxLine, Withholding


class FakeTipRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, TipRecord] = {}
        self.refunds: dict[uuid.UUID, TipRefund] = {}

    def add(self, record: TipRecord) -> None:
        if record.source == "order" and record.order_id is not None and self.for_order(record.order_id) is not None:
            raise AssertionError("unique order tip violated: the use case must check first")
        if record.payment_id is not None and self.for_payment(record.payment_id) is not None:
            raise AssertionError("unique payment_id violated: the use case must check first")
        record.id = record.id or uuid.uuid4()
        record.deleted_at = None
        self.rows[record.id] = record

    def get(self, tenant_id: uuid.UUID, tip_record_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        record = self.rows.get(tip_record_id)
        if record is None or record.tenant_id != tenant_id or record.deleted_at is not None:
            return None
        return record

    def for_order(self, order_id: uuid.UUID) -> TipRecord | None:
        return next((r for r in self.rows.values() if r.order_id == order_id and r.source in (None, "order")), None)

    def for_payment(self, payment_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        return next((r for r in self.rows.values() if r.payment_id == payment_id), None)

    def refund_applied(self, refund_id: uuid.UUID) -> bool:
        return refund_id in self.refunds

    def add_refund(self, refund: TipRefund) -> None:
        assert refund.refund_id not in self.refunds, "unique refund_id violated: the use case must check first"
        self.refunds[refund.refund_id] = refund

    def for_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> list[TipRecord]:
        return sorted((r for r in self.rows.values() if r.tenant_id == tenant_id and r.staff_id == staff_id
                       and r.deleted_at is None), key=lambda r: (r.earned_at, r.id))

    def for_staff_between(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID], start: datetime,
                          end: datetime) -> list[TipRecord]:
        wanted = set(staff_ids)
        return [r for r in self.rows.values() if r.tenant_id == tenant_id and r.staff_id in wanted
                and r.deleted_at is None and start <= r.earned_at < end]
    def at_location(self, tenant_id: uuid.UUID, location_id: uuid.UUID, start: datetime, end: datetime,
                    sources: tuple[str, ...]) -> list[TipRecord]:
        return sorted((r for r in self.rows.values() if r.tenant_id == tenant_id and r.location_id == location_id
                       and r.deleted_at is None and r.source in sources and start <= r.earned_at < end),
                      key=lambda r: (r.earned_at, r.id))

    def of_pool_run(self, run_id: uuid.UUID) -> list[TipRecord]:
        return [r for r in self.rows.values() if r.pool_run_id == run_id and r.deleted_at is None]


class FakeEmployerSettingsRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, EmployerSettings] = {}

    def get(self, tenant_id: uuid.UUID) -> EmployerSettings | None:
        return self.rows.get(tenant_id)

    def add(self, row: EmployerSettings) -> None:
        self.rows[row.tenant_id] = row


class FakeStaffRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, StaffMember] = {}

    def add(self, member: StaffMember) -> None:
        member.deleted_at = None
        self.rows[member.id] = member

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        m = self.rows.get(staff_id)
        return m if m is not None and m.tenant_id == tenant_id and m.deleted_at is None else None

    def for_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        return next((m for m in self.rows.values() if m.tenant_id == tenant_id and m.user_id == user_id), None)

    def list(self, tenant_id: uuid.UUID) -> list[StaffMember]:
        return sorted((m for m in self.rows.values() if m.tenant_id == tenant_id and m.deleted_at is None),
                      key=lambda m: (m.display_name, m.id))

    def by_ids(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID]) -> list[StaffMember]:
        return [m for m in self.rows.values() if m.tenant_id == tenant_id and m.id in set(staff_ids)]

    def records(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID]) -> list[StaffMember]:
        return self.by_ids(tenant_id, staff_ids)

    def ssn_last4(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
        return {m.id: m.ssn_last4 for m in self.by_ids(tenant_id, staff_ids)}

    def at_locations(self, tenant_id: uuid.UUID, location_ids: list[uuid.UUID]) -> list[StaffMember]:
        return [m for m in self.list(tenant_id) if m.home_location_id in set(location_ids)]

    def ids_at_locations(self, tenant_id: uuid.UUID, location_ids: list[uuid.UUID], pay_frequency: str) -> list[uuid.UUID]:
        return [m.id for m in self.at_locations(tenant_id, location_ids) if m.pay_frequency == pay_frequency]


class FakeShiftRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Shift] = {}
        self.edit_rows: list[PunchEdit] = []

    def add(self, shift: Shift) -> None:
        if shift.clock_out_at is None and self.open_for(shift.tenant_id, shift.staff_id) is not None:
            raise AssertionError("one open shift per staff member: the use case must check first")
        shift.deleted_at = None
        self.rows[shift.id] = shift

    def get(self, tenant_id: uuid.UUID, shift_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        s = self.rows.get(shift_id)
        return s if s is not None and s.tenant_id == tenant_id and s.deleted_at is None else None

    def open_for(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        return next((s for s in self.rows.values() if s.tenant_id == tenant_id and s.staff_id == staff_id
                     and s.clock_out_at is None and s.deleted_at is None), None)

    def between(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        return sorted((s for s in self.rows.values() if s.tenant_id == tenant_id and s.staff_id == staff_id
                       and s.deleted_at is None and start <= s.clock_in_at < end), key=lambda s: (s.clock_in_at, s.id))

    def for_staff_between(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID], start: datetime,
                          end: datetime) -> list[Shift]:
        return [s for sid in staff_ids for s in self.between(tenant_id, sid, start, end)]
    def at_location(self, tenant_id: uuid.UUID, location_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        return sorted((s for s in self.rows.values() if s.tenant_id == tenant_id and s.location_id == location_id
                       and s.deleted_at is None and start <= s.clock_in_at < end), key=lambda s: (s.clock_in_at, s.id))

    def add_edit(self, edit: PunchEdit) -> None:
        self.edit_rows.append(edit)

    def edits(self, tenant_id: uuid.UUID, shift_ids: list[uuid.UUID]) -> list[PunchEdit]:
        return [e for e in self.edit_rows if e.tenant_id == tenant_id and e.shift_id in shift_ids]


class FakeTimesheetRepository:
    def __init__(self) -> None:
        self.rows: list[Timesheet] = []

    def add(self, sheet: Timesheet) -> None:
        self.rows.append(sheet)

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, period_start, *, for_update: bool = False) -> Timesheet | None:
        return next((s for s in self.rows if s.tenant_id == tenant_id and s.staff_id == staff_id
                     and s.period_start == period_start), None)

    def statuses_for_period(self, tenant_id: uuid.UUID, period_start,
                            staff_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
        return {s.staff_id: s.status for s in self.rows if s.tenant_id == tenant_id and s.period_start == period_start
                and (staff_ids is None or s.staff_id in set(staff_ids))}


class FakePayRunRepository:
    """Runs, items, paychecks and jobs in memory. `add_paychecks` enforces the unique (run, employee)."""

    def __init__(self) -> None:
        self.runs: dict[uuid.UUID, PayRun] = {}
        self.jobs: dict[uuid.UUID, PayRunJob] = {}
        self.item_rows: list[PayRunItem] = []
        self.paycheck_rows: list[Paycheck] = []

    def add(self, run: PayRun) -> None:
        run.deleted_at = None
        run.created_at = run.created_at or datetime(2026, 3, 9, tzinfo=UTC)
        self.runs[run.id] = run

    def get(self, tenant_id: uuid.UUID | None, run_id: uuid.UUID, *, for_update: bool = False) -> PayRun | None:
        run = self.runs.get(run_id)
        return run if run is not None and (tenant_id is None or run.tenant_id == tenant_id) else None

    def list(self, tenant_id: uuid.UUID, limit: int = 100) -> list[PayRun]:
        return [r for r in self.runs.values() if r.tenant_id == tenant_id][:limit]

    def active_for_period(self, tenant_id: uuid.UUID, period_start) -> list[PayRun]:
        return [r for r in self.runs.values() if r.tenant_id == tenant_id and r.period_start == period_start
                and r.status != "failed"]

    def add_items(self, items: list[PayRunItem]) -> None:
        for item in items:
            if self.item(item.run_id, item.staff_id) is not None:
                raise AssertionError("unique (run_id, staff_id) violated: an employee previewed twice")
        self.item_rows.extend(items)

    def items(self, run_id: uuid.UUID, status: str | None = None, *,
              staff_ids: list[uuid.UUID] | None = None) -> list[PayRunItem]:
        return sorted((i for i in self.item_rows if i.run_id == run_id and (status is None or i.status == status)
                       and (staff_ids is None or i.staff_id in set(staff_ids))),
                      key=lambda i: (i.display_name, i.staff_id))

    def item_records(self, run_id: uuid.UUID, status: str, staff_ids: list[uuid.UUID]) -> list[PayRunItem]:
        return sorted(self.items(run_id, status, staff_ids=staff_ids), key=lambda i: i.staff_id)

    def item(self, run_id: uuid.UUID, staff_id: uuid.UUID) -> PayRunItem | None:
        return next((i for i in self.item_rows if i.run_id == run_id and i.staff_id == staff_id), None)

    def item_counts(self, run_id: uuid.UUID) -> dict[str, int]:
        counts: dict[str, int] = {}
        for i in self.items(run_id):
            counts[i.status] = counts.get(i.status, 0) + 1
        return counts

    def item_staff(self, run_id: uuid.UUID, status: str) -> list[uuid.UUID]:
        return sorted(i.staff_id for i in self.items(run_id, status))

    def item_sums(self, run_id: uuid.UUID, paths: dict[str, tuple[str, ...]]) -> dict[str, Decimal]:
        out = dict.fromkeys(paths, Decimal(0))
        for item in self.items(run_id):
            if item.result is None:
                continue
            for name, path in paths.items():
                value = item.result
                for key in path:
                    value = value[key]
                out[name] += Decimal(value)
        return out

    def itemized_staff(self, run_id: uuid.UUID) -> set[uuid.UUID]:
        return {i.staff_id for i in self.items(run_id)}

    def add_paychecks(self, paychecks: list[Paycheck]) -> None:
        for p in paychecks:
            if p.staff_id in self.paid_staff(p.run_id):
                raise AssertionError("unique (run_id, staff_id) violated: an employee paid twice")
        self.paycheck_rows.extend(paychecks)

    def set_item_status(self, run_id: uuid.UUID, staff_ids: list[uuid.UUID], status: str) -> None:
        for item in self.items(run_id, staff_ids=staff_ids):
            item.status = status

    def pay_items(self, run: PayRun, paycheck_ids: dict[uuid.UUID, uuid.UUID], finalized_at) -> set[uuid.UUID]:
        paid = self.paid_staff(run.id)
        new = [Paycheck(id=paycheck_ids[i.staff_id], tenant_id=i.tenant_id, run_id=run.id, staff_id=i.staff_id,
                        pay_date=run.pay_date, period_start=run.period_start, period_end=run.period_end,
                        net_pay_cents=i.net_pay_cents, gross_cents=i.gross_cents, result=i.result,
                        finalized_at=finalized_at)
               for i in self.items(run.id, "previewed", staff_ids=list(paycheck_ids)) if i.staff_id not in paid]
        self.add_paychecks(new)
        return {p.staff_id for p in new}

    def paid_staff(self, run_id: uuid.UUID, staff_ids: list[uuid.UUID] | None = None) -> set[uuid.UUID]:
        return {p.staff_id for p in self.paycheck_rows if p.run_id == run_id
                and (staff_ids is None or p.staff_id in set(staff_ids))}

    def earlier_paychecks(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, year: int, until,
                          other_than_run: uuid.UUID) -> list[Paycheck]:
        return sorted((p for p in self.paycheck_rows if p.tenant_id == tenant_id and p.staff_id == staff_id
                       and p.run_id != other_than_run and p.pay_date.year == year and p.pay_date <= until),
                      key=lambda p: (p.pay_date, p.finalized_at))

    def paychecks(self, run_id: uuid.UUID) -> list[Paycheck]:
        return sorted((p for p in self.paycheck_rows if p.run_id == run_id), key=lambda p: p.staff_id)

    def add_job(self, job: PayRunJob) -> None:
        self.jobs[job.id] = job

    def job(self, job_id: uuid.UUID, *, for_update: bool = False) -> PayRunJob | None:
        return self.jobs.get(job_id)

    def claimable_job(self, now: datetime) -> PayRunJob | None:
        ready = [j for j in self.jobs.values() if j.status == "queued"
                 or (j.status == "running" and j.lease_expires_at < now)]
        return min(ready, key=lambda j: j.enqueued_at, default=None)

    def renew_lease(self, job_id: uuid.UUID, owner: str, until: datetime) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.lease_owner != owner or job.status != "running":
            return False
        job.lease_expires_at = until
        return True

    def oldest_running_since(self) -> datetime | None:
        return min((j.started_at for j in self.jobs.values() if j.status == "running"), default=None)


class FakeTipPoolRepository:
    def __init__(self) -> None:
        self.policies: dict[tuple[uuid.UUID, uuid.UUID], TipPoolPolicy] = {}
        self.runs: list[TipPoolRun] = []

    def policy(self, tenant_id: uuid.UUID, location_id: uuid.UUID, *, for_update: bool = False) -> TipPoolPolicy | None:
        return self.policies.get((tenant_id, location_id))

    def add_policy(self, row: TipPoolPolicy) -> None:
        self.policies[(row.tenant_id, row.location_id)] = row

    def run(self, tenant_id: uuid.UUID, location_id: uuid.UUID, workweek_start, *,
            for_update: bool = False) -> TipPoolRun | None:
        return next((r for r in self.runs if (r.tenant_id, r.location_id, r.workweek_start)
                     == (tenant_id, location_id, workweek_start)), None)

    def add_run(self, row: TipPoolRun) -> None:
        if self.run(row.tenant_id, row.location_id, row.workweek_start) is not None:
            raise AssertionError("one pool run per workweek: the use case must check first")
        self.runs.append(row)


class FakeStaffDeductionRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, StaffDeduction] = {}

    def add(self, row: StaffDeduction) -> None:
        self.rows[row.id] = row

    def get(self, tenant_id, staff_id, deduction_id, *, for_update: bool = False):
        r = self.rows.get(deduction_id)
        return r if r is not None and r.tenant_id == tenant_id and r.staff_id == staff_id else None

    def for_staff(self, tenant_id, staff_id):
        return sorted((r for r in self.rows.values() if r.tenant_id == tenant_id and r.staff_id == staff_id),
                      key=lambda r: r.starts_on)  # stable: insertion order as created_at

    def in_force(self, tenant_id, staff_ids, on):
        return [r for r in self.rows.values() if r.tenant_id == tenant_id and r.staff_id in set(staff_ids)
                and r.starts_on <= on and (r.ends_on is None or r.ends_on >= on)]


class FakePayrollUnitOfWork(FakeUnitOfWork):
    """One instance plays every transaction of a test (pass `lambda: uow` as the factory)."""

    def __init__(self) -> None:
        super().__init__("/auraconnect/payroll")
        self.tips = FakeTipRepository()
        self.employers = FakeEmployerSettingsRepository()
        self.staff = FakeStaffRepository()
        self.shifts = FakeShiftRepository()
        self.timesheets = FakeTimesheetRepository()
        self.pay_runs = FakePayRunRepository()
        self.tip_pools = FakeTipPoolRepository()
        self.deductions = FakeStaffDeductionRepository()


class FakeDirectory:
    """A tenant's locations and staff, as auth would answer; records every question asked."""

    def __init__(self, locations: set[str] = frozenset(), staff: set[str] = frozenset(),
                 time_zones: dict[str, str] | None = None, states: dict[str, str] | None = None) -> None:
        self.locations, self.staff = set(locations), set(staff)
        self.states = dict(states or {})  # location id -> state (default PA)
        self.time_zones = dict(time_zones or {})  # location id -> IANA zone (default America/New_York)
        self.asked: list[tuple[str, str]] = []
        self.names: dict[str, str] = {}  # location id -> name (default "Main Street")
        self.employer_name = "Demo Restaurant Group"

    def time_zone(self, identity: Identity, location_id: str, field: str = "location_id") -> str:
        self.check_location(identity, location_id, field)
        return self.time_zones.get(location_id, "America/New_York")

    def location(self, identity: Identity, location_id: str, field: str = "location_id") -> dict[str, str]:
        self.check_location(identity, location_id, field)
        return {"time_zone": self.time_zones.get(location_id, "America/New_York"),
                "state": self.states.get(location_id, "PA"), "name": self.names.get(location_id, "Main Street"),
                "address": "1 Main Street\nPhiladelphia, PA"}

    def employer(self, identity: Identity) -> dict[str, str]:
        self.asked.append(("tenant", identity.tenant_id))
        return {"name": self.employer_name, "id": identity.tenant_id}

    def check_location(self, identity: Identity, location_id: str, field: str = "location_id") -> None:
        self.asked.append(("location", location_id))
        if location_id not in self.locations:
            raise InvalidInput("no such location in this tenant", field=field)

    def check_staff(self, identity: Identity, user_id: str, field: str = "staff_id") -> None:
        self.asked.append(("staff", user_id))
        if user_id not in self.staff:
            raise InvalidInput("no such staff member in this tenant", field=field)


class FakePinThrottle:
    """RedisPinThrottle's behaviour in memory, on a clock: failures per key, counted from the first."""

    def __init__(self, clock, max_failures: int = 5, window_seconds: int = 900) -> None:
        self.clock, self.max_failures, self.window_seconds = clock, max_failures, window_seconds
        self.counts: dict[str, tuple[int, datetime]] = {}  # key -> (failures, window ends)

    def _live(self, key: str) -> tuple[int, datetime] | None:
        entry = self.counts.get(key)
        if entry is not None and entry[1] <= self.clock():
            del self.counts[key]
            return None
        return entry

    def wait_seconds(self, key: str) -> int:
        entry = self._live(key)
        if entry is None or entry[0] < self.max_failures:
            return 0
        return max(1, int((entry[1] - self.clock()).total_seconds()))

    def failed(self, key: str) -> int:
        entry = self._live(key)
        n, ends = (entry[0] + 1, entry[1]) if entry else (1, self.clock() + timedelta(seconds=self.window_seconds))
        self.counts[key] = (n, ends)
        return n

    def succeeded(self, key: str) -> None:
        self.counts.pop(key, None)


class FixedClock:
    def __init__(self, now: datetime = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakePinHasher:
    """Reversible on purpose (tests only): "hash:<pin>"."""

    def hash(self, pin: str) -> str:
        return f"hash:{pin}"

    def verify(self, pin_hash: str, pin: str) -> bool:
        return pin_hash == f"hash:{pin}"


class FakeProgressBoard:
    """Keeps every progress written, in order."""

    def __init__(self) -> None:
        self.history: list[dict] = []
        self.latest: dict[str, dict] = {}

    def publish(self, run_id: str, progress) -> None:
        self.history.append(dict(progress))
        self.latest[run_id] = dict(progress)

    def read(self, run_id: str) -> dict | None:
        return self.latest.get(run_id)


D = Decimal


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), ROUND_HALF_UP)


class FakeTax:
    """Flat rates that are easy to check by hand: FIT 10 % of wages + tips - every pre-tax deduction;
    SS 6.2 % and Medicare 1.45 % of wages + tips - section 125 / HSA; nothing else. Records every call."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[Identity, list[dict]]] = []
        self.error = error

    def calculate(self, identity, requests):
        self.calls.append((identity, copy.deepcopy(list(requests))))
        if self.error is not None:
            raise self.error
        return [self._one(r) for r in requests]

    @staticmethod
    def _one(r: dict) -> Withholding:
        gross = D(r["wages"]) + D(r["tips"])
        pretax = {d["type"]: D(d["amount"]) for d in r["pretax_deductions"]}
        fit_wages = gross - sum(pretax.values(), D(0))
        fica_wages = gross - pretax.get("section_125", D(0)) - pretax.get("hsa", D(0))
        employee = dict.fromkeys(EMPLOYEE_TAXES, D("0.00")) | {
            "federal_income_tax": cents(fit_wages * D("0.10")), "social_security": cents(fica_wages * D("0.062")),
            "medicare": cents(fica_wages * D("0.0145"))}
        employer = dict.fromkeys(EMPLOYER_TAXES, D("0.00")) | {
            "social_security": employee["social_security"], "medicare": employee["medicare"]}
        taxable = dict.fromkeys(TAXABLE_WAGES, D("0.00")) | {"federal_income_tax": fit_wages,
                                                              "social_security": fica_wages, "medicare": fica_wages}
        return Withholding(employee, employer, taxable,
                           (TaxLine("federal_income_tax", "1a", "taxable wages", str(fit_wages)),), "fake-1")
