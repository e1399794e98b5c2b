"""Staff, time clock and timesheet use cases against fakes (no database, no network)."""
from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from chassis.crypto import Sealer
from chassis.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import role_permissions
from payroll.service_layer import staff, timeclock
from payroll_fakes import FakeDirectory, FakePayrollUnitOfWork, FakePinHasher, FixedClock

TENANT = str(uuid.uuid4())
LOCATION, OTHER_LOCATION = str(uuid.uuid4()), str(uuid.uuid4())
USER = str(uuid.uuid4())
SEALER = Sealer(base64.b64encode(b"k" * 32).decode())
LA = "America/Los_Angeles"


def person(role: str, subject: str | None = None) -> Identity:
    return Identity(subject=subject or str(uuid.uuid4()), tenant_id=TENANT, roles=(role,),
                    permissions=role_permissions(role))


ADMIN, MANAGER = person("admin"), person("manager")


@pytest.fixture
def world():
    uow = FakePayrollUnitOfWork()
    directory = FakeDirectory({LOCATION, OTHER_LOCATION}, {USER}, {LOCATION: LA})
    clock = FixedClock(datetime(2026, 3, 6, 4, 0, tzinfo=UTC))  # Thu 2026-03-05 20:00 in Los Angeles
    return uow, directory, clock


def create(world, **changes):
    uow, directory, _ = world
    body = {"display_name": "Ana Host", "pin": "4321", "home_location_id": LOCATION,
            "jobs": [{"job_code": "server", "pay_type": "tipped", "cash_wage_rate": "16.50"},
                     {"job_code": "host", "pay_type": "hourly", "rate": "18.00"}],
            "ssn": "123-45-6789", "bank_account": {"routing_number": "011000015", "account_number": "000123456789"},
            "tax_forms": {"federal": {"form_version": "2020", "filing_status": "single"},
                          "state": {"filing_status": "single", "regular_allowances": 1}}, **changes}
    return staff.create_staff(lambda: uow, ADMIN, body, directory=directory, sealer=SEALER, pins=FakePinHasher())


# ---- staff --------------------------------------------------------------------------------------
def test_create_masks_and_seals_the_ssn_and_bank_account(world):
    created = create(world)
    uow = world[0]
    assert created["ssn"] == "***6789" and created["bank_account"] == {"account_number": "***6789"}
    assert created["has_pin"] and created["work_location_ids"] == [LOCATION]
    assert created["jobs"][0] == {"job_code": "server", "pay_type": "tipped", "cash_wage_rate": "16.50"}
    row = uow.staff.rows[uuid.UUID(created["staff_id"])]
    assert b"123456789" not in row.ssn_sealed and row.pin_hash == "hash:4321"
    aad = f"payroll.staff_members:{row.id}:ssn".encode()
    assert SEALER.open(row.ssn_sealed, aad) == b"123456789"
    assert "6789" not in repr(created["tax_forms"])


def test_managers_cannot_set_pay_and_staff_cannot_create(world):
    uow, directory, _ = world
    with pytest.raises(PermissionDenied):
        staff.create_staff(lambda: uow, MANAGER, {}, directory=directory, sealer=SEALER, pins=FakePinHasher())
    created = create(world)
    renamed = staff.update_staff(lambda: uow, MANAGER, created["staff_id"], {"display_name": "Ana B."},
                                 directory=directory, sealer=SEALER, pins=FakePinHasher())
    assert renamed["display_name"] == "Ana B."
    with pytest.raises(PermissionDenied):
        staff.update_staff(lambda: uow, MANAGER, created["staff_id"], {"jobs": []}, directory=directory,
                           sealer=SEALER, pins=FakePinHasher())
    with pytest.raises(PermissionDenied):
        staff.list_staff(lambda: uow, person("staff"))


