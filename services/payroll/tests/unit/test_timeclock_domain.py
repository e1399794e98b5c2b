"""Punches -> hours per local day and job -> the pay engine's workweeks (payroll.domain.timeclock)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from chassis.errors import InvalidInput
from payroll.domain import timeclock as tc
from payroll.domain.pay import PayRequest, compute_pay

LA = "America/Los_Angeles"
NY = "America/New_York"


def at(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def shift(job: str, start: datetime, end: datetime | None, zone: str = LA, breaks=(), sid: str = "s") -> tc.Shift:
    return tc.Shift(job, start, end, zone, tuple(breaks), sid)


def test_a_plain_shift_is_its_elapsed_hours_on_its_local_day():
    hours = tc.hours_by_day_and_job([shift("server", at(LA, 2026, 3, 2, 9), at(LA, 2026, 3, 2, 17, 30))])
    assert hours == {(date(2026, 3, 2), "server"): Decimal("8.5")}


def test_a_shift_crossing_midnight_splits_at_the_locations_midnight():
    hours = tc.hours_by_day_and_job([shift("server", at(LA, 2026, 3, 6, 22), at(LA, 2026, 3, 7, 6))])
    assert hours == {(date(2026, 3, 6), "server"): Decimal(2), (date(2026, 3, 7), "server"): Decimal(6)}


def test_the_same_utc_punches_land_on_other_days_in_another_zone():
    start, end = datetime(2026, 3, 3, 3, 0, tzinfo=UTC), datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert tc.hours_by_day_and_job([shift("x", start, end, NY)]) == {
        (date(2026, 3, 2), "x"): Decimal(2), (date(2026, 3, 3), "x"): Decimal(4)}  # 22:00-04:00 EST
    assert tc.hours_by_day_and_job([shift("x", start, end, LA)]) == {  # 19:00-01:00 PST
        (date(2026, 3, 2), "x"): Decimal(5), (date(2026, 3, 3), "x"): Decimal(1)}


def test_spring_forward_night_is_an_hour_shorter_in_los_angeles():
    # 2026-03-08 02:00 PST -> 03:00 PDT: 22:00 to 06:00 on the wall clock is 7 real hours.
    hours = tc.hours_by_day_and_job([shift("cook", at(LA, 2026, 3, 7, 22), at(LA, 2026, 3, 8, 6))])
    assert hours == {(date(2026, 3, 7), "cook"): Decimal(2), (date(2026, 3, 8), "cook"): Decimal(5)}


def test_fall_back_night_is_an_hour_longer_in_los_angeles():
    # 2026-11-01 02:00 PDT -> 01:00 PST: 22:00 to 06:00 on the wall clock is 9 real hours.
    hours = tc.hours_by_day_and_job([shift("cook", at(LA, 2026, 10, 31, 22), at(LA, 2026, 11, 1, 6))])
    assert hours == {(date(2026, 10, 31), "cook"): Decimal(2), (date(2026, 11, 1), "cook"): Decimal(7)}


def test_a_whole_dst_day_is_23_or_25_hours():
    spring = tc.split_by_local_day(at(LA, 2026, 3, 8, 0), at(LA, 2026, 3, 9, 0), ZoneInfo(LA))
    fall = tc.split_by_local_day(at(LA, 2026, 11, 1, 0), at(LA, 2026, 11, 2, 0), ZoneInfo(LA))
    assert spring == [(date(2026, 3, 8), timedelta(hours=23))]
    assert fall == [(date(2026, 11, 1), timedelta(hours=25))]


def test_unpaid_breaks_are_deducted_and_paid_breaks_counted():
    start, end = at(LA, 2026, 3, 2, 9), at(LA, 2026, 3, 2, 18)
    breaks = [tc.Break(at(LA, 2026, 3, 2, 13), at(LA, 2026, 3, 2, 13, 30), paid=False),
              tc.Break(at(LA, 2026, 3, 2, 15), at(LA, 2026, 3, 2, 15, 10), paid=True)]
    assert tc.hours_by_day_and_job([shift("server", start, end, breaks=breaks)]) == {
        (date(2026, 3, 2), "server"): Decimal("8.5")}


def test_an_unpaid_break_across_midnight_is_taken_from_both_days():
    breaks = [tc.Break(at(LA, 2026, 3, 6, 23, 45), at(LA, 2026, 3, 7, 0, 15), paid=False)]
    hours = tc.hours_by_day_and_job([shift("server", at(LA, 2026, 3, 6, 20), at(LA, 2026, 3, 7, 2), breaks=breaks)])
    assert hours == {(date(2026, 3, 6), "server"): Decimal("3.75"), (date(2026, 3, 7), "server"): Decimal("1.75")}


def test_a_break_never_ended_lasts_to_the_clock_out_and_is_flagged():
    start, end = at(LA, 2026, 3, 2, 9), at(LA, 2026, 3, 2, 17)
    s = shift("server", start, end, breaks=[tc.Break(at(LA, 2026, 3, 2, 16), None, paid=False)], sid="a")
    assert tc.hours_by_day_and_job([s]) == {(date(2026, 3, 2), "server"): Decimal(7)}
    assert [f.kind for f in tc.flags([s], end + timedelta(hours=1))] == [tc.BREAK_NOT_ENDED]


def test_an_open_shift_counts_nothing_and_is_flagged_after_16_hours():
    s = shift("server", at(LA, 2026, 3, 2, 9), None, sid="open")
    assert tc.hours_by_day_and_job([s]) == {}
    assert tc.flags([s], at(LA, 2026, 3, 2, 20)) == []
    flagged = tc.flags([s], at(LA, 2026, 3, 3, 1, 1))
    assert [(f.kind, f.shift_id) for f in flagged] == [(tc.MISSED_CLOCK_OUT, "open")]


def test_an_open_break_on_an_open_shift_is_flagged_after_3_hours():
    s = shift("server", at(LA, 2026, 3, 2, 9), None, breaks=[tc.Break(at(LA, 2026, 3, 2, 12), None, False)])
    assert tc.flags([s], at(LA, 2026, 3, 2, 14)) == []
    assert [f.kind for f in tc.flags([s], at(LA, 2026, 3, 2, 15, 1))] == [tc.BREAK_NOT_ENDED]


def test_a_closed_shift_over_16_hours_is_flagged():
    s = shift("server", at(LA, 2026, 3, 2, 6), at(LA, 2026, 3, 2, 23))
    assert [f.kind for f in tc.flags([s], at(LA, 2026, 3, 3, 0))] == [tc.LONG_SHIFT]


def test_two_jobs_in_a_day_are_kept_apart():
    shifts = [shift("server", at(LA, 2026, 3, 2, 10), at(LA, 2026, 3, 2, 14)),
              shift("host", at(LA, 2026, 3, 2, 17), at(LA, 2026, 3, 2, 22, 20))]
    assert tc.hours_by_day_and_job(shifts) == {(date(2026, 3, 2), "server"): Decimal(4),
                                               (date(2026, 3, 2), "host"): Decimal("5.333333")}


@pytest.mark.parametrize(("day", "start_day", "expected"), [
    (date(2026, 3, 4), "monday", date(2026, 3, 2)),      # a Wednesday
    (date(2026, 3, 4), "sunday", date(2026, 3, 1)),
    (date(2026, 3, 4), "wednesday", date(2026, 3, 4)),
    (date(2026, 3, 4), "thursday", date(2026, 2, 26)),
])
def test_workweek_start(day, start_day, expected):
    assert tc.workweek_start(day, tc.weekday_number(start_day)) == expected


def test_pay_periods_weekly_and_biweekly_in_step_with_the_anchor():
    sunday = tc.weekday_number("sunday")
    assert tc.pay_period(date(2026, 3, 4), "weekly", sunday, date(2026, 1, 4)) == (date(2026, 3, 1), date(2026, 3, 7))
    # Biweekly from Sunday 2026-01-04: periods start 01-04, 01-18, ..., 03-01, 03-15.
    assert tc.pay_period(date(2026, 3, 4), "biweekly", sunday, date(2026, 1, 4)) == (date(2026, 3, 1), date(2026, 3, 14))
    assert tc.pay_period(date(2026, 3, 10), "biweekly", sunday, date(2026, 1, 4)) == (date(2026, 3, 1), date(2026, 3, 14))
    assert tc.pay_period(date(2026, 3, 10), "biweekly", sunday, date(2026, 1, 11)) == (date(2026, 3, 8), date(2026, 3, 21))
    with pytest.raises(InvalidInput):
        tc.pay_period(date(2026, 3, 4), "monthly", sunday, date(2026, 1, 4))
    with pytest.raises(InvalidInput) as error:
        tc.weekday_number("funday")
    assert error.value.field == "workweek_start_day"


def test_workweeks_follow_the_workweek_start_day_and_jobs():
    # Workweek from Wednesday 2026-03-04; a Tuesday shift belongs to the week before.
    shifts = [shift("server", at(LA, 2026, 3, 3, 9), at(LA, 2026, 3, 3, 17)),     # Tue: previous week
              shift("server", at(LA, 2026, 3, 4, 9), at(LA, 2026, 3, 4, 17)),     # Wed: day 1
              shift("host", at(LA, 2026, 3, 4, 18), at(LA, 2026, 3, 4, 20)),      # Wed: day 1, other job
              shift("server", at(LA, 2026, 3, 10, 22), at(LA, 2026, 3, 11, 2))]   # Tue 22:00 -> Wed: split
    weeks = tc.workweeks_for_period(shifts, date(2026, 3, 4), 1, "server")
    assert weeks == [{"daily_hours": ["8", "0", "0", "0", "0", "0", "2"],
                      "jobs": [{"job": "host", "daily_hours": ["2", "0", "0", "0", "0", "0", "0"]}]}]
    two = tc.workweeks_for_period(shifts, date(2026, 3, 4), 2, "server")
    assert two[1]["daily_hours"] == ["2", "0", "0", "0", "0", "0", "0"]
    assert two[1]["jobs"] == [{"job": "host", "daily_hours": ["0"] * 7}]
    assert "jobs" not in tc.workweeks_for_period(shifts[:1], date(2026, 2, 25), 1, "server")[0]


def test_the_workweeks_feed_compute_pay_as_they_are():
    shifts = [shift("server", at(LA, 2026, 3, 2 + d, 17), at(LA, 2026, 3, 3 + d, 3, 30),  # 10.5 h nights
                    breaks=[tc.Break(at(LA, 2026, 3, 2 + d, 21), at(LA, 2026, 3, 2 + d, 21, 30), False)])
              for d in range(5)]
    shifts.append(shift("host", at(LA, 2026, 3, 7, 11), at(LA, 2026, 3, 7, 15)))
    weeks = tc.workweeks_for_period(shifts, date(2026, 3, 2), 1, "server")
    request = PayRequest.from_dict({"pay_date": "2026-03-13", "work_state": "CA",
                                    "pay": {"type": "hourly", "rate": "20.00"},
                                    "jobs": [{"name": "host", "type": "hourly", "rate": "18.00"}],
                                    "workweeks": weeks})
    result = compute_pay(request)
    assert result.hours.total == Decimal(54)  # 5 x 10 h + 4 h hosting
    assert result.hours.overtime > 0


def test_meal_premium_when_no_30_minute_meal_by_the_end_of_the_5th_hour():
    day = (2026, 3, 2)
    on_time = tc.Break(at(LA, *day, 13), at(LA, *day, 13, 30), False)
    late = tc.Break(at(LA, *day, 14, 30), at(LA, *day, 15), False)
    short = tc.Break(at(LA, *day, 12), at(LA, *day, 12, 20), False)
    paid = tc.Break(at(LA, *day, 12), at(LA, *day, 12, 30), True)
    start, end = at(LA, *day, 9), at(LA, *day, 17)
    assert tc.missed_meal_days([shift("s", start, end, breaks=[on_time])]) == set()
    for bad in ([], [late], [short], [paid]):
        assert tc.missed_meal_days([shift("s", start, end, breaks=bad)]) == {date(*day)}
    assert tc.missed_meal_days([shift("s", start, at(LA, *day, 14))]) == set()  # 5 h exactly: none owed
    # Over 10 hours: a second meal by the end of the 10th hour.
    long_end = at(LA, *day, 21)
    assert tc.missed_meal_days([shift("s", start, long_end, breaks=[on_time])]) == {date(*day)}
    second = tc.Break(at(LA, *day, 18), at(LA, *day, 18, 30), False)
    assert tc.missed_meal_days([shift("s", start, long_end, breaks=[on_time, second])]) == set()
    # Split shift: the time off the clock between them is the meal.
    split = [shift("s", start, at(LA, *day, 13)), shift("s", at(LA, *day, 14), at(LA, *day, 18))]
    assert tc.missed_meal_days(split) == set()
    assert tc.meal_premiums_per_workweek([shift("s", start, end)], date(2026, 2, 23), 2) == [0, 1]
