"""Every worked figure of ../shared/reference/payroll-tax-rules-2026.md sections 5 and 6 (and the DOL's own
29 CFR 778.110 example the file cites), reproduced to the cent."""

from __future__ import annotations

from decimal import Decimal

from pay_testkit import bonus, by_kind, hourly, hours_of, run, tipped, week
from payroll.domain.pay.money import to_cents

D = Decimal


def test_778_110_a_hourly_rate_only():
    # 29 CFR 778.110(a): $12 an hour, 46 hours -> 40 x 12 + 6 x 18 = 480 + 108 = $588.
    r = run(state="PA", pay=hourly("12.00"), weeks=[week(8, 8, 8, 8, 8, 6)])
    assert hours_of(r) == (46, 40, 6, 0)
    assert by_kind(r) == {"regular": D("480.00"), "overtime": D("108.00")}
    assert r.cash_wages == D("588.00")
    assert r.regular_rate == 12


def test_778_110_b_hourly_rate_and_production_bonus():
    # 29 CFR 778.110(b): + $46 production bonus -> regular rate (552 + 46) / 46 = $13;
    # total $637 = 46 x 13 + 6 x 6.50. Engine lines: 480 + 108 + bonus 46 + 0.5 x (46/46) x 6 = 3.00 -> 637.
    r = run(state="PA", pay=hourly("12.00"), weeks=[week(8, 8, 8, 8, 8, 6)],
            bonuses=[bonus("nondiscretionary", "46.00")])
    assert r.regular_rate == 13
    assert by_kind(r) == {"regular": D("480.00"), "overtime": D("108.00"), "bonus": D("46.00"),
                          "overtime_bonus_adjustment": D("3.00")}
    assert r.cash_wages == D("637.00")


def test_alvarado_flat_sum_in_california_1068_75():
    # Rules file 5.2: "1,068.75 vs 1,055.56 under the federal method". $20/h, 45 h (5 days of 9), $100 flat-sum.
    # CA: 8 h/day regular, 1 h/day daily OT -> 40 regular, 5 OT. Bonus per hour = 100 / 40 non-OT h = 2.50;
    # OT premium on it = 1.5 x 2.50 x 5 = 18.75. 800 + 5 x 30 = 150 + 100 + 18.75 = 1,068.75.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(9, 9, 9, 9, 9)], bonuses=[bonus("flat_sum", "100.00")])
    assert hours_of(r) == (45, 40, 5, 0)
    assert by_kind(r)["overtime_bonus_adjustment"] == D("18.75")
    assert r.cash_wages == D("1068.75")
    assert r.regular_rate == D("22.50")


def test_alvarado_federal_method_1055_56():
    # Same facts, total-hours method (flat-sum outside California): 100 / 45 = 2.2222..;
    # 0.5 x 2.2222.. x 5 = 5.5555.. -> 5.56; 800 + 150 + 100 + 5.56 = 1,055.56.
    r = run(state="PA", pay=hourly("20.00"), weeks=[week(9, 9, 9, 9, 9)], bonuses=[bonus("flat_sum", "100.00")])
    assert hours_of(r) == (45, 40, 5, 0)
    assert by_kind(r)["overtime_bonus_adjustment"] == D("5.56")
    assert r.cash_wages == D("1055.56")


def test_california_nondiscretionary_bonus_uses_total_hours_not_alvarado():
    # Rules file 5.2: Alvarado is for flat-sum bonuses only; production bonuses follow the total-hours method.
    r = run(state="CA", pay=hourly("20.00"), weeks=[week(9, 9, 9, 9, 9)],
            bonuses=[bonus("nondiscretionary", "100.00")])
    assert r.cash_wages == D("1055.56")