@pytest.mark.parametrize(("change", "field"), [
    ({"jobs": [{"job_code": "Server!", "pay_type": "hourly", "rate": "18"}]}, "jobs[0].job_code"),
    ({"jobs": [{"job_code": "server", "pay_type": "tipped", "rate": "18"}]}, "jobs[0].rate"),
    ({"jobs": [{"job_code": "server", "pay_type": "hourly", "rate": 18.5}]}, "jobs[0].rate"),
    ({"jobs": []}, "jobs"),
    ({"ssn": "000-12-3456"}, "ssn"),
    ({"pin": "12"}, "pin"),
    ({"home_location_id": str(uuid.uuid4())}, "home_location_id"),
    ({"work_location_ids": [LOCATION, "nope"]}, "work_location_ids[1]"),
    ({"bank_account": {"routing_number": "123456789", "account_number": "1234"}}, "bank_account.routing_number"),
    ({"tax_forms": {"federal": {"filing_status": 1}}}, "tax_forms.federal.filing_status"),
    ({"tax_forms": {"state": {"regular_allowances": "1"}}}, "tax_forms.state.regular_allowances"),
    ({"tax_forms": {"federal": {"form_version": "1999"}}}, "tax_forms.federal.form_version"),
    ({"pay_frequency": "monthly"}, "pay_frequency"),
    ({"user_id": str(uuid.uuid4())}, "user_id"),
    ({"salary": 1}, "salary"),
    ({"pin": None}, "pin"),
])
def test_bad_staff_input_names_the_field_and_never_echoes_secrets(world, change, field):
    with pytest.raises(InvalidInput) as error:
        create(world, **change)
    assert error.value.field == field
    assert "000-12-3456" not in str(error.value)


def test_one_staff_record_per_user_and_own_record_readable(world):
    uow = world[0]
    created = create(world, user_id=USER, pin=None)
    with pytest.raises(Conflict):
        create(world, user_id=USER)
    me = person("staff", USER)
    assert staff.get_staff(lambda: uow, me, created["staff_id"])["user_id"] == USER
    other = create(world)
    with pytest.raises(NotFound):
        staff.get_staff(lambda: uow, me, other["staff_id"])


def test_no_key_no_ssn(world):
    uow, directory, _ = world
    with pytest.raises(DependencyUnavailable):
        staff.create_staff(lambda: uow, ADMIN, {"display_name": "X", "pin": "1234", "home_location_id": LOCATION,
                                                "jobs": [{"job_code": "cook", "pay_type": "hourly", "rate": "20"}],
                                                "ssn": "123-45-6789"}, directory=directory, sealer=None,
                           pins=FakePinHasher())


def test_employer_settings_default_and_update(world):
    uow = world[0]
    assert staff.get_employer_settings(lambda: uow, MANAGER)["workweek_start_day"] == "monday"
    with pytest.raises(PermissionDenied):
        staff.update_employer_settings(lambda: uow, MANAGER, {"workweek_start_day": "sunday"})
    updated = staff.update_employer_settings(lambda: uow, ADMIN, {"workweek_start_day": "sunday",
                                                                  "pay_frequency": "biweekly"})
    assert updated["workweek_start_day"] == "sunday" and updated["pay_frequency"] == "biweekly"
    with pytest.raises(InvalidInput) as error:
        staff.update_employer_settings(lambda: uow, ADMIN, {"workweek_start_day": "funday"})
    assert error.value.field == "workweek_start_day"


# ---- the clock -----------------------------------------------------------------------------------
def punch(world, action, body, who=MANAGER):
    uow, directory, clock = world
    pins = FakePinHasher()
    if action == "in":
        return timeclock.clock_in(lambda: uow, who, body, directory=directory, pins=pins, clock=clock)
    if action == "out":
        return timeclock.clock_out(lambda: uow, who, body, pins=pins, clock=clock)
    if action == "break":
        return timeclock.start_break(lambda: uow, who, body, pins=pins, clock=clock)
    return timeclock.end_break(lambda: uow, who, body, pins=pins, clock=clock)


def test_a_night_shift_with_an_unpaid_break_lands_on_local_days(world):
    uow, _, clock = world
    member = create(world)
    who = {"staff_id": member["staff_id"], "pin": "4321"}
    clock.now = datetime(2026, 3, 6, 5, 0, tzinfo=UTC)    # Thu 21:00 PST
    shift = punch(world, "in", {"location_id": LOCATION, **who})
    assert shift["state"] == "clocked_in" and shift["time_zone"] == LA and shift["job_code"] == "server"
    with pytest.raises(Conflict) as error:
        punch(world, "in", {"location_id": LOCATION, **who})
    assert "clocked_in" in error.value.message
    clock.now = datetime(2026, 3, 6, 7, 30, tzinfo=UTC)   # 23:30
    assert punch(world, "break", who)["state"] == "on_break"
    with pytest.raises(Conflict):
        punch(world, "break", who)
    clock.now = datetime(2026, 3, 6, 8, 30, tzinfo=UTC)   # 00:30 Fri
    punch(world, "end", who)
    clock.now = datetime(2026, 3, 6, 11, 0, tzinfo=UTC)   # 03:00 Fri
    assert punch(world, "out", who)["state"] == "clocked_out"
    with pytest.raises(Conflict) as error:
        punch(world, "out", who)
    assert "clocked_out" in error.value.message
    sheet = timeclock.get_timesheet(lambda: uow, MANAGER, member["staff_id"], "2026-03-05", clock=clock)
    days = {d["date"]: d["hours"] for d in sheet["days"]}
    assert days["2026-03-05"] == "2.5" and days["2026-03-06"] == "2.5"   # 21:00-23:30 and 00:30-03:00
    assert sheet["period"] == {"start": "2026-03-02", "end": "2026-03-08", "pay_frequency": "weekly",
                               "workweek_start_day": "monday"}
    assert sheet["workweeks"] == [{"daily_hours": ["0", "0", "0", "2.5", "2.5", "0", "0"]}]
    assert sheet["total_hours"] == "5" and sheet["flags"] == []


