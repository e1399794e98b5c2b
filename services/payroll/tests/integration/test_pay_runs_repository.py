"""Pay runs on real PostgreSQL: the job queue (two workers claim different jobs with SKIP LOCKED, an
expired lease is taken over, a fenced-out worker cannot commit), one paycheck per run and employee (the
unique key), and a whole run (preview -> approve -> finalize) through PayrollUnitOfWork with a stand-in tax
service, resumed after a 'crash' without paying anyone twice."""
from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis.identity import Identity
from chassis.rbac import role_permissions
from payroll.adapters.orm import EmployerSettings, Paycheck, PayRun, PayRunJob, Shift, StaffMember, Timesheet
from payroll.adapters.unit_of_work import PayrollUnitOfWork
from payroll.domain.pay.taxes import EMPLOYEE_TAXES, EMPLOYER_TAXES, TAXABLE_WAGES, Withholding
from payroll.service_layer import pay_runs
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
PERIOD = date(2026, 3, 2)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class FlatTax:
    """The tax service's part, flat: 10 % federal income tax, nothing else (the real one is tested in tax)."""

    def __init__(self) -> None:
        self.calls = 0

    def calculate(self, identity, requests):
        self.calls += 1
        out = []
        for r in requests:
            gross = Decimal(r["wages"]) + Decimal(r["tips"])
            zero = {k: Decimal("0.00") for k in EMPLOYEE_TAXES}
            out.append(Withholding(zero | {"federal_income_tax": (gross / 10).quantize(Decimal("0.01"))},
                                   {k: Decimal("0.00") for k in EMPLOYER_TAXES},
                                   {k: gross for k in TAXABLE_WAGES}, (), "flat-1"))
        return out


class Directory:
    def location(self, identity, location_id, field="location_id"):
        return {"time_zone": "America/New_York", "state": "PA"}


@pytest.fixture
def uow(payroll_db):
    sessions, _ = payroll_db
    return lambda: PayrollUnitOfWork(sessions, "/auraconnect/payroll")


def _job(u, run_id, tenant, enqueued):
    u.pay_runs.add_job(PayRunJob(id=uuid.uuid4(), tenant_id=tenant, run_id=run_id, kind="preview", status="queued",
                                 attempts=0, enqueued_at=enqueued))


def _run(u, tenant) -> uuid.UUID:
    run = PayRun(id=uuid.uuid4(), tenant_id=tenant, period_start=PERIOD, period_end=PERIOD + timedelta(days=6),
                 pay_date=date(2026, 3, 13), pay_frequency="weekly", locations={}, status="previewing",
                 created_by="test", totals={})
    u.pay_runs.add(run)
    u.flush()
    return run.id


def test_two_workers_claim_two_different_jobs_and_an_expired_lease_is_taken_over(uow, payroll_db):
    tenant = uuid.uuid4()
    with uow() as u:
        run_id = _run(u, tenant)
        _job(u, run_id, tenant, NOW - timedelta(hours=2))
        _job(u, run_id, tenant, NOW - timedelta(hours=1))
        u.commit()
    sessions, _ = payroll_db
    with uow() as holding:  # worker A holds the oldest job's row lock, transaction still open
        first = holding.pay_runs.claimable_job(NOW)
        with uow() as other:  # worker B skips it instead of waiting
            second = other.pay_runs.claimable_job(NOW)
            assert second is not None and second.id != first.id
    clock = Clock()
    a = pay_runs.claim_job(uow, "A", lease_seconds=30, clock=clock)
    b = pay_runs.claim_job(uow, "B", lease_seconds=30, clock=clock)
    assert {a.job_id, b.job_id} == {first.id, second.id} and a.job_id != b.job_id
    assert pay_runs.claim_job(uow, "C", lease_seconds=30, clock=clock) is None
    assert pay_runs.oldest_running_age(uow, clock=clock) == 0.0
    clock.now += timedelta(seconds=31)  # A died: its lease expires
    assert pay_runs.renew_lease(uow, b, lease_seconds=30, clock=clock)  # B is alive and says so
    taken = pay_runs.claim_job(uow, "C", lease_seconds=30, clock=clock)
    assert taken.job_id == a.job_id and taken.attempts == 2
    assert not pay_runs.renew_lease(uow, a, lease_seconds=30, clock=clock)  # A, back from the dead, is out
    assert pay_runs.oldest_running_age(uow, clock=clock) == 31.0


