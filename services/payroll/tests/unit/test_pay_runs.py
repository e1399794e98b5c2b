"""Pay runs against fakes: the life of a run (create -> preview -> approve -> finalize), chunking (one tax
call per chunk), exactly-once finalization across a crash and a lost lease, errors that block approval."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from auraconnect.payroll.v1 import events_pb2
from chassis.errors import Conflict, InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import role_permissions
from payroll.adapters.orm import Shift, StaffDeduction, StaffMember, Timesheet, TipRecord
from payroll.domain import pay_runs as rules
from payroll.service_layer import pay_runs
from payroll.service_layer.paychecks import preview_paycheck
from payroll_fakes import FakeDirectory, FakePayrollUnitOfWork, FakeProgressBoard, FakeTax, FixedClock

TENANT = str(uuid.uuid4())
LOCATION = str(uuid.uuid4())
PERIOD = date(2026, 3, 2)  # a Monday: the employer's default workweek starts Monday, weekly periods
PAY_DATE = "2026-03-13"
UTC_OFFSET = timedelta(hours=5)  # America/New_York in early March (EST)


def person(role: str) -> Identity:
    return Identity(subject=str(uuid.uuid4()), tenant_id=TENANT, roles=(role,), permissions=role_permissions(role))


ADMIN = person("admin")


class World:
    def __init__(self) -> None:
        self.uow = FakePayrollUnitOfWork()
        self.tax = FakeTax()
        self.progress = FakeProgressBoard()
        self.clock = FixedClock(datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
        self.directory = FakeDirectory({LOCATION}, states={LOCATION: "PA"})
        self.staff: list[StaffMember] = []

    def factory(self):
        return self.uow

    def hire(self, name: str, *, tipped: bool = False, approved: bool = True, tips_cents: int = 0,
             hours: int = 8, days: int = 5, job: dict | None = None) -> StaffMember:
        job = job or ({"job_code": "server", "pay_type": "tipped", "cash_wage_rate": "2.83"} if tipped
                      else {"job_code": "cook", "pay_type": "hourly", "rate": "18.00"})
        member = StaffMember(id=uuid.uuid4(), tenant_id=uuid.UUID(TENANT), display_name=name,
                             user_id=uuid.uuid4() if tipped else None,  # tips from orders name the auth user
                             pin_hash="hash:1234", home_location_id=uuid.UUID(LOCATION), work_location_ids=[LOCATION],
                             jobs=[job], pay_frequency="weekly", ssn_last4="6789",
                             tax_forms={"federal": {"form_version": "2020", "filing_status": "single"}})
        self.uow.staff.add(member)
        for d in range(days):
            start = datetime.combine(PERIOD + timedelta(days=d), datetime.min.time(), UTC) + UTC_OFFSET + timedelta(hours=9)
            self.uow.shifts.add(Shift(id=uuid.uuid4(), tenant_id=member.tenant_id, staff_id=member.id,
                                      location_id=member.home_location_id, job_code=job["job_code"],
                                      time_zone="America/New_York", clock_in_at=start,
                                      clock_out_at=start + timedelta(hours=hours), breaks=[]))
        if tips_cents:
            self.uow.tips.add(TipRecord(id=uuid.uuid4(), tenant_id=member.tenant_id, order_id=None,
                                        staff_id=member.user_id or member.id,
                                        source="manual", note="", entered_by=None, location_id=member.home_location_id,
                                        tip_cents=tips_cents, earned_at=datetime(2026, 3, 3, 23, 0, tzinfo=UTC)))
        self.uow.timesheets.add(Timesheet(id=uuid.uuid4(), tenant_id=member.tenant_id, staff_id=member.id,
                                          period_start=PERIOD, period_end=PERIOD + timedelta(days=6),
                                          status="approved" if approved else "open", history=[]))
        self.staff.append(member)
        return member

    def create(self, **changes) -> dict:
        body = {"period_start": PERIOD.isoformat(), "pay_date": PAY_DATE, "location_ids": [LOCATION], **changes}
        return pay_runs.create_pay_run(self.factory, ADMIN, body, directory=self.directory, progress=self.progress,
                                       clock=self.clock)

    def work(self, owner: str = "worker-1", chunk_size: int = 2, **kwargs) -> pay_runs.ClaimedJob | None:
        job = pay_runs.claim_job(self.factory, owner, lease_seconds=30, clock=self.clock)
        if job is not None:
            pay_runs.run_job(self.factory, job, tax=self.tax, progress=kwargs.get("progress", self.progress),
                             clock=self.clock, chunk_size=chunk_size, lease_seconds=30)
        return job

    def paychecks(self, run_id: str):
        return self.uow.pay_runs.paychecks(uuid.UUID(run_id))


@pytest.fixture
def world() -> World:
    return World()


def test_a_run_previews_is_approved_and_finalizes_each_employee_once(world):
    world.hire("Ana", tipped=True, tips_cents=30_000)
    world.hire("Ben", hours=9)
    world.hire("Cy")
    world.hire("Dee", approved=True, days=0, tips_cents=0)  # worked nothing: not in the run
    world.hire("Eve", tipped=True, tips_cents=500)  # a tip-credit top-up week
    run = world.create()
    assert run["status"] == "previewing" and run["period"] == {"start": "2026-03-02", "end": "2026-03-08",
                                                               "pay_frequency": "weekly"}
    assert world.work() is not None
    got = pay_runs.get_pay_run(world.factory, ADMIN, run["run_id"])
    assert got["status"] == "previewed" and got["items"] == {"previewed": 4}
    assert len(world.tax.calls) == 2  # 4 employees, chunks of 2: one batch call per chunk
    assert all(identity.subject == "service:payroll" and identity.tenant_id == TENANT
               for identity, _ in world.tax.calls)
    items = pay_runs.list_items(world.factory, ADMIN, run["run_id"])["items"]
    for item in items:  # the run's paycheck is the preview of the same request
        preview = preview_paycheck(item["request"], ADMIN, tax=FakeTax()).to_dict()
        preview.pop("explanation")
        assert item["paycheck"] == preview
        assert item["request"]["employee_id"] == item["staff_id"]  # the tax ledger supplies YTD
    ana = next(i for i in items if i["display_name"] == "Ana")
    assert ana["request"]["workweeks"][0]["reported_tips"] == "300.00"
    eve = next(i for i in items if i["display_name"] == "Eve")
    assert eve["paycheck"]["tip_credit_top_up"] != "0.00"
    assert pay_runs.approve_pay_run(world.factory, ADMIN, run["run_id"], clock=world.clock)["status"] == "approved"
    assert pay_runs.finalize_pay_run(world.factory, ADMIN, run["run_id"], progress=world.progress,
                                     clock=world.clock)["status"] == "finalizing"
    calls = len(world.tax.calls)
    world.work()
    assert len(world.tax.calls) == calls  # finalization pays what was approved: no new tax computation
    done = pay_runs.get_pay_run(world.factory, ADMIN, run["run_id"])
    assert done["status"] == "completed" and done["items"] == {"finalized": 4}
    paid = world.paychecks(run["run_id"])
    assert len(paid) == 4 and len({p.staff_id for p in paid}) == 4
    events = world.uow.events_of(events_pb2.PaycheckFinalized)
    assert sorted(e.employee_id for e in events) == sorted(str(p.staff_id) for p in paid)
    by_id = {i["staff_id"]: i for i in items}
    for e in events:
        item = by_id[e.employee_id]
        assert e.paycheck_id == str(pay_runs.paycheck_id(uuid.UUID(run["run_id"]), uuid.UUID(e.employee_id)))
        assert e.earnings.wages == item["paycheck"]["cash_wages"] and e.earnings.tips == item["paycheck"]["reported_tips"]
        assert e.taxes.employee.social_security == item["paycheck"]["employee_taxes"]["social_security"]
        assert e.ssn_last4 == "6789" and e.pay_date == PAY_DATE and e.earnings.work_state == "PA"
    [completed] = world.uow.events_of(events_pb2.PayrollRunCompleted)
    assert completed.paychecks == 4 and completed.net_pay == done["totals"]["net_pay"]
    assert world.progress.latest[run["run_id"]] | {"updated_at": None} == {
        "run_id": run["run_id"], "status": "completed", "phase": "done", "done": 4, "total": 4, "updated_at": None}
    # Asking to finalize again changes nothing and queues nothing.
    assert pay_runs.finalize_pay_run(world.factory, ADMIN, run["run_id"], progress=None)["status"] == "completed"
    assert world.work() is None and len(world.paychecks(run["run_id"])) == 4


class CrashAfter:
    """A progress board that 'kills the worker' (raises) after `n` finalize writes."""

    def __init__(self, n: int) -> None:
        self.n, self.seen = n, 0

    def publish(self, run_id, progress):
        if progress["phase"] == "finalize" and progress["done"]:
            self.seen += 1
            if self.seen >= self.n:
                raise KeyboardInterrupt("worker killed")

    def read(self, run_id):
        return None


def _approved_run(world, employees: int = 5) -> dict:
    for i in range(employees):
        world.hire(f"E{i}", tipped=bool(i % 2), tips_cents=1000 * i)
    run = world.create()
    world.work()
    pay_runs.approve_pay_run(world.factory, ADMIN, run["run_id"], clock=world.clock)
    pay_runs.finalize_pay_run(world.factory, ADMIN, run["run_id"], progress=None, clock=world.clock)
    return run


def test_a_worker_killed_mid_finalization_is_taken_over_and_nobody_is_paid_twice(world):
    run = _approved_run(world)
    with pytest.raises(KeyboardInterrupt):
        world.work(owner="killed", progress=CrashAfter(1))
    assert len(world.paychecks(run["run_id"])) == 2  # the first chunk committed
    assert world.work(owner="second") is None  # the dead worker's lease has not expired yet
    world.clock.now += timedelta(seconds=31)
    job = world.work(owner="second")
    assert job is not None and job.attempts == 2
    paid = world.paychecks(run["run_id"])
    assert len(paid) == 5 and len({p.staff_id for p in paid}) == 5
    events = world.uow.events_of(events_pb2.PaycheckFinalized)
    assert len(events) == 5 and len({e.paycheck_id for e in events}) == 5
    assert pay_runs.get_pay_run(world.factory, ADMIN, run["run_id"])["status"] == "completed"


def test_a_worker_that_lost_its_lease_is_fenced_out(world):
    run = _approved_run(world)
    slow = pay_runs.claim_job(world.factory, "slow", lease_seconds=30, clock=world.clock)
    world.clock.now += timedelta(seconds=31)  # slow stalled past its lease: fast takes the job over
    fast = pay_runs.claim_job(world.factory, "fast", lease_seconds=30, clock=world.clock)
    with pytest.raises(pay_runs.LeaseLost):
        pay_runs.run_job(world.factory, slow, tax=world.tax, progress=None, clock=world.clock, chunk_size=2)
    assert world.paychecks(run["run_id"]) == []
    pay_runs.run_job(world.factory, fast, tax=world.tax, progress=None, clock=world.clock, chunk_size=2)
    assert len(world.paychecks(run["run_id"])) == 5
    assert len(world.uow.events_of(events_pb2.PaycheckFinalized)) == 5


def test_a_preview_killed_mid_way_resumes_with_the_employees_left(world):
    for i in range(5):
        world.hire(f"E{i}")
    run = world.create()
    job = pay_runs.claim_job(world.factory, "killed", lease_seconds=30, clock=world.clock)

    class Boom(FakeTax):
        def calculate(self, identity, requests):
            if len(self.calls) == 1:
                raise KeyboardInterrupt("worker killed")
            return super().calculate(identity, requests)

    with pytest.raises(KeyboardInterrupt):
        pay_runs.run_job(world.factory, job, tax=Boom(), progress=None, clock=world.clock, chunk_size=2,
                         lease_seconds=30)
    assert len(world.uow.pay_runs.items(uuid.UUID(run["run_id"]))) == 2
    world.clock.now += timedelta(seconds=31)
    assert world.work(owner="second") is not None
    assert len(world.tax.calls) == 2  # only the 3 employees left: chunks of 2 and 1
    assert pay_runs.get_pay_run(world.factory, ADMIN, run["run_id"])["items"] == {"previewed": 5}


def test_an_unapproved_timesheet_or_a_missing_w4_blocks_approval(world):
    world.hire("Ok")
    world.hire("Open", approved=False)
    no_w4 = world.hire("NoW4")
    no_w4.tax_forms = {}
    run = world.create()
    world.work()
    items = {i["display_name"]: i for i in pay_runs.list_items(world.factory, ADMIN, run["run_id"])["items"]}
    assert items["Open"]["error"]["field"] == "timesheet"
    assert items["NoW4"]["error"]["field"] == "tax_forms.federal"
    assert items["Ok"]["status"] == "previewed"
    with pytest.raises(Conflict) as refused:
        pay_runs.approve_pay_run(world.factory, ADMIN, run["run_id"])
    assert refused.value.field == "items"


def test_a_request_the_tax_service_refuses_fails_only_that_employee(world):
    for name in ("A", "B", "C"):
        world.hire(name)

    class RefusesB(FakeTax):
        def calculate(self, identity, requests):
            for i, r in enumerate(requests):
                if r["employee_id"] == str(world.staff[1].id):
                    self.calls.append((identity, []))
                    raise InvalidInput("bad filing status", field=f"requests[{i}].federal.filing_status")
            return super().calculate(identity, requests)

    world.tax = RefusesB()
    run = world.create()
    world.work(chunk_size=10)
    items = {i["display_name"]: i for i in pay_runs.list_items(world.factory, ADMIN, run["run_id"])["items"]}
    assert items["B"]["error"] == {"field": "federal.filing_status", "message": "bad filing status"}
    assert items["A"]["status"] == items["C"]["status"] == "previewed"


def test_create_checks_its_input_and_one_run_per_location_and_period(world):
    world.hire("A")
    with pytest.raises(InvalidInput) as bad:
        world.create(period_start="2026-03-03")
    assert bad.value.field == "period_start"
    with pytest.raises(InvalidInput) as bad:
        world.create(pay_date="2026-03-05")
    assert bad.value.field == "pay_date"
    with pytest.raises(InvalidInput) as bad:
        world.create(location_ids=[str(uuid.uuid4())])
    assert bad.value.field == "location_ids[0]"
    with pytest.raises(InvalidInput) as bad:
        world.create(location_ids=[])
    assert bad.value.field == "location_ids"
    world.create()
    with pytest.raises(Conflict):
        world.create()
    with pytest.raises(PermissionDenied):
        pay_runs.create_pay_run(world.factory, person("manager"), {}, directory=world.directory, progress=None)
    with pytest.raises(PermissionDenied):
        pay_runs.get_pay_run(world.factory, person("staff"), str(uuid.uuid4()))


def test_a_job_that_keeps_dying_fails_its_run(world):
    world.hire("A")
    run = world.create()
    for _ in range(rules.MAX_ATTEMPTS):
        assert pay_runs.claim_job(world.factory, "dies", lease_seconds=30, clock=world.clock) is not None
        world.clock.now += timedelta(seconds=31)
    assert pay_runs.claim_job(world.factory, "next", lease_seconds=30, clock=world.clock) is None
    got = pay_runs.get_pay_run(world.factory, ADMIN, run["run_id"])
    assert got["status"] == "failed" and "gave up after 5 attempts" in got["error"]


def test_oldest_running_age(world):
    world.hire("A")
    world.create()
    assert pay_runs.oldest_running_age(world.factory, clock=world.clock) == 0.0
    pay_runs.claim_job(world.factory, "w", lease_seconds=30, clock=world.clock)
    world.clock.now += timedelta(seconds=12)
    assert pay_runs.oldest_running_age(world.factory, clock=world.clock) == 12.0


def test_routes_over_fakes_and_the_progress_stream(world):
    import warnings

    from chassis.internal_token import bearer_for_tests
    from payroll.bootstrap import bootstrap
    from payroll.config import Settings
    from payroll.entrypoints import routes_pay_runs
    from payroll.entrypoints.http_api import build_app
    from payroll.entrypoints.run_payroll import sse_events

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    world.hire("A")
    container = bootstrap(Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="payroll"),
                          uow=world.factory, directory=world.directory, tax=world.tax, progress=world.progress,
                          clock=world.clock)
    client = TestClient(build_app(container), headers={"authorization": bearer_for_tests(ADMIN, "payroll")})
    base = "/api/payroll/v1/pay-runs"
    bad = client.post(base, json={"period_start": "2026-03-02", "pay_date": "2026-03-13", "location_ids": ["x"]})
    assert bad.status_code == 422 and bad.json()["field"] == "location_ids[0]"
    created = client.post(base, json={"period_start": "2026-03-02", "pay_date": "2026-03-13",
                                      "location_ids": [LOCATION]})
    assert created.status_code == 202, created.text
    run_id = created.json()["run_id"]
    assert client.post(f"{base}/{run_id}:approve").status_code == 409  # still previewing
    world.work()
    with client.stream("GET", f"{base}/{run_id}/progress") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(sse_events(response))
    assert events == [world.progress.latest[run_id]] and events[0]["status"] == "previewed"
    assert client.get(f"{base}/{run_id}").json()["items"] == {"previewed": 1}
    assert client.get(f"{base}/{run_id}/items").json()["items"][0]["display_name"] == "A"
    assert client.get(base).json()["pay_runs"][0]["run_id"] == run_id
    assert client.post(f"{base}/{run_id}:approve").status_code == 200
    assert client.post(f"{base}/{run_id}:finalize").status_code == 202
    # While finalizing, the stream follows the board until the phase is over.
    container.progress.publish(run_id, {"run_id": run_id, "status": "finalizing", "phase": "finalize", "done": 0,
                                        "total": 1, "updated_at": "t"})
    stream = routes_pay_runs.progress_events(container, ADMIN, run_id, poll=0)
    assert next(stream).startswith("event: progress")
    world.work()
    rest = list(stream)
    assert '"status": "completed"' in rest[-1]
    assert client.get(f"{base}/{uuid.uuid4()}/progress").status_code == 404
    staff_id = client.get(f"{base}/{run_id}/items").json()["items"][0]["staff_id"]
    pdf = client.get(f"{base}/{run_id}/items/{staff_id}/stub", headers={"accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    stub = client.get(f"{base}/{run_id}/items/{staff_id}/stub")
    assert stub.status_code == 200 and stub.json()["paycheck_id"]


def test_stubs_of_a_run_carry_the_year_to_date_of_earlier_runs(world):
    from payroll.adapters.stub_pdf import render_stub_pdf

    member = world.hire("Ana", tipped=True, tips_cents=30_000)
    first = world.create()
    world.work()
    preview = pay_runs.item_stub(world.factory, ADMIN, first["run_id"], str(member.id))
    assert preview.preview and preview.paycheck_id == "" and preview.employee.ssn_masked == "***-**-6789"
    # The employer (the tenant) and the home location by name, from auth (the location kept on the run).
    named = pay_runs.item_stub(world.factory, ADMIN, first["run_id"], str(member.id), directory=world.directory)
    assert named.employer.name == "Demo Restaurant Group" and named.location.name == "Main Street"
    assert named.location.address == "1 Main Street\nPhiladelphia, PA"
    import io

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_stub_pdf(named))).pages)
    assert "Demo Restaurant Group" in text and "Main Street" in text and "Employer" not in text.split("\n")[0]
    pay_runs.approve_pay_run(world.factory, ADMIN, first["run_id"], clock=world.clock)
    pay_runs.finalize_pay_run(world.factory, ADMIN, first["run_id"], progress=None, clock=world.clock)
    world.work()
    stub = pay_runs.item_stub(world.factory, ADMIN, first["run_id"], str(member.id))
    [item] = pay_runs.list_items(world.factory, ADMIN, first["run_id"])["items"]
    assert not stub.preview and stub.paycheck_id == item["paycheck_id"]
    assert str(stub.net_pay) == item["paycheck"]["net_pay"]
    assert stub.ytd()["totals.net_pay"] == stub.net_pay  # the first paycheck of the year
    assert render_stub_pdf(stub).startswith(b"%PDF")
    # The next week's run: its stub's year to date adds this paycheck.
    next_week = PERIOD + timedelta(days=7)
    for d in range(5):
        start = datetime.combine(next_week + timedelta(days=d), datetime.min.time(), UTC) + UTC_OFFSET + timedelta(hours=9)
        world.uow.shifts.add(Shift(id=uuid.uuid4(), tenant_id=member.tenant_id, staff_id=member.id,
                                   location_id=member.home_location_id, job_code="server", time_zone="America/New_York",
                                   clock_in_at=start, clock_out_at=start + timedelta(hours=8), breaks=[]))
    world.uow.timesheets.add(Timesheet(id=uuid.uuid4(), tenant_id=member.tenant_id, staff_id=member.id,
                                       period_start=next_week, period_end=next_week + timedelta(days=6),
                                       status="approved", history=[]))
    second = world.create(period_start=next_week.isoformat(), pay_date="2026-03-20")
    world.work()
    later = pay_runs.item_stub(world.factory, ADMIN, second["run_id"], str(member.id))
    assert later.ytd()["totals.net_pay"] == stub.net_pay + later.net_pay
    with pytest.raises(Exception) as missing:
        pay_runs.item_stub(world.factory, ADMIN, second["run_id"], str(uuid.uuid4()))
    assert getattr(missing.value, "field", None) == "staff_id"


def test_the_operator_cli_follows_a_run_to_the_end(world, capsys):
    import threading
    import time
    import warnings

    from chassis.internal_token import bearer_for_tests
    from payroll.bootstrap import bootstrap
    from payroll.config import Settings
    from payroll.entrypoints import run_payroll
    from payroll.entrypoints.http_api import build_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    world.hire("A")
    world.hire("B", tipped=True, tips_cents=9_000)
    container = bootstrap(Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="payroll"),
                          uow=world.factory, directory=world.directory, tax=world.tax, progress=world.progress,
                          clock=world.clock)

    def client():
        return TestClient(build_app(container), headers={"authorization": bearer_for_tests(ADMIN, "payroll")})

    def worker_soon():  # the worker process, played by a thread polling for the job the CLI is about to ask for
        def poll():  # (a one-shot timer lost the race on a busy machine: the job came later, nobody ran it)
            deadline = time.monotonic() + 60
            while world.work() is None and time.monotonic() < deadline:
                time.sleep(0.1)
        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        return thread

    worker_soon()
    run_payroll.main(["create", "--period-start", "2026-03-02", "--pay-date", "2026-03-13", "--location", LOCATION],
                     client=client())
    out = capsys.readouterr()
    [run] = pay_runs.list_pay_runs(world.factory, ADMIN)["pay_runs"]
    assert run["status"] == "previewed" and "previewed" in out.out and run["totals"]["net_pay"] in out.out
    run_payroll.main(["approve", run["run_id"]], client=client())
    worker_soon()
    run_payroll.main(["finalize", run["run_id"]], client=client())
    assert "completed" in capsys.readouterr().out
    assert pay_runs.get_pay_run(world.factory, ADMIN, run["run_id"])["items"] == {"finalized": 2}


def test_uncollected_tip_taxes_travel_on_the_paycheck_event(world):
    """A week of large tips on a tipped cash wage: the cash cannot cover the FICA on the tips; what was not
    withheld is on PaycheckFinalized (taxes.uncollected) for the ledger's W-2 box 12 codes A and B."""
    world.hire("Gus", tipped=True, tips_cents=300_000)  # $3,000 tips, 40 h x 2.83 cash
    world.hire("Hal")  # no tips: nothing uncollected
    run = _approved_run(world, employees=0)
    world.work()
    items = {i["display_name"]: i for i in pay_runs.list_items(world.factory, ADMIN, run["run_id"])["items"]}
    gus = items["Gus"]["paycheck"]
    assert gus["uncollected"]["social_security"] != "0.00" and gus["uncollected"]["medicare"] != "0.00"
    events = {e.employee_display_name: e for e in world.uow.events_of(events_pb2.PaycheckFinalized)}
    assert events["Gus"].taxes.uncollected.social_security == gus["uncollected"]["social_security"]
    assert events["Gus"].taxes.uncollected.medicare == gus["uncollected"]["medicare"]
    assert events["Hal"].taxes.uncollected.social_security == "0.00"