def test_wrong_pin_and_pin_from_a_staff_session(world):
    member = create(world)
    with pytest.raises(PermissionDenied):
        punch(world, "in", {"location_id": LOCATION, "staff_id": member["staff_id"], "pin": "9999"})
    with pytest.raises(PermissionDenied):
        punch(world, "in", {"location_id": LOCATION, "staff_id": member["staff_id"], "pin": "4321"}, who=person("staff"))
    with pytest.raises(InvalidInput) as error:
        punch(world, "in", {"location_id": LOCATION, "staff_id": member["staff_id"]})
    assert error.value.field == "pin"


def test_own_login_punches_and_location_and_job_checks(world):
    create(world, user_id=USER, pin=None, work_location_ids=[])
    me = person("staff", USER)
    with pytest.raises(InvalidInput) as error:
        punch(world, "in", {"location_id": OTHER_LOCATION}, who=me)
    assert error.value.field == "location_id"
    with pytest.raises(InvalidInput) as error:
        punch(world, "in", {"location_id": LOCATION, "job_code": "cook"}, who=me)
    assert error.value.field == "job_code"
    assert punch(world, "in", {"location_id": LOCATION, "job_code": "host"}, who=me)["job_code"] == "host"
    with pytest.raises(InvalidInput) as error:
        punch(world, "in", {"location_id": LOCATION}, who=person("staff"))  # a login with no staff record
    assert error.value.field == "staff_id"


def test_missed_clock_out_is_flagged_and_blocks_approval(world):
    uow, _, clock = world
    member = create(world)
    who = {"staff_id": member["staff_id"], "pin": "4321"}
    clock.now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    punch(world, "in", {"location_id": LOCATION, **who})
    clock.now += timedelta(hours=17)
    sheet = timeclock.get_timesheet(lambda: uow, MANAGER, member["staff_id"], None, clock=clock)
    assert [f["kind"] for f in sheet["flags"]] == ["missed_clock_out"]
    with pytest.raises(Conflict):
        timeclock.approve_timesheet(lambda: uow, MANAGER, member["staff_id"], {"period_start": "2026-03-02"},
                                    clock=clock)