def test_one_paycheck_per_run_and_employee(uow):
    tenant, staff = uuid.uuid4(), uuid.uuid4()
    with uow() as u:
        run_id = _run(u, tenant)
        u.commit()

    def pay():
        with uow() as u:
            u.pay_runs.add_paychecks([Paycheck(id=uuid.uuid4(), tenant_id=tenant, run_id=run_id, staff_id=staff,
                                               pay_date=date(2026, 3, 13), period_start=PERIOD,
                                               period_end=PERIOD + timedelta(days=6), net_pay_cents=1,
                                               gross_cents=1, result={}, finalized_at=NOW)])
            u.commit()

    pay()
    with pytest.raises(IntegrityError):
        pay()
    with uow() as u:
        assert u.pay_runs.paid_staff(run_id) == {staff}


def _hire(u, tenant, location, i):
    member = StaffMember(id=uuid.uuid4(), tenant_id=tenant, user_id=None, display_name=f"E{i}", pin_hash="x",
                         home_location_id=location, work_location_ids=[str(location)],
                         jobs=[{"job_code": "cook", "pay_type": "hourly", "rate": "20.00"}], pay_frequency="weekly",
                         tax_forms={"federal": {"form_version": "2020", "filing_status": "single"}}, ssn_last4="1234")
    u.staff.add(member)
    for d in range(5):
        start = datetime.combine(PERIOD + timedelta(days=d), datetime.min.time(), UTC) + timedelta(hours=14)
        u.shifts.add(Shift(id=uuid.uuid4(), tenant_id=tenant, staff_id=member.id, location_id=location,
                           job_code="cook", time_zone="America/New_York", clock_in_at=start,
                           clock_out_at=start + timedelta(hours=8 + i % 3), breaks=[]))
    u.timesheets.add(Timesheet(id=uuid.uuid4(), tenant_id=tenant, staff_id=member.id, period_start=PERIOD,
                               period_end=PERIOD + timedelta(days=6), status="approved", history=[]))


def test_a_run_on_the_real_database_resumes_after_a_crash_and_pays_each_employee_once(uow, payroll_db):
    tenant, location = uuid.uuid4(), uuid.uuid4()
    admin = Identity(subject=str(uuid.uuid4()), tenant_id=str(tenant), roles=("admin",),
                     permissions=role_permissions("admin"))
    with uow() as u:
        u.employers.add(EmployerSettings(tenant_id=tenant, workweek_start_day="monday", pay_frequency="weekly",
                                         period_anchor=date(2026, 1, 5), break_premiums=False))
        for i in range(7):
            _hire(u, tenant, location, i)
        u.commit()
    clock, tax = Clock(), FlatTax()
    run = pay_runs.create_pay_run(uow, admin, {"period_start": "2026-03-02", "pay_date": "2026-03-13",
                                               "location_ids": [str(location)]},
                                  directory=Directory(), progress=None, clock=clock)
    job = pay_runs.claim_job(uow, "w1", lease_seconds=30, clock=clock)
    pay_runs.run_job(uow, job, tax=tax, progress=None, clock=clock, chunk_size=3, lease_seconds=30, ahead=True)
    assert tax.calls == 3  # 7 employees in chunks of 3
    previewed = pay_runs.get_pay_run(uow, admin, run["run_id"])
    assert previewed["items"] == {"previewed": 7}
    items = pay_runs.list_items(uow, admin, run["run_id"])["items"]  # the totals are summed by PostgreSQL
    assert previewed["totals"]["net_pay"] == str(sum(Decimal(i["paycheck"]["net_pay"]) for i in items))
    assert previewed["totals"]["employee_taxes"] == str(sum(
        Decimal(v) for i in items for v in i["paycheck"]["employee_taxes"].values()))
    pay_runs.approve_pay_run(uow, admin, run["run_id"], clock=clock)
    pay_runs.finalize_pay_run(uow, admin, run["run_id"], progress=None, clock=clock)

    class Crash:
        def publish(self, run_id, progress):
            if progress["phase"] == "finalize" and progress["done"]:
                raise KeyboardInterrupt("killed after the first chunk")

        def read(self, run_id):
            return None

    job = pay_runs.claim_job(uow, "w1", lease_seconds=30, clock=clock)
    with pytest.raises(KeyboardInterrupt):
        pay_runs.run_job(uow, job, tax=tax, progress=Crash(), clock=clock, chunk_size=3, lease_seconds=30)
    clock.now += timedelta(seconds=31)
    job = pay_runs.claim_job(uow, "w2", lease_seconds=30, clock=clock)
    pay_runs.run_job(uow, job, tax=tax, progress=None, clock=clock, chunk_size=3, lease_seconds=30)
    assert pay_runs.get_pay_run(uow, admin, run["run_id"])["status"] == "completed"
    sessions, _ = payroll_db
    run_id = uuid.UUID(run["run_id"])
    with sessions() as session:
        paid = list(session.scalars(select(Paycheck.staff_id).where(Paycheck.run_id == run_id)))
        events = session.execute(text("SELECT event_type, message_key FROM outbox WHERE event_type "
                                      "LIKE 'auraconnect.payroll.v1.Pay%'")).all()
    assert len(paid) == 7
    finalized = [k for t, k in events if t == events_pb2.PaycheckFinalized.DESCRIPTOR.full_name]
    assert sorted(finalized) == sorted(str(s) for s in paid)  # one event per employee, none twice
    assert [k for t, k in events if t == events_pb2.PayrollRunCompleted.DESCRIPTOR.full_name] == [run["run_id"]]


