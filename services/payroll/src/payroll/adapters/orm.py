"""payroll tables (schema payroll)."""
import uuid
from datetime import date, datetime

from chassis.db import TimestampedMixin, make_base
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, Text, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

Base = make_base()


class TipRecord(TimestampedMixin, Base):
    """A tip credited to the staff member who served the order: the base of tip reporting
    (tips are wages for income tax and FICA, see the tax service)."""

    __tablename__ = "tip_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    # The order's own tip: one per order (partial unique index, migration 0006); none for manual.
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(Text, default="order")  # order | payment | manual | pool | pool_contribution
    # A tip given with a payment: one per payment (migration 0006).
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tip_cents: Mapped[int] = mapped_column(BigInteger)  # negative only for a pool_contribution (paid in)
    earned_at: Mapped[datetime]
    pool_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)  # pool / pool_contribution rows


class TipRefund(Base):
    """A refunded tip taken off a payment's tip record: one per refund (the key of idempotency)."""

    __tablename__ = "tip_refunds"

    refund_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tip_record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tip_records.id"), index=True)
    tip_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    reversed_at: Mapped[datetime]


class EmployerSettings(TimestampedMixin, Base):
    """Per tenant (the employer): its fixed workweek and pay period (FLSA 29 CFR 778.105)."""

    __tablename__ = "employer_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workweek_start_day: Mapped[str] = mapped_column(Text, default="monday")
    pay_frequency: Mapped[str] = mapped_column(Text, default="weekly")  # weekly | biweekly
    period_anchor: Mapped[date]  # any day of the first workweek of some pay period (biweekly step)
    break_premiums: Mapped[bool] = mapped_column(Boolean, default=False)  # California meal/rest premiums