def test_salaried_staff_are_paid_by_runs(world):
    """An exempt manager without punches is paid the week's salary (no timesheet to approve); a non-exempt
    salaried sous chef's 45 approved hours earn 5 hours of overtime at weekly salary / 40."""
    world.hire("Mia", approved=False, days=0,
               job={"job_code": "gm", "pay_type": "salary", "rate": "78000.00", "exempt": True})
    world.hire("Ned", hours=9, job={"job_code": "sous", "pay_type": "salary", "rate": "41600.00", "exempt": False})
    world.hire("Ole", approved=False, job={"job_code": "chef", "pay_type": "salary", "rate": "90000.00"})
    run = world.create()
    world.work()
    items = {i["display_name"]: i for i in pay_runs.list_items(world.factory, ADMIN, run["run_id"])["items"]}
    assert items["Mia"]["request"]["pay"] == {"type": "salary", "annual_salary": "78000.00", "exempt": True}
    assert [(e["kind"], e["amount"]) for e in items["Mia"]["paycheck"]["earnings"]] == [("salary", "1500.00")]
    assert [(e["kind"], e["hours"], e["amount"]) for e in items["Ned"]["paycheck"]["earnings"]] == [
        ("salary", "45.00", "800.00"), ("overtime", "5.00", "150.00")]
    assert "weekly salary / 40" in items["Ned"]["paycheck"]["earnings"][1]["text"]
    # Hours worked and not approved: the timesheet still has to be approved first.
    assert items["Ole"]["status"] == "error" and items["Ole"]["error"]["field"] == "timesheet"


