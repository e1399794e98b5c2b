"""FLSA weekly overtime (PA, TX): over 40 in each workweek alone, days do not matter."""

from __future__ import annotations

from decimal import Decimal

from pay_testkit import bonus, by_kind, hourly, hours_of, run, week

D = Decimal


def test_forty_hours_no_overtime():
    r = run(state="PA", pay=hourly("15.00"), weeks=[week(8, 8, 8, 8, 8)])
    assert hours_of(r) == (40, 40, 0, 0)
    assert by_kind(r) == {"regular": D("600.00")}


def test_long_days_are_not_overtime_under_flsa():
    # 4 x 10 = 40 h: no overtime under the FLSA (California would pay 8 h daily OT, see test_pay_california).
    r = run(state="PA", pay=hourly("15.00"), weeks=[week(10, 10, 10, 10)])
    assert hours_of(r) == (40, 40, 0, 0)
    assert r.cash_wages == D("600.00")


def test_weekly_overtime_over_40():
    # 5 x 10 = 50 h at 15.00: 40 x 15 = 600; 10 x 22.50 = 225; total 825.
    r = run(state="TX", pay=hourly("15.00"), weeks=[week(10, 10, 10, 10, 10)])
    assert hours_of(r) == (50, 40, 10, 0)
    assert by_kind(r) == {"regular": D("600.00"), "overtime": D("225.00")}


def test_seven_days_no_seventh_day_rule():
    # 7 x 6 = 42 h: FLSA knows no seventh-day rule: 2 h OT. 40 x 15 + 2 x 22.5 = 600 + 45 = 645.
    r = run(state="PA", pay=hourly("15.00"), weeks=[week(6, 6, 6, 6, 6, 6, 6)])
    assert hours_of(r) == (42, 40, 2, 0)
    assert r.cash_wages == D("645.00")


def test_two_workweeks_each_alone_no_averaging():
    # Week 1: 45 h -> 5 OT; week 2: 35 h -> 0 OT. Averaging 80 h over two weeks would give no OT (1,200.00).
    # Regular 40 + 35 = 75 x 15 = 1,125.00; OT 5 x 22.50 = 112.50; total 1,237.50.
    r = run(state="PA", pay=hourly("15.00"), weeks=[week(9, 9, 9, 9, 9), week(7, 7, 7, 7, 7)])
    assert hours_of(r) == (80, 75, 5, 0)
    assert by_kind(r) == {"regular": D("1125.00"), "overtime": D("112.50")}
    assert [w.hours.overtime for w in r.workweeks] == [5, 0]
    # One regular line for both weeks (same rate), hours summed, amount rounded once.
    assert [(e.kind, e.hours) for e in r.earnings] == [("regular", 75), ("overtime", 5)]


def test_fractional_hours():
    # 8.25 x 5 = 41.25 h at 17.40: 40 x 17.40 = 696.00; 1.25 x 26.10 = 32.625 -> 32.63; total 728.63.
    r = run(state="PA", pay=hourly("17.40"), weeks=[week("8.25", "8.25", "8.25", "8.25", "8.25")])
    assert hours_of(r) == (D("41.25"), 40, D("1.25"), 0)
    assert by_kind(r) == {"regular": D("696.00"), "overtime": D("32.63")}


def test_nondiscretionary_bonus_without_overtime_only_adds_the_bonus():
    # 40 h at 15 + 80 bonus: regular rate 17.00, no OT hours, so no adjustment. 600 + 80 = 680.
    r = run(state="PA", pay=hourly("15.00"), bonuses=[bonus("nondiscretionary", "80.00")])
    assert r.regular_rate == 17
    assert by_kind(r) == {"regular": D("600.00"), "bonus": D("80.00")}


def test_discretionary_bonus_is_outside_the_regular_rate():
    # 45 h at 20 + 100 discretionary: regular rate stays 20; 800 + 150 + 100 = 1,050.00, no adjustment.
    r = run(state="PA", pay=hourly("20.00"), weeks=[week(9, 9, 9, 9, 9)], bonuses=[bonus("discretionary", "100.00")])
    assert r.regular_rate == 20
    assert by_kind(r) == {"regular": D("800.00"), "overtime": D("150.00"), "bonus": D("100.00")}
    assert r.cash_wages == D("1050.00")


def test_period_bonus_is_split_equally_over_the_workweeks_worked():
    # 29 CFR 778.209(b): $100 for a two-week period, 50.00 to each workweek.
    # Week 1: 45 h -> 0.5 x 50/45 x 5 = 2.7777.. -> line 2.78. Week 2: 40 h, no OT.
    # Regular 40 + 40 = 80 x 15 = 1,200.00 + 5 x 22.50 = 112.50 + 100 + 2.78 = 1,415.28.
    r = run(state="PA", pay=hourly("15.00"), weeks=[week(9, 9, 9, 9, 9), week(8, 8, 8, 8, 8)],
            bonuses=[bonus("nondiscretionary", "100.00")])
    assert by_kind(r)["overtime_bonus_adjustment"] == D("2.78")
    assert r.cash_wages == D("1415.28")
    assert [w.bonus for w in r.workweeks] == [50, 50]
    assert r.workweeks[1].regular_rate == D("16.25")  # 15 + 50/40


def test_bonus_pinned_to_one_workweek():
    # Same, all 100 in week 1: 0.5 x 100/45 x 5 = 5.5555.. -> 5.56; 1,200 + 112.50 + 100 + 5.56 = 1,418.06.
    r = run(state="PA", pay=hourly("15.00"), weeks=[week(9, 9, 9, 9, 9), week(8, 8, 8, 8, 8)],
            bonuses=[bonus("nondiscretionary", "100.00", workweek=0)])
    assert r.cash_wages == D("1418.06")
    assert r.workweeks[1].regular_rate == 15


def test_rate_below_minimum_wage_is_raised():
    # $7.00 in PA (minimum 7.25): 40 x 7.25 = 290.00, and the explanation says why.
    r = run(state="PA", pay=hourly("7.00"))
    assert r.cash_wages == D("290.00")
    assert any("below the PA minimum wage" in x.text for x in r.explanation)


def test_zero_hours_week():
    r = run(state="PA", pay=hourly("15.00"), weeks=[week(0, 0, 0, 0, 0, 0, 0)], bonuses=[bonus("nondiscretionary", "50.00")])
    assert hours_of(r) == (0, 0, 0, 0)
    assert by_kind(r) == {"bonus": D("50.00")}
    assert r.regular_rate == 15