def test_manager_edit_with_reason_history_and_lock(world):
    uow, _, clock = world
    member = create(world)
    who = {"staff_id": member["staff_id"], "pin": "4321"}
    clock.now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)   # 08:00 PST
    shift = punch(world, "in", {"location_id": LOCATION, **who})
    clock.now = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)    # 17:00 PST
    punch(world, "out", who)
    edit = {"clock_in_at": "2026-03-03T09:00:00-08:00", "reason": "forgot to clock in late"}
    with pytest.raises(InvalidInput) as error:
        timeclock.edit_shift(lambda: uow, MANAGER, shift["shift_id"], {**edit, "reason": " "}, clock=clock)
    assert error.value.field == "reason"
    with pytest.raises(PermissionDenied):
        timeclock.edit_shift(lambda: uow, person("staff"), shift["shift_id"], edit, clock=clock)
    edited = timeclock.edit_shift(lambda: uow, MANAGER, shift["shift_id"], edit, clock=clock)
    assert edited["clock_in_at"] == "2026-03-03T17:00:00+00:00"
    assert edited["edit"]["before"]["clock_in_at"] == "2026-03-03T16:00:00+00:00"
    assert edited["edit"]["edited_by"] == MANAGER.subject and edited["edit"]["reason"] == "forgot to clock in late"
    with pytest.raises(InvalidInput) as error:
        timeclock.edit_shift(lambda: uow, MANAGER, shift["shift_id"],
                             {"clock_out_at": "2026-03-03T08:00:00-08:00", "reason": "x"}, clock=clock)
    assert error.value.field == "clock_out_at"

    approved = timeclock.approve_timesheet(lambda: uow, MANAGER, member["staff_id"],
                                           {"period_start": "2026-03-02"}, clock=clock)
    assert approved["status"] == "approved" and approved["days"][1]["hours"] == "8"
    assert approved["edits"][0]["reason"] == "forgot to clock in late"
    with pytest.raises(Conflict):
        timeclock.edit_shift(lambda: uow, MANAGER, shift["shift_id"], edit, clock=clock)
    with pytest.raises(InvalidInput) as error:
        timeclock.reopen_timesheet(lambda: uow, MANAGER, member["staff_id"], {"period_start": "2026-03-02"},
                                   clock=clock)
    assert error.value.field == "reason"
    with pytest.raises(InvalidInput) as error:
        timeclock.approve_timesheet(lambda: uow, MANAGER, member["staff_id"], {"period_start": "2026-03-03"},
                                    clock=clock)
    assert error.value.field == "period_start"
    reopened = timeclock.reopen_timesheet(lambda: uow, MANAGER, member["staff_id"],
                                          {"period_start": "2026-03-02", "reason": "tip-out correction"}, clock=clock)
    assert reopened["status"] == "open" and [h["action"] for h in reopened["history"]] == ["approved", "reopened"]
    timeclock.edit_shift(lambda: uow, MANAGER, shift["shift_id"], {**edit, "job_code": "host"}, clock=clock)


def test_timesheet_own_read_and_workweek_start_day(world):
    uow, _, clock = world
    member = create(world, user_id=USER)
    staff.update_employer_settings(lambda: uow, ADMIN, {"workweek_start_day": "thursday"})
    clock.now = datetime(2026, 3, 5, 16, 0, tzinfo=UTC)  # Thu 08:00 PST
    punch(world, "in", {"location_id": LOCATION}, who=person("staff", USER))
    clock.now += timedelta(hours=4)
    punch(world, "out", {}, who=person("staff", USER))
    sheet = timeclock.get_timesheet(lambda: uow, person("staff", USER), member["staff_id"], "2026-03-05", clock=clock)
    assert sheet["period"]["start"] == "2026-03-05" and sheet["workweeks"][0]["daily_hours"][0] == "4"
    with pytest.raises(NotFound):
        timeclock.get_timesheet(lambda: uow, person("staff"), member["staff_id"], None, clock=clock)


def test_events_carry_no_secrets_and_follow_punches(world):
    from auraconnect.payroll.v1 import events_pb2

    uow, _, clock = world
    member = create(world)
    who = {"staff_id": member["staff_id"], "pin": "4321"}
    clock.now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    shift = punch(world, "in", {"location_id": LOCATION, **who})
    punch(world, "break", who)
    punch(world, "end", who)
    clock.now += timedelta(hours=2)
    punch(world, "out", who)
    timeclock.edit_shift(lambda: uow, MANAGER, shift["shift_id"], {"job_code": "host", "reason": "hosting"}, clock=clock)
    timeclock.approve_timesheet(lambda: uow, MANAGER, member["staff_id"], {"period_start": "2026-03-02"}, clock=clock)
    changed = uow.events_of(events_pb2.StaffMemberChanged)
    assert [e.change for e in changed] == ["created"] and "6789" not in str(changed[0])
    punches = uow.events_of(events_pb2.PunchRecorded)
    assert [p.punch for p in punches] == ["clock_in", "break_start", "break_end", "clock_out", "edited"]
    assert punches[-1].reason == "hosting" and punches[-1].edited_by == MANAGER.subject
    assert [s.status for s in uow.events_of(events_pb2.TimesheetStatusChanged)] == ["approved"]
    assert {e.topic for e in uow.events} == {"payroll.staff.v1", "payroll.timeclock.v1"}


