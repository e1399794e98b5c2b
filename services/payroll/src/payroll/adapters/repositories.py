"""Queries of payroll's aggregates, one repository each, working inside a unit of work's session.

Reads of live records leave soft-deleted rows out; a repository never commits."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Numeric, and_, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

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


class TipRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: TipRecord) -> None:
        self.session.add(record)

    def get(self, tenant_id: uuid.UUID, tip_record_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        """A live tip record of the tenant; `for_update` locks it until the unit of work ends."""
        query = select(TipRecord).where(TipRecord.id == tip_record_id, TipRecord.tenant_id == tenant_id,
                                        TipRecord.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_order(self, order_id: uuid.UUID) -> TipRecord | None:
        """The order's own tip (given when it was opened), voided or not (credited once, ever)."""
        return self.session.scalars(select(TipRecord).where(TipRecord.order_id == order_id,
                                                            TipRecord.source == "order")).first()

    def for_payment(self, payment_id: uuid.UUID, *, for_update: bool = False) -> TipRecord | None:
        """The tip given with a payment, voided or not (credited once, ever)."""
        query = select(TipRecord).where(TipRecord.payment_id == payment_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def refund_applied(self, refund_id: uuid.UUID) -> bool:
        return self.session.get(TipRefund, refund_id) is not None

    def add_refund(self, refund: TipRefund) -> None:
        self.session.add(refund)

    def for_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> list[TipRecord]:
        """A staff member's live tips, oldest first."""
        return list(self.session.scalars(select(TipRecord).where(
            TipRecord.tenant_id == tenant_id, TipRecord.staff_id == staff_id,
            TipRecord.deleted_at.is_(None)).order_by(TipRecord.earned_at, TipRecord.id)))

    def at_location(self, tenant_id: uuid.UUID, location_id: uuid.UUID, start: datetime, end: datetime,
                    sources: tuple[str, ...]) -> list[TipRecord]:
        """Live tips of these sources earned at the location within [start, end)."""
        return list(self.session.scalars(select(TipRecord).where(
            TipRecord.tenant_id == tenant_id, TipRecord.location_id == location_id, TipRecord.deleted_at.is_(None),
            TipRecord.source.in_(sources), TipRecord.earned_at >= start, TipRecord.earned_at < end)
            .order_by(TipRecord.earned_at, TipRecord.id)))

    def of_pool_run(self, run_id: uuid.UUID) -> list[TipRecord]:
        """The live records a pool run wrote (locked: a re-run voids them)."""
        return list(self.session.scalars(select(TipRecord).where(
            TipRecord.pool_run_id == run_id, TipRecord.deleted_at.is_(None)).with_for_update()))

    def for_staff_between(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID], start: datetime,
                          end: datetime) -> list[TipRecord]:
        """Live tips of many staff earned within [start, end) (a pay run's chunk): rows, not ORM objects."""
        return list(self.session.execute(select(
            TipRecord.id, TipRecord.staff_id, TipRecord.location_id, TipRecord.tip_cents, TipRecord.earned_at).where(
            TipRecord.tenant_id == tenant_id, TipRecord.staff_id.in_(staff_ids), TipRecord.deleted_at.is_(None),
            TipRecord.earned_at >= start, TipRecord.earned_at < end)))


class TipPoolRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def policy(self, tenant_id: uuid.UUID, location_id: uuid.UUID, *, for_update: bool = False) -> TipPoolPolicy | None:
        query = select(TipPoolPolicy).where(TipPoolPolicy.tenant_id == tenant_id,
                                            TipPoolPolicy.location_id == location_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def add_policy(self, row: TipPoolPolicy) -> None:
        self.session.add(row)

    def run(self, tenant_id: uuid.UUID, location_id: uuid.UUID, workweek_start: date, *,
            for_update: bool = False) -> TipPoolRun | None:
        query = select(TipPoolRun).where(TipPoolRun.tenant_id == tenant_id, TipPoolRun.location_id == location_id,
                                         TipPoolRun.workweek_start == workweek_start)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def add_run(self, row: TipPoolRun) -> None:
        self.session.add(row)


class EmployerSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: uuid.UUID) -> EmployerSettings | None:
        return self.session.get(EmployerSettings, tenant_id)

    def add(self, row: EmployerSettings) -> None:
        self.session.add(row)


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, member: StaffMember) -> None:
        self.session.add(member)

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        """A live staff member; `for_update` locks the row (punches of one person run one at a time)."""
        query = select(StaffMember).where(StaffMember.id == staff_id, StaffMember.tenant_id == tenant_id,
                                          StaffMember.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID, *, for_update: bool = False) -> StaffMember | None:
        """The staff record of an auth user (soft-deleted ones included: the user id stays taken)."""
        query = select(StaffMember).where(StaffMember.user_id == user_id, StaffMember.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def list(self, tenant_id: uuid.UUID) -> list[StaffMember]:
        return list(self.session.scalars(select(StaffMember).where(
            StaffMember.tenant_id == tenant_id, StaffMember.deleted_at.is_(None)).order_by(
            StaffMember.display_name, StaffMember.id)))

    def by_ids(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID]) -> list[StaffMember]:
        """Staff records by id, deleted ones included (a paycheck names whom it paid)."""
        return list(self.session.scalars(select(StaffMember).where(
            StaffMember.tenant_id == tenant_id, StaffMember.id.in_(staff_ids))))

    def records(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID]) -> list:
        """Staff records by id as read-only rows (the columns as the ORM names them, without the sealed
        SSN / bank account and the PIN hash), deleted ones included: a pay run reads thousands, and ORM
        objects cost several times more."""
        columns = [c for c in StaffMember.__table__.columns if not c.key.endswith("_sealed") and c.key != "pin_hash"]
        return list(self.session.execute(select(*columns).where(
            StaffMember.tenant_id == tenant_id, StaffMember.id.in_(staff_ids))))

    def ssn_last4(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
        """staff id -> the last four SSN digits (deleted staff included), without loading the records."""
        rows = self.session.execute(select(StaffMember.id, StaffMember.ssn_last4).where(
            StaffMember.tenant_id == tenant_id, StaffMember.id.in_(staff_ids)))
        return {staff_id: last4 for staff_id, last4 in rows}

    def ids_at_locations(self, tenant_id: uuid.UUID, location_ids: list[uuid.UUID], pay_frequency: str) -> list[uuid.UUID]:
        """Ids of the live staff paid at `pay_frequency` whose home location is one of `location_ids` (a pay
        run's roster), by name."""
        return list(self.session.scalars(select(StaffMember.id).where(
            StaffMember.tenant_id == tenant_id, StaffMember.deleted_at.is_(None),
            StaffMember.home_location_id.in_(location_ids), StaffMember.pay_frequency == pay_frequency).order_by(
            StaffMember.display_name, StaffMember.id)))

    def at_locations(self, tenant_id: uuid.UUID, location_ids: list[uuid.UUID]) -> list[StaffMember]:
        """Live staff whose home location is one of `location_ids` (a pay run's location group)."""
        return list(self.session.scalars(select(StaffMember).where(
            StaffMember.tenant_id == tenant_id, StaffMember.deleted_at.is_(None),
            StaffMember.home_location_id.in_(location_ids)).order_by(StaffMember.display_name, StaffMember.id)))


class ShiftRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, shift: Shift) -> None:
        self.session.add(shift)

    def get(self, tenant_id: uuid.UUID, shift_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        query = select(Shift).where(Shift.id == shift_id, Shift.tenant_id == tenant_id, Shift.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def open_for(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, *, for_update: bool = False) -> Shift | None:
        query = select(Shift).where(Shift.tenant_id == tenant_id, Shift.staff_id == staff_id,
                                    Shift.clock_out_at.is_(None), Shift.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def between(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        """Live shifts clocked in within [start, end), oldest first."""
        return list(self.session.scalars(select(Shift).where(
            Shift.tenant_id == tenant_id, Shift.staff_id == staff_id, Shift.deleted_at.is_(None),
            Shift.clock_in_at >= start, Shift.clock_in_at < end).order_by(Shift.clock_in_at, Shift.id)))

    def for_staff_between(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID], start: datetime,
                          end: datetime) -> list[Shift]:
        """Live shifts of many staff clocked in within [start, end) (a pay run's chunk): rows with the
        shift's columns, not ORM objects (read only, and thousands of them)."""
        return list(self.session.execute(select(
            Shift.id, Shift.staff_id, Shift.job_code, Shift.time_zone, Shift.clock_in_at, Shift.clock_out_at,
            Shift.breaks).where(
            Shift.tenant_id == tenant_id, Shift.staff_id.in_(staff_ids), Shift.deleted_at.is_(None),
            Shift.clock_in_at >= start, Shift.clock_in_at < end).order_by(Shift.clock_in_at, Shift.id)))

    def at_location(self, tenant_id: uuid.UUID, location_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        """Live shifts of anyone at the location clocked in within [start, end), oldest first."""
        return list(self.session.scalars(select(Shift).where(
            Shift.tenant_id == tenant_id, Shift.location_id == location_id, Shift.deleted_at.is_(None),
            Shift.clock_in_at >= start, Shift.clock_in_at < end).order_by(Shift.clock_in_at, Shift.id)))

    def add_edit(self, edit: PunchEdit) -> None:
        self.session.add(edit)

    def edits(self, tenant_id: uuid.UUID, shift_ids: list[uuid.UUID]) -> list[PunchEdit]:
        if not shift_ids:
            return []
        return list(self.session.scalars(select(PunchEdit).where(
            PunchEdit.tenant_id == tenant_id, PunchEdit.shift_id.in_(shift_ids)).order_by(PunchEdit.edited_at)))


class TimesheetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, sheet: Timesheet) -> None:
        self.session.add(sheet)

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, period_start, *, for_update: bool = False) -> Timesheet | None:
        query = select(Timesheet).where(Timesheet.tenant_id == tenant_id, Timesheet.staff_id == staff_id,
                                        Timesheet.period_start == period_start)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def statuses_for_period(self, tenant_id: uuid.UUID, period_start,
                            staff_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
        """staff id -> timesheet status (open | approved) of the period starting `period_start` (of these
        staff only when given)."""
        query = select(Timesheet.staff_id, Timesheet.status).where(
            Timesheet.tenant_id == tenant_id, Timesheet.period_start == period_start)
        if staff_ids is not None:
            query = query.where(Timesheet.staff_id.in_(staff_ids))
        rows = self.session.execute(query)
        return {staff_id: status for staff_id, status in rows}


class PayRunRepository:
    """Pay runs, their items and paychecks, and the worker's job queue (claimed FOR UPDATE SKIP LOCKED)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- runs
    def add(self, run: PayRun) -> None:
        self.session.add(run)

    def get(self, tenant_id: uuid.UUID | None, run_id: uuid.UUID, *, for_update: bool = False) -> PayRun | None:
        """A run of the tenant (any tenant when None: the worker acts for the run's own tenant)."""
        query = select(PayRun).where(PayRun.id == run_id, PayRun.deleted_at.is_(None))
        if tenant_id is not None:
            query = query.where(PayRun.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def list(self, tenant_id: uuid.UUID, limit: int = 100) -> list[PayRun]:
        return list(self.session.scalars(select(PayRun).where(
            PayRun.tenant_id == tenant_id, PayRun.deleted_at.is_(None)).order_by(
            PayRun.created_at.desc(), PayRun.id).limit(limit)))

    def active_for_period(self, tenant_id: uuid.UUID, period_start) -> list[PayRun]:
        """Runs of the period that are not failed (a location is paid by one run a period)."""
        return list(self.session.scalars(select(PayRun).where(
            PayRun.tenant_id == tenant_id, PayRun.period_start == period_start, PayRun.deleted_at.is_(None),
            PayRun.status != "failed")))

    # ---- items
    def add_items(self, items: list[PayRunItem]) -> None:
        """One multi-row INSERT (a chunk of a run: no ORM flush per item; the objects stay transient)."""
        if items:
            columns = [c.key for c in PayRunItem.__table__.columns]
            self.session.execute(insert(PayRunItem.__table__), [{c: getattr(i, c) for c in columns} for i in items])

    def set_item_status(self, run_id: uuid.UUID, staff_ids: list[uuid.UUID], status: str) -> None:
        """One UPDATE for a chunk of the run's employees."""
        self.session.execute(update(PayRunItem).where(PayRunItem.run_id == run_id, PayRunItem.staff_id.in_(staff_ids))
                             .values(status=status).execution_options(synchronize_session=False))

    def items(self, run_id: uuid.UUID, status: str | None = None, *,
              staff_ids: list[uuid.UUID] | None = None) -> list[PayRunItem]:
        query = select(PayRunItem).where(PayRunItem.run_id == run_id)
        if status is not None:
            query = query.where(PayRunItem.status == status)
        if staff_ids is not None:
            query = query.where(PayRunItem.staff_id.in_(staff_ids))
        return list(self.session.scalars(query.order_by(PayRunItem.display_name, PayRunItem.staff_id)))

    def item_records(self, run_id: uuid.UUID, status: str, staff_ids: list[uuid.UUID]) -> list:
        """The items of these staff in `status` as read-only rows (staff_id, display_name, request, result)."""
        return list(self.session.execute(select(
            PayRunItem.staff_id, PayRunItem.display_name, PayRunItem.request, PayRunItem.result).where(
            PayRunItem.run_id == run_id, PayRunItem.status == status, PayRunItem.staff_id.in_(staff_ids)).order_by(
            PayRunItem.staff_id)))

    def item(self, run_id: uuid.UUID, staff_id: uuid.UUID) -> PayRunItem | None:
        return self.session.scalars(select(PayRunItem).where(
            PayRunItem.run_id == run_id, PayRunItem.staff_id == staff_id)).first()

    def item_counts(self, run_id: uuid.UUID) -> dict[str, int]:
        rows = self.session.execute(select(PayRunItem.status, func.count()).where(
            PayRunItem.run_id == run_id).group_by(PayRunItem.status))
        return {status: n for status, n in rows}

    def item_staff(self, run_id: uuid.UUID, status: str) -> list[uuid.UUID]:
        """Staff ids of the run's items in `status`, in a stable order (chunks are cut from it)."""
        return list(self.session.scalars(select(PayRunItem.staff_id).where(
            PayRunItem.run_id == run_id, PayRunItem.status == status).order_by(PayRunItem.staff_id)))

    def item_sums(self, run_id: uuid.UUID, paths: dict[str, tuple[str, ...]]) -> dict[str, Decimal]:
        """Sums over the run's previewed paychecks (`result` JSON), in the database: {name: sum of the
        amount at each path}, e.g. {"net_pay": ("net_pay",)}; a name may sum several paths."""
        columns = []
        for name, path in paths.items():
            expr = PayRunItem.result
            for key in path[:-1]:
                expr = expr[key]
            columns.append(func.coalesce(func.sum(expr[path[-1]].astext.cast(Numeric)), 0).label(name))
        row = self.session.execute(select(*columns).where(PayRunItem.run_id == run_id,
                                                          PayRunItem.result.is_not(None))).one()
        return {name: Decimal(row._mapping[name]) for name in paths}

    def itemized_staff(self, run_id: uuid.UUID) -> set[uuid.UUID]:
        return set(self.session.scalars(select(PayRunItem.staff_id).where(PayRunItem.run_id == run_id)))

    # ---- paychecks
    def add_paychecks(self, paychecks: list[Paycheck]) -> None:
        self.session.add_all(paychecks)

    def pay_items(self, run: PayRun, paycheck_ids: dict[uuid.UUID, uuid.UUID], finalized_at: datetime) -> set[uuid.UUID]:
        """The paychecks of the run's previewed items of these staff ({staff id: paycheck id}), copied from
        the items inside the database (the paycheck JSON is not read and written back); an employee this run
        already paid is left as is (the unique run + employee). Returns the staff whose paycheck it wrote."""
        if not paycheck_ids:
            return set()
        rows = self.session.execute(text(
            "INSERT INTO paychecks (id, tenant_id, run_id, staff_id, pay_date, period_start, period_end,"
            " net_pay_cents, gross_cents, result, finalized_at)"
            " SELECT p.paycheck_id, i.tenant_id, i.run_id, i.staff_id, :pay_date, :period_start, :period_end,"
            " i.net_pay_cents, i.gross_cents, i.result, :finalized_at"
            " FROM pay_run_items i JOIN unnest(CAST(:staff AS uuid[]), CAST(:paychecks AS uuid[]))"
            " AS p(staff_id, paycheck_id) ON p.staff_id = i.staff_id"
            " WHERE i.run_id = :run AND i.status = 'previewed'"
            " ON CONFLICT (run_id, staff_id) DO NOTHING RETURNING staff_id"),
            {"staff": list(paycheck_ids), "paychecks": list(paycheck_ids.values()), "run": run.id,
             "pay_date": run.pay_date, "period_start": run.period_start, "period_end": run.period_end,
             "finalized_at": finalized_at})
        return set(rows.scalars())

    def paid_staff(self, run_id: uuid.UUID, staff_ids: list[uuid.UUID] | None = None) -> set[uuid.UUID]:
        query = select(Paycheck.staff_id).where(Paycheck.run_id == run_id)
        if staff_ids is not None:
            query = query.where(Paycheck.staff_id.in_(staff_ids))
        return set(self.session.scalars(query))

    def earlier_paychecks(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, year: int, until: date,
                          other_than_run: uuid.UUID) -> list[Paycheck]:
        """The employee's paychecks paid in `year` up to `until` by other runs (a stub's year to date)."""
        return list(self.session.scalars(select(Paycheck).where(
            Paycheck.tenant_id == tenant_id, Paycheck.staff_id == staff_id, Paycheck.run_id != other_than_run,
            Paycheck.pay_date >= date(year, 1, 1), Paycheck.pay_date <= until).order_by(
            Paycheck.pay_date, Paycheck.finalized_at)))

    def paychecks(self, run_id: uuid.UUID) -> list[Paycheck]:
        return list(self.session.scalars(select(Paycheck).where(Paycheck.run_id == run_id).order_by(
            Paycheck.staff_id)))

    # ---- jobs
    def add_job(self, job: PayRunJob) -> None:
        """Queues a job; the NOTIFY (sent at commit, dropped on rollback) wakes an idle worker at once."""
        self.session.add(job)
        self.session.execute(text("SELECT pg_notify(current_schema() || '_pay_run_jobs', '')"))

    def job(self, job_id: uuid.UUID, *, for_update: bool = False) -> PayRunJob | None:
        query = select(PayRunJob).where(PayRunJob.id == job_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def claimable_job(self, now: datetime) -> PayRunJob | None:
        """The oldest job no live worker holds, locked for this transaction; SKIP LOCKED lets several
        workers claim at once without waiting on each other (nor taking the same job)."""
        return self.session.scalars(select(PayRunJob).where(
            or_(PayRunJob.status == "queued",
                and_(PayRunJob.status == "running", PayRunJob.lease_expires_at < now))).order_by(
            PayRunJob.enqueued_at).limit(1).with_for_update(skip_locked=True)).first()

    def renew_lease(self, job_id: uuid.UUID, owner: str, until: datetime) -> bool:
        """Extends the lease if `owner` still holds it (False: another worker took the job over)."""
        result = self.session.execute(update(PayRunJob).where(
            PayRunJob.id == job_id, PayRunJob.lease_owner == owner, PayRunJob.status == "running").values(
            lease_expires_at=until))
        return result.rowcount == 1

    def oldest_running_since(self) -> datetime | None:
        return self.session.scalar(select(func.min(PayRunJob.started_at)).where(PayRunJob.status == "running"))



class StaffDeductionRepository:
    """Standing deductions of staff records."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: StaffDeduction) -> None:
        self.session.add(row)

    def get(self, tenant_id: uuid.UUID, staff_id: uuid.UUID, deduction_id: uuid.UUID, *,
            for_update: bool = False) -> StaffDeduction | None:
        query = select(StaffDeduction).where(StaffDeduction.tenant_id == tenant_id,
                                             StaffDeduction.staff_id == staff_id, StaffDeduction.id == deduction_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_staff(self, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> list[StaffDeduction]:
        return list(self.session.scalars(select(StaffDeduction).where(
            StaffDeduction.tenant_id == tenant_id, StaffDeduction.staff_id == staff_id).order_by(
            StaffDeduction.starts_on, StaffDeduction.created_at, StaffDeduction.id)))

    def in_force(self, tenant_id: uuid.UUID, staff_ids: list[uuid.UUID], on: date) -> list[StaffDeduction]:
        """The deductions of many staff members in force on a pay date (one query for a pay run)."""
        if not staff_ids:
            return []
        return list(self.session.scalars(select(StaffDeduction).where(
            StaffDeduction.tenant_id == tenant_id, StaffDeduction.staff_id.in_(staff_ids),
            StaffDeduction.starts_on <= on,
            or_(StaffDeduction.ends_on.is_(None), StaffDeduction.ends_on >= on)).order_by(
            StaffDeduction.staff_id, StaffDeduction.starts_on, StaffDeduction.created_at, StaffDeduction.id)))