def test_tipped_overtime_cash_rate_5_755_federal():
    # Rules file 5.3: regular rate = 7.25; OT rate 10.875; cash per OT hour = 10.875 - 5.12 = 5.755.
    # Texas follows the federal figures. 45 h: 40 x 2.13 = 85.20; 5 x 5.755 = 28.775 -> 28.78 (rate kept exact,
    # the line rounded half-up, section 6). Tips 400 >= tip credit 5.12 x 45 = 230.40: no top-up.
    r = run(state="TX", pay=tipped("2.13"), weeks=[week(9, 9, 9, 9, 9)], tips="400.00")
    ot = [e for e in r.earnings if e.kind == "overtime"][0]
    assert ot.rate == D("5.755") and ot.hours == 5 and ot.amount == D("28.78")
    assert r.regular_rate == D("7.25")
    assert by_kind(r) == {"regular": D("85.20"), "overtime": D("28.78")}
    assert r.cash_wages == D("113.98")
    assert r.gross_wages == D("513.98")
    assert r.tip_credit_top_up == 0


def test_tipped_top_up_covers_full_minimum_wage_overtime():
    # Rules file 5.3: top up when cash + tips < 7.25 x hours (+ OT). 45 h, tips 200:
    # owed at the full minimum wage = 40 x 7.25 + 5 x 10.875 = 290 + 54.375 = 344.375;
    # cash 85.20 + 28.775 = 113.975; shortfall 344.375 - 113.975 - 200 = 30.40 (= 5.12 x 45 - 200).
    r = run(state="TX", pay=tipped("2.13"), weeks=[week(9, 9, 9, 9, 9)], tips="200.00")
    assert r.tip_credit_top_up == D("30.40")
    assert r.cash_wages == D("144.38")
    assert r.cash_wages + D("200.00") >= D("344.375")


def test_pennsylvania_tipped_figures():
    # Rules file 4.2 / 5.3: PA cash wage 2.83, max tip credit 4.42 (7.25 - 2.83).
    # OT cash rate = 1.5 x 7.25 - 4.42 = 6.455. 42 h, tips 300 >= 4.42 x 42 = 185.64: no top-up.
    # 40 x 2.83 = 113.20; 2 x 6.455 = 12.91; cash 126.11; gross 426.11.
    r = run(state="PA", pay=tipped("2.83"), weeks=[week(8, 8, 8, 8, 8, 2)], tips="300.00")
    assert by_kind(r) == {"regular": D("113.20"), "overtime": D("12.91")}
    assert [e.rate for e in r.earnings] == [D("2.83"), D("6.455")]
    assert r.cash_wages == D("126.11") and r.gross_wages == D("426.11")


def test_california_no_tip_credit_minimum_wage_16_90():
    # Rules file 4.1 / 5.2: CA minimum wage 16.90 in 2026, no tip credit: a tipped cash wage of 2.13 is raised
    # to 16.90. 42 h (5 x 8 + 2 on day 6, weekly OT): 40 x 16.90 = 676.00; 2 x 25.35 = 50.70; no top-up ever.
    r = run(state="CA", pay=tipped("2.13"), weeks=[week(8, 8, 8, 8, 8, 2)], tips="50.00")
    assert by_kind(r) == {"regular": D("676.00"), "overtime": D("50.70")}
    assert r.regular_rate == D("16.90")
    assert r.tip_credit_top_up == 0
    assert r.cash_wages == D("726.70") and r.gross_wages == D("776.70")


def test_rounding_half_up_not_bankers():
    # Rules file section 6: 13.485 -> 13.49 (banker's rounding gives 13.48).
    assert to_cents(D("13.485")) == D("13.49")
    # The same trap on an earnings line: $8.99/h -> OT rate 13.485; 41 h -> 1 OT hour = 13.485 -> 13.49.
    r = run(state="PA", pay=hourly("8.99"), weeks=[week(9, 8, 8, 8, 8)])
    assert by_kind(r)["overtime"] == D("13.49")
    assert r.cash_wages == D("359.60") + D("13.49")  # 40 x 8.99 = 359.60
