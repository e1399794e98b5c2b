"""Tipped employees: tip credit where the state allows it, weekly top-up, overtime at the full minimum wage."""

from __future__ import annotations

from decimal import Decimal

from pay_testkit import bonus, by_kind, hours_of, run, tipped, week

D = Decimal


def test_federal_tips_cover_the_credit_no_top_up():
    # TX 40 h at 2.13: 85.20 cash; tip credit 5.12 x 40 = 204.80 <= tips 250 -> no top-up. Gross 335.20.
    r = run(state="TX", pay=tipped("2.13"), tips="250.00")
    assert by_kind(r) == {"regular": D("85.20")}
    assert r.tip_credit_top_up == 0
    assert r.cash_wages == D("85.20") and r.reported_tips == D("250.00") and r.gross_wages == D("335.20")


def test_federal_top_up_when_tips_fall_short():
    # TX 40 h, tips 150: credit claimed 204.80 - tips 150 = 54.80 top-up. Cash 85.20 + 54.80 = 140.00;
    # cash + tips = 290.00 = 40 x 7.25 exactly.
    r = run(state="TX", pay=tipped("2.13"), tips="150.00")
    assert r.tip_credit_top_up == D("54.80")
    assert by_kind(r) == {"regular": D("85.20"), "tip_credit_top_up": D("54.80")}
    assert r.cash_wages + r.reported_tips == D("290.00")
    top = [e for e in r.earnings if e.kind == "tip_credit_top_up"][0]
    assert top.hours == 40 and top.rate is None


def test_pennsylvania_top_up_without_overtime():
    # PA 30 h at 2.83 = 84.90; tips 100 < credit 4.42 x 30 = 132.60 -> top-up 32.60; cash 117.50;
    # cash + tips = 217.50 = 30 x 7.25.
    r = run(state="PA", pay=tipped("2.83"), weeks=[week(6, 6, 6, 6, 6)], tips="100.00")
    assert r.tip_credit_top_up == D("32.60")
    assert r.cash_wages == D("117.50")


def test_pennsylvania_overtime_no_tips_full_top_up():
    # PA 45 h, no tips: 40 x 2.83 = 113.20; 5 x 6.455 = 32.275 -> 32.28; top-up 4.42 x 45 = 198.90.
    # Cash 344.38 >= full minimum wage with OT: 40 x 7.25 + 5 x 10.875 = 344.375.
    r = run(state="PA", pay=tipped("2.83"), weeks=[week(9, 9, 9, 9, 9)])
    assert hours_of(r) == (45, 40, 5, 0)
    assert by_kind(r) == {"regular": D("113.20"), "overtime": D("32.28"), "tip_credit_top_up": D("198.90")}
    assert r.cash_wages == D("344.38")


def test_top_up_is_per_workweek_not_per_period():
    # TX, week 1: 40 h with 250 tips (credit 204.80 covered); week 2: 20 h with no tips (credit 102.40 uncovered).
    # Per workweek: top-up 0 + 102.40 = 102.40. Netting over the period would give 307.20 - 250 = 57.20 (wrong).
    # Cash: 60 x 2.13 = 127.80 + 102.40 = 230.20.
    r = run(state="TX", pay=tipped("2.13"),
            weeks=[week(8, 8, 8, 8, 8, tips="250.00"), week(5, 5, 5, 5, tips="0.00")])
    assert r.tip_credit_top_up == D("102.40")
    assert r.cash_wages == D("230.20")
    assert r.reported_tips == D("250.00")
    assert [w.tip_credit_top_up for w in r.workweeks] == [0, D("102.40")]