def test_meal_premiums_reach_the_workweeks_only_when_the_employer_turned_them_on(world):
    uow, _, clock = world
    member = create(world)
    who = {"staff_id": member["staff_id"], "pin": "4321"}
    clock.now = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)   # 08:00 PST, then 7 hours without a meal
    punch(world, "in", {"location_id": LOCATION, **who})
    clock.now += timedelta(hours=7)
    punch(world, "out", who)
    sheet = timeclock.get_timesheet(lambda: uow, MANAGER, member["staff_id"], "2026-03-03", clock=clock)
    assert sheet["meal_premiums"] == [1] and "break_premiums" not in sheet["workweeks"][0]
    staff.update_employer_settings(lambda: uow, ADMIN, {"break_premiums": True})
    sheet = timeclock.get_timesheet(lambda: uow, MANAGER, member["staff_id"], "2026-03-03", clock=clock)
    assert sheet["workweeks"][0]["break_premiums"] == 1


def test_location_bound_managers_punch_and_edit_only_at_their_locations(world):
    uow, _, clock = world
    member = create(world, work_location_ids=[OTHER_LOCATION])
    elsewhere = Identity(subject=str(uuid.uuid4()), tenant_id=TENANT, roles=("manager",),
                         permissions=role_permissions("manager"), location_ids=(OTHER_LOCATION,))
    who = {"staff_id": member["staff_id"], "pin": "4321"}
    with pytest.raises(PermissionDenied):
        punch(world, "in", {"location_id": LOCATION, **who}, who=elsewhere)
    shift = punch(world, "in", {"location_id": LOCATION, **who})
    with pytest.raises(NotFound):
        timeclock.edit_shift(lambda: uow, elsewhere, shift["shift_id"], {"reason": "x", "job_code": "host"},
                             clock=clock)


# ---- wrong PINs are throttled (domain/pin_attempts.py) ------------------------------------------
def test_five_wrong_pins_lock_pin_punches_for_that_staff_member_at_that_location(world, caplog):
    import logging

    from payroll.domain.pin_attempts import TooManyPinAttempts
    from payroll_fakes import FakePinThrottle

    uow, directory, clock = world
    member = create(world, work_location_ids=[LOCATION, OTHER_LOCATION])
    throttle = FakePinThrottle(clock)

    def clock_in(pin, location=LOCATION):
        return timeclock.clock_in(lambda: uow, MANAGER, {"location_id": location, "staff_id": member["staff_id"],
                                                         "pin": pin}, directory=directory, pins=FakePinHasher(),
                                  clock=clock, throttle=throttle)

    caplog.set_level(logging.INFO)
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            clock_in("9999")
    with pytest.raises(TooManyPinAttempts) as error:
        clock_in("4321")  # even the right PIN waits: it could be the 6th guess
    assert error.value.http_status == 429 and error.value.retry_after == 900 and error.value.field == "pin"
    assert "9999" not in caplog.text and "4321" not in caplog.text  # no PIN in the logs
    assert f"wrong PIN for staff {member['staff_id']}" in caplog.text
    # Another location counts on its own; after the window, the right PIN works and clears the count.
    assert clock_in("4321", OTHER_LOCATION)["location_id"] == OTHER_LOCATION
    clock.now += timedelta(minutes=1)
    timeclock.clock_out(lambda: uow, MANAGER, {"staff_id": member["staff_id"], "pin": "4321"}, pins=FakePinHasher(),
                        clock=clock, throttle=throttle)
    clock.now += timedelta(seconds=839)
    with pytest.raises(TooManyPinAttempts) as error:
        clock_in("4321")
    assert error.value.retry_after == 1
    clock.now += timedelta(seconds=1)
    for _ in range(4):
        with pytest.raises(PermissionDenied):
            clock_in("1111")
    assert clock_in("4321")["state"] == "clocked_in"
    assert throttle.counts == {}  # the right PIN cleared the four failures


def test_wrong_pins_at_clock_out_count_at_the_open_shifts_location(world):
    from payroll.domain.pin_attempts import TooManyPinAttempts
    from payroll_fakes import FakePinThrottle

    uow, directory, clock = world
    member = create(world)
    throttle = FakePinThrottle(clock, max_failures=2)
    punch(world, "in", {"location_id": LOCATION, "staff_id": member["staff_id"], "pin": "4321"})
    out = {"staff_id": member["staff_id"], "pin": "0000"}
    for _ in range(2):
        with pytest.raises(PermissionDenied):
            timeclock.clock_out(lambda: uow, MANAGER, out, pins=FakePinHasher(), clock=clock, throttle=throttle)
    with pytest.raises(TooManyPinAttempts):
        timeclock.start_break(lambda: uow, MANAGER, out | {"pin": "4321"}, pins=FakePinHasher(), clock=clock,
                              throttle=throttle)
    assert list(throttle.counts) == [f"{TENANT}:{member['staff_id']}:{LOCATION}"]