def _deduction(member, kind, *, amount=None, percent=None, starts="2026-01-01", ends=None):
    return StaffDeduction(id=uuid.uuid4(), tenant_id=member.tenant_id, staff_id=member.id, type=kind, amount=amount,
                          percent=percent, starts_on=date.fromisoformat(starts),
                          ends_on=date.fromisoformat(ends) if ends else None, note="", created_by="admin",
                          ended_by=None)


def test_a_pay_run_takes_the_deductions_in_force_on_the_pay_date(world):
    """Cook, PA, 40 h x 18.00 = 720.00. 401(k) 5 % = 36.00 and section 125 20.00 before taxes (FakeTax:
    FIT 10 % of 720 - 56 = 66.40; SS 6.2 % and Medicare 1.45 % of 720 - 20 = 43.40 + 10.15): 119.95
    withheld. Garnishment 10 % of the disposable 720 - 119.95 = 60.005 -> 60.01, loan 25.00.
    Net = 720 - 56 - 119.95 - 60.01 - 25 = 459.04. An ended loan and a future HSA are not taken."""
    cook = world.hire("Cy")
    for row in (_deduction(cook, "401k", percent="5"), _deduction(cook, "section_125", amount="20.00"),
                _deduction(cook, "garnishment", percent="10"), _deduction(cook, "loan", amount="25.00"),
                _deduction(cook, "loan", amount="99.00", ends="2026-02-28"),
                _deduction(cook, "hsa", amount="50.00", starts="2026-04-01")):
        world.uow.deductions.add(row)
    run = world.create()
    world.work()
    [item] = pay_runs.list_items(world.factory, ADMIN, run["run_id"])["items"]
    assert item["request"]["pretax_deductions"] == [{"type": "401k", "percent": "5"},
                                                    {"type": "section_125", "amount": "20.00"}]
    assert item["request"]["posttax_deductions"] == [{"type": "garnishment", "percent": "10"},
                                                     {"type": "loan", "amount": "25.00"}]
    paycheck = item["paycheck"]
    assert paycheck["employee_taxes"]["federal_income_tax"] == "66.40"
    assert paycheck["employee_taxes"]["social_security"] == "43.40"
    assert paycheck["deductions"]["pretax_lines"] == [{"type": "401k", "amount": "36.00", "percent": "5"},
                                                      {"type": "section_125", "amount": "20.00"}]
    assert [(d["type"], d["taken"]) for d in paycheck["deductions"]["posttax_lines"]] == [
        ("garnishment", "60.01"), ("loan", "25.00")]
    assert paycheck["net_pay"] == "459.04"
    stub = pay_runs.item_stub(world.factory, ADMIN, run["run_id"], item["staff_id"]).to_dict()
    assert [(d["key"], d["current"]) for d in stub["pretax_deductions"]] == [("pretax.401k", "36.00"),
                                                                             ("pretax.section_125", "20.00")]
    assert [(d["key"], d["current"]) for d in stub["posttax_deductions"]] == [("posttax.garnishment", "60.01"),
                                                                              ("posttax.loan", "25.00")]
    pay_runs.approve_pay_run(world.factory, ADMIN, run["run_id"], clock=world.clock)
    pay_runs.finalize_pay_run(world.factory, ADMIN, run["run_id"], progress=None, clock=world.clock)
    world.work()
    [event] = world.uow.events_of(events_pb2.PaycheckFinalized)
    assert [(d.type, d.amount) for d in event.earnings.pretax_deductions] == [("401k", "36.00"),
                                                                              ("section_125", "20.00")]