def test_period_tips_allocated_pro_rata_by_hours():
    # TX, weeks of 40 h and 20 h, 90.00 tips for the period -> 60.00 and 30.00.
    # Top-ups: 204.80 - 60 = 144.80 and 102.40 - 30 = 72.40 -> 217.20. Cash 127.80 + 217.20 = 345.00
    # = 60 x 7.25 - 90 tips.
    r = run(state="TX", pay=tipped("2.13"), weeks=[week(8, 8, 8, 8, 8), week(5, 5, 5, 5)], tips="90.00")
    assert [w.reported_tips for w in r.workweeks] == [60, 30]
    assert r.tip_credit_top_up == D("217.20")
    assert r.cash_wages == D("345.00")
    assert any("pro rata by hours" in x.text for x in r.explanation)


def test_partial_tip_credit_when_cash_wage_is_higher():
    # TX cash wage 4.00: tip credit 3.25; OT cash rate 1.5 x 7.25 - 3.25 = 7.625.
    # 42 h: 40 x 4 = 160.00; 2 x 7.625 = 15.25; tips 200 >= 3.25 x 42 = 136.50, no top-up.
    r = run(state="TX", pay=tipped("4.00"), weeks=[week(8, 8, 8, 8, 8, 2)], tips="200.00")
    assert by_kind(r) == {"regular": D("160.00"), "overtime": D("15.25")}
    assert r.regular_rate == D("7.25")


def test_cash_wage_at_or_above_minimum_no_tip_credit():
    # TX cash wage 9.00: no credit, regular rate 9, OT 13.50; never a top-up.
    r = run(state="TX", pay=tipped("9.00"), weeks=[week(9, 9, 9, 9, 9)])
    assert by_kind(r) == {"regular": D("360.00"), "overtime": D("67.50")}
    assert r.regular_rate == 9 and r.tip_credit_top_up == 0


def test_cash_wage_below_the_tipped_minimum_is_raised():
    # PA cash wage 2.13 < PA minimum tipped cash wage 2.83: paid 2.83 (tip credit capped at 4.42).
    r = run(state="PA", pay=tipped("2.13"), tips="500.00")
    assert by_kind(r) == {"regular": D("113.20")}


def test_california_tipped_gets_full_minimum_wage_and_no_top_up():
    # CA cash wage 5.00 raised to 16.90; 9 h days x 5: 40 x 16.90 = 676.00; 5 x 25.35 = 126.75; tips irrelevant.
    r = run(state="CA", pay=tipped("5.00"), weeks=[week(9, 9, 9, 9, 9)], tips="0.00")
    assert by_kind(r) == {"regular": D("676.00"), "overtime": D("126.75")}
    assert r.tip_credit_top_up == 0
    assert any("allows no tip credit" in x.text for x in r.explanation)


def test_california_tipped_above_minimum_with_double_time():
    # CA cash wage 18.00 (above 16.90): 13 h day -> 8 x 18 = 144; 4 x 27 = 108; 1 x 36 = 36 -> 288.00.
    r = run(state="CA", pay=tipped("18.00"), weeks=[week(13)], tips="80.00")
    assert by_kind(r) == {"regular": D("144.00"), "overtime": D("108.00"), "double_time": D("36.00")}
    assert r.gross_wages == D("368.00")


def test_tipped_with_nondiscretionary_bonus():
    # TX 45 h at 2.13, tips 400, bonus 45: regular rate = 7.25 + 45/45 = 8.25; adjustment 0.5 x 1 x 5 = 2.50.
    # 85.20 + 28.78 (5 x 5.755) + 45 + 2.50 = 161.48.
    r = run(state="TX", pay=tipped("2.13"), weeks=[week(9, 9, 9, 9, 9)], tips="400.00",
            bonuses=[bonus("nondiscretionary", "45.00")])
    assert r.regular_rate == D("8.25")
    assert r.cash_wages == D("161.48")


def test_tips_per_workweek_and_period_total_must_agree():
    r = run(state="TX", pay=tipped("2.13"), weeks=[week(8, 8, 8, 8, 8, tips="250.00")], tips="250.00")
    assert r.reported_tips == D("250.00")