class StaffMember(TimestampedMixin, Base):
    """Someone the employer pays: with a login (user_id, an auth user) or without (clocks in with a PIN).
    SSN and bank account are AES-GCM sealed (chassis.crypto) bound to row and column; last 4 kept to mask."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="one_staff_record_per_user"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    display_name: Mapped[str] = mapped_column(Text)
    pin_hash: Mapped[str | None] = mapped_column(Text)  # argon2
    home_location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    work_location_ids: Mapped[list] = mapped_column(JSONB, default=list)  # ids as strings
    jobs: Mapped[list] = mapped_column(JSONB, default=list)  # [{job_code, pay_type, rate|cash_wage_rate}]
    pay_frequency: Mapped[str] = mapped_column(Text, default="weekly")
    tax_forms: Mapped[dict] = mapped_column(JSONB, default=dict)  # {federal, state, locality}
    ssn_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    ssn_last4: Mapped[str | None] = mapped_column(Text)
    bank_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    bank_last4: Mapped[str | None] = mapped_column(Text)


class Shift(TimestampedMixin, Base):
    """One clock-in to clock-out at a location in one job, in UTC, with the location's time zone as it
    was at clock-in (hours are worked out in it). Breaks: [{break_id, started_at, ended_at, paid}]."""

    __tablename__ = "shifts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    job_code: Mapped[str] = mapped_column(Text)
    time_zone: Mapped[str] = mapped_column(Text)
    clock_in_at: Mapped[datetime]
    clock_out_at: Mapped[datetime | None]
    breaks: Mapped[list] = mapped_column(JSONB, default=list)


class PunchEdit(Base):
    """Audit trail of manager edits: who, when, the shift before and after, and why (never updated)."""

    __tablename__ = "punch_edits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    edited_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    edited_at: Mapped[datetime]
    before: Mapped[dict] = mapped_column(JSONB)
    after: Mapped[dict] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(Text)


class Timesheet(TimestampedMixin, Base):
    """A staff member's pay period as a manager decided it: approved (locked) or reopened, with history."""

    __tablename__ = "timesheets"
    __table_args__ = (UniqueConstraint("tenant_id", "staff_id", "period_start", name="one_timesheet_per_period"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    period_start: Mapped[date]
    period_end: Mapped[date]
    status: Mapped[str] = mapped_column(Text, default="open")  # open | approved
    approved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    approved_at: Mapped[datetime | None]
    history: Mapped[list] = mapped_column(JSONB, default=list)  # [{action, by, at, reason}]


class PayRun(TimestampedMixin, Base):
    """One pay period's payroll for a group of locations: previewing -> previewed -> approved ->
    finalizing -> completed (or failed). `locations`: {location_id: {state, time_zone}} as auth said at
    creation; `totals`: {employees, errors, gross, net, ...} once previewed."""

    __tablename__ = "pay_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    pay_date: Mapped[date]
    pay_frequency: Mapped[str] = mapped_column(Text)
    locations: Mapped[dict] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    totals: Mapped[dict] = mapped_column(JSONB, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class PayRunJob(Base):
    """The worker's queue: a phase of a run to execute. Claimed with FOR UPDATE SKIP LOCKED and held by a
    lease the worker renews (heartbeat); a job whose lease expired (its worker died) is claimed again."""

    __tablename__ = "pay_run_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("pay_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(Text)  # preview | finalize
    status: Mapped[str] = mapped_column(Text)  # queued | running | succeeded | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(Text)
    lease_expires_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class PayRunItem(Base):
    """One employee in a run: the paycheck request built from timesheets, tips and the staff record (the
    preview endpoint's JSON), and its result (the preview's answer) or the error naming the field."""

    __tablename__ = "pay_run_items"
    __table_args__ = (UniqueConstraint("run_id", "staff_id", name="one_item_per_run_and_employee"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("pay_runs.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    display_name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)  # previewed | error | finalized
    request: Mapped[dict] = mapped_column(JSONB)
    result: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[dict | None] = mapped_column(JSONB)  # {field, message}
    net_pay_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    gross_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class Paycheck(Base):
    """A finalized paycheck (never edited: a correction is another paycheck). One per run and employee."""

    __tablename__ = "paychecks"
    __table_args__ = (UniqueConstraint("run_id", "staff_id", name="one_paycheck_per_run_and_employee"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    run_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("pay_runs.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    pay_date: Mapped[date]
    period_start: Mapped[date]
    period_end: Mapped[date]
    net_pay_cents: Mapped[int] = mapped_column(BigInteger)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[dict] = mapped_column(JSONB)
    finalized_at: Mapped[datetime]
class TipPoolPolicy(TimestampedMixin, Base):
    """A location's tip pool: work state, tip credit taken, contribution percent, roles with points
    (payroll.domain.tip_pools.PoolPolicy.to_dict())."""

    __tablename__ = "tip_pool_policies"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    policy: Mapped[dict] = mapped_column(JSONB)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class TipPoolRun(TimestampedMixin, Base):
    """A workweek's pool at a location as last distributed (a re-run replaces the tip records it wrote
    and bumps the version). `result`: PoolResult.to_dict() plus the policy used."""

    __tablename__ = "tip_pool_runs"
    __table_args__ = (UniqueConstraint("tenant_id", "location_id", "workweek_start", name="one_pool_per_workweek"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    workweek_start: Mapped[date]
    version: Mapped[int] = mapped_column(Integer, default=1)
    pool_cents: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[dict] = mapped_column(JSONB)
    distributed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    distributed_at: Mapped[datetime]


class StaffDeduction(TimestampedMixin, Base):
    """A standing deduction on a staff record (401(k), section 125, HSA, garnishment, loan), taken from
    every paycheck paid from `starts_on` through `ends_on` (inclusive; None: until ended). `amount` per
    paycheck or `percent` (domain/standing_deductions.py), as decimal strings. Never deleted: ended."""

    __tablename__ = "staff_deductions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    type: Mapped[str] = mapped_column(Text)
    amount: Mapped[str | None] = mapped_column(Text)
    percent: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(Text)
    ended_by: Mapped[str | None] = mapped_column(Text)