def test_one_ahead_yields_every_item_in_order_and_raises_where_the_producer_failed():
    def produce():
        yield from ([1], [2], [3])
        raise pay_runs.DependencyUnavailable("tax down")

    got = []
    with pytest.raises(pay_runs.DependencyUnavailable):
        for item in pay_runs._one_ahead(produce()):
            got.append(item)
    assert got == [[1], [2], [3]]


def test_a_preview_computed_one_chunk_ahead_stores_what_the_serial_one_does():
    serial, ahead = World(), World()
    for world in (serial, ahead):
        for name in ("Ana", "Ben", "Cy", "Dee", "Eve"):
            world.hire(name, tipped=name in ("Ana", "Eve"), tips_cents=20_000 if name == "Ana" else 0)
        world.create()
        job = pay_runs.claim_job(world.factory, "w", lease_seconds=30, clock=world.clock)
        pay_runs.run_job(world.factory, job, tax=world.tax, progress=world.progress, clock=world.clock, chunk_size=2,
                         ahead=world is ahead)
    def paychecks(world):
        return sorted((i.display_name, i.status, i.result["net_pay"]) for i in world.uow.pay_runs.item_rows)
    assert paychecks(ahead) == paychecks(serial) and len(paychecks(ahead)) == 5
    assert len(ahead.tax.calls) == len(serial.tax.calls) == 3