def test_standing_deductions_in_force_on_a_pay_date(uow):
    """staff_deductions (migration 0007): the deductions of many staff members in force on one pay date,
    starts_on and ends_on inclusive; amount xor percent is a database rule too."""
    from payroll.adapters.orm import StaffDeduction

    tenant, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def row(staff, kind, starts, ends=None, amount="10.00", percent=None):
        return StaffDeduction(id=uuid.uuid4(), tenant_id=tenant, staff_id=staff, type=kind, amount=amount,
                              percent=percent, starts_on=date.fromisoformat(starts),
                              ends_on=date.fromisoformat(ends) if ends else None, note="", created_by="t")

    with uow() as u:
        for r in (row(a, "401k", "2026-01-01", amount=None, percent="5"), row(a, "loan", "2026-01-01", "2026-03-13"),
                  row(a, "loan", "2026-01-01", "2026-03-12"), row(b, "hsa", "2026-03-13"),
                  row(b, "hsa", "2026-03-14"), row(uuid.uuid4(), "loan", "2026-01-01")):
            u.deductions.add(r)
        u.commit()
    with uow() as u:
        found = u.deductions.in_force(tenant, [a, b], date(2026, 3, 13))
        assert sorted((r.staff_id == a, r.type, r.ends_on) for r in found) == [
            (False, "hsa", None), (True, "401k", None), (True, "loan", date(2026, 3, 13))]
        assert len(u.deductions.for_staff(tenant, a)) == 3
    with pytest.raises(IntegrityError), uow() as u:
        u.deductions.add(row(a, "loan", "2026-01-01", amount=None, percent=None))
        u.commit()


def test_wrong_pin_counters_in_real_redis(infra):
    """RedisPinThrottle: failures counted per key from the first one, refused at the limit with the seconds
    left, cleared by a right PIN; other keys untouched."""
    from payroll.adapters.pin_throttle import RedisPinThrottle

    throttle = RedisPinThrottle(f"{infra.layout.redis_url}/14", max_failures=3, window_seconds=60)
    key, other = f"t:{uuid.uuid4()}:loc", f"t:{uuid.uuid4()}:loc"
    assert throttle.wait_seconds(key) == 0
    assert [throttle.failed(key) for _ in range(3)] == [1, 2, 3]
    assert 55 <= throttle.wait_seconds(key) <= 60 and throttle.wait_seconds(other) == 0
    throttle.succeeded(key)
    assert throttle.wait_seconds(key) == 0 and throttle.failed(key) == 1
    down = RedisPinThrottle("redis://127.0.0.1:1/0", max_failures=3, window_seconds=60)
    assert down.wait_seconds(key) == 0 and down.failed(key) == 0  # Redis down: punches go on


def test_a_queued_job_wakes_a_waiting_worker_at_its_commit_not_before(uow, payroll_db):
    from payroll.adapters.job_signal import PgJobSignal

    sessions, schema = payroll_db
    signal = PgJobSignal(sessions.kw["bind"], schema)
    try:
        signal.wait(0.01)  # LISTEN is on from here
        tenant = uuid.uuid4()
        with uow() as u:
            _job(u, _run(u, tenant), tenant, NOW)
            u.flush()
            began = time.monotonic()
            signal.wait(1.0)  # not committed yet: nothing is sent
            assert time.monotonic() - began >= 0.9
            u.commit()
        began = time.monotonic()
        signal.wait(20.0)
        assert time.monotonic() - began < 10, "the commit's NOTIFY woke the waiter"
    finally:
        signal.close()
