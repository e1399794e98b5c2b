"""California Labor Code 510: daily OT over 8, double time over 12, seventh day, weekly over 40 on regular
hours only (no pyramiding), Alvarado flat-sum bonus, break premiums."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pay_testkit import bonus, by_kind, hourly, hours_of, run, week
from payroll.domain.pay.hours import california

D = Decimal


def test_daily_overtime_where_flsa_has_none():
    # 4 x 10 = 40 h at 17: daily OT 2 x 4 = 8 h (the FLSA: none).
    r = run(state="CA", pay=hourly("17.00"), weeks=[week(10, 10, 10, 10)])
    assert hours_of(r) == (40, 32, 8, 0)
    # 32 x 17 = 544.00; 8 x 25.50 = 204.00
    assert by_kind(r) == {"regular": D("544.00"), "overtime": D("204.00")}


def test_double_time_over_12():
    # Day 1: 13 h = 8 regular + 4 OT + 1 DT. Then 3 x 8. At 20: 32 x 20 = 640; 4 x 30 = 120; 1 x 40 = 40.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(13, 8, 8, 8)])
    assert hours_of(r) == (37, 32, 4, 1)
    assert by_kind(r) == {"regular": D("640.00"), "overtime": D("120.00"), "double_time": D("40.00")}


def test_no_pyramiding_daily_overtime_not_counted_toward_40():
    # 5 x 10 = 50 h: daily OT 2 x 5 = 10; regular hours 5 x 8 = 40, not over 40 -> weekly OT 0.
    # Pyramiding would pay 20 OT hours. 40 x 20 = 800 + 10 x 30 = 300 -> 1,100.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(10, 10, 10, 10, 10)])
    assert hours_of(r) == (50, 40, 10, 0)
    assert r.cash_wages == D("1100.00")


def test_weekly_overtime_on_the_sixth_day():
    # 6 x 8 = 48 h: no daily OT; days 1-5 = 40 regular; day 6's 8 h are weekly OT. 800 + 8 x 30 = 240 -> 1,040.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(8, 8, 8, 8, 8, 8)])
    assert hours_of(r) == (48, 40, 8, 0)
    assert r.workweeks[0].hours.overtime == 8
    assert r.cash_wages == D("1040.00")


def test_daily_and_weekly_overtime_together():
    # 6 x 9 = 54 h: daily OT 1 x 6 = 6; regular 8 a day, 40 reached after day 5, so day 6's 8 regular h are
    # weekly OT: OT 6 + 8 = 14, regular 40. 800 + 14 x 30 = 420 -> 1,220.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(9, 9, 9, 9, 9, 9)])
    assert hours_of(r) == (54, 40, 14, 0)
    assert r.cash_wages == D("1220.00")


def test_seventh_day_first_8_at_1_5_over_8_at_2():
    # 6 x 8 + 10 on day 7 = 58 h: days 1-5 regular 40; day 6 weekly OT 8; day 7: 8 OT + 2 DT.
    # 800 + 16 x 30 = 480 + 2 x 40 = 80 -> 1,360.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(8, 8, 8, 8, 8, 8, 10)])
    assert hours_of(r) == (58, 40, 16, 2)
    assert r.cash_wages == D("1360.00")


def test_seventh_day_short_days():
    # 7 x 4 = 28 h: all seven days worked, so day 7's 4 h are OT (first 8 at 1.5x). 24 x 20 = 480 + 4 x 30 = 120.
    # Under the FLSA the same week is 28 x 20 = 560.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(4, 4, 4, 4, 4, 4, 4)])
    assert hours_of(r) == (28, 24, 4, 0)
    assert r.cash_wages == D("600.00")
    assert any("seventh-day rule applies" in x.text for x in r.explanation)


def test_seventh_day_over_8_is_double_time():
    # 6 x 1 + 13 on day 7: day 7 = 8 OT + 5 DT (over 8 on the seventh day; not 4 OT + 1 DT).
    assert hours_of(run(state="CA", pay=hourly("20.00"), weeks=[week(1, 1, 1, 1, 1, 1, 13)])) == (19, 6, 8, 5)


def test_a_day_off_means_no_seventh_day():
    # Day 1 off, then 6 x 8: the last day of the workweek is only the sixth day worked: weekly OT 8, no DT.
    assert hours_of(run(state="CA", pay=hourly("20.00"), weeks=[week(0, 8, 8, 8, 8, 8, 8)])) == (48, 40, 8, 0)


def test_seventh_day_counts_within_the_workweek_not_across_two():
    # Mendoza v. Nordstrom: 4 days at the end of week 1 + 3 days at the start of week 2 = 7 days in a row,
    # but not seven days in one workweek: no seventh-day premium. Each week: 4 x 8 = 32 / 3 x 8 = 24 regular.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(0, 0, 0, 8, 8, 8, 8), week(8, 8, 8, 0, 0, 0, 0)])
    assert hours_of(r) == (56, 56, 0, 0)


def test_24_hour_day():
    # 8 regular + 4 OT + 12 DT.
    assert hours_of(run(state="CA", pay=hourly("20.00"), weeks=[week(24)])) == (24, 8, 4, 12)


def test_nondiscretionary_bonus_with_double_time():
    # Hours: 13 + 4 x 8 = 45 -> regular 40, OT 4, DT 1. Bonus 90 / 45 h = 2.00 per hour (regular rate 22.00).
    # Adjustment: OT 4 x 0.5 x 2 = 4.00; DT 1 x 1.0 x 2 = 2.00 (DT = 2 x regular rate, straight time already in
    # the bonus). 40 x 20 = 800 + 4 x 30 = 120 + 1 x 40 = 40 + 90 + 6 = 1,056.00.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(13, 8, 8, 8, 8)], bonuses=[bonus("nondiscretionary", "90.00")])
    assert hours_of(r) == (45, 40, 4, 1)
    assert r.regular_rate == 22
    adj = [(e.hours, e.rate, e.amount) for e in r.earnings if e.kind == "overtime_bonus_adjustment"]
    assert adj == [(4, D("1.0"), D("4.00")), (1, D("2"), D("2.00"))]
    assert r.cash_wages == D("1056.00")


def test_alvarado_with_double_time():
    # Same hours, flat-sum 80: 80 / 40 non-OT h = 2.00; OT 4 x 1.5 x 2 = 12.00; DT 1 x 2 x 2 = 4.00 (2x: the
    # rules file's inference). 800 + 120 + 40 + 80 + 16 = 1,056.00.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(13, 8, 8, 8, 8)], bonuses=[bonus("flat_sum", "80.00")])
    assert by_kind(r)["overtime_bonus_adjustment"] == D("16.00")
    assert r.cash_wages == D("1056.00")


def test_alvarado_with_weekly_and_seventh_day_overtime():
    # 7 x 8 = 56 h: regular 40 (days 1-5), day 6 weekly OT 8, day 7 seventh-day OT 8 -> 16 OT.
    # Flat-sum 120 / 40 = 3.00; premium 1.5 x 3 x 16 = 72.00. Pay 800 + 16 x 30 = 480 + 120 + 72 = 1,472.00.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(8, 8, 8, 8, 8, 8, 8)], bonuses=[bonus("flat_sum", "120.00")])
    assert hours_of(r) == (56, 40, 16, 0)
    assert r.cash_wages == D("1472.00")


def test_break_premiums_at_the_regular_rate():
    # 2 missed meal/rest periods x 1 h x 20.00 = 40.00 (not hours worked: hours stay 40).
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(8, 8, 8, 8, 8, break_premiums=2)])
    assert hours_of(r) == (40, 40, 0, 0)
    assert by_kind(r)["break_premium"] == D("40.00")
    assert r.cash_wages == D("840.00")


def test_break_premiums_include_the_bonus_in_the_regular_rate():
    # Ferra v. Loews: regular rate of compensation = 20 + 40 / 40 = 21.00; 2 x 21 = 42.00. 800 + 40 + 42 = 882.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(8, 8, 8, 8, 8, break_premiums=2)],
            bonuses=[bonus("nondiscretionary", "40.00")])
    assert by_kind(r)["break_premium"] == D("42.00")
    assert r.cash_wages == D("882.00")


def test_hourly_rate_below_california_minimum_is_raised():
    # $15.00 in CA 2026 (minimum 16.90): 40 x 16.90 = 676.00.
    assert run(state="CA", pay=hourly("15.00")).cash_wages == D("676.00")


def test_2025_minimum_wage_by_pay_date():
    # 2025 CA minimum 16.50 [X]: 40 x 16.50 = 660.00.
    assert run(state="CA", pay=hourly("15.00"), pay_date="2025-06-06").cash_wages == D("660.00")


@pytest.mark.parametrize("daily, expected", [
    ([D(8)] * 5, (40, 0, 0)),
    ([D(12)] * 3, (24, 12, 0)),
    ([D("12.5"), D(0), D(8)], (16, 4, D("0.5"))),
    ([D(10)] * 6, (40, 20, 0)),  # daily 2 x 6 = 12 + day 6's 8 regular -> weekly: 20
])
def test_split_table(daily, expected):
    h = california(daily)
    assert (h.regular, h.overtime, h.double_time) == expected
