"""Salaried pay (domain/pay/salary.py), worked by hand: the period's share of the salary, exempt (no
overtime), non-exempt (overtime at weekly salary / 40 on top), and the salary floors that decide it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pay_testkit import bonus, by_kind, hourly, hours_of, request, run, week
from payroll.domain.pay import PayInputError, PayRequest, compute_pay

D = Decimal


def salary(annual: str, exempt: bool | None = None) -> dict:
    pay: dict = {"type": "salary", "annual_salary": annual}
    if exempt is not None:
        pay["exempt"] = exempt
    return pay


def lines(r):
    return [(e.kind, e.hours, e.rate, e.amount) for e in r.earnings]


def texts(r) -> str:
    return "\n".join(x.text for x in r.explanation)


def test_exempt_weekly_salary_has_no_overtime_whatever_the_hours():
    # 52,000 / 52 = 1,000.00; 50 hours worked, none overtime (29 CFR 541).
    r = run(state="PA", pay=salary("52000.00"), pay_frequency="weekly", weeks=[week(10, 10, 10, 10, 10)])
    assert lines(r) == [("salary", 50, None, D("1000.00"))]
    assert hours_of(r) == (50, 50, 0, 0)
    assert r.cash_wages == D("1000.00")
    assert "no overtime" in r.earnings[0].text and "52000.00 a year / 52 weekly" in r.earnings[0].text
    assert "Exempt (29 CFR 541)" in texts(r)


@pytest.mark.parametrize(("frequency", "weeks", "amount"), [
    ("biweekly", 2, "3076.92"),  # 80,000 / 26 = 3,076.923...
    ("semimonthly", 3, "3333.33"),  # 80,000 / 24 = 3,333.333...
    ("monthly", 5, "6666.67"),  # 80,000 / 12 = 6,666.666...
])
def test_the_period_share_is_rounded_once(frequency, weeks, amount):
    r = run(state="CA", pay=salary("80000.00"), pay_frequency=frequency, weeks=[week(12, 12, 12, 12, 12)] * weeks)
    assert lines(r) == [("salary", 60 * weeks, None, D(amount))]  # exempt in CA (80,000 >= 70,304): no daily OT


def test_a_salary_is_paid_for_a_week_without_punches():
    r = run(state="PA", pay=salary("52000.00"), pay_frequency="weekly", weeks=[week(0, 0, 0, 0, 0, 0, 0)])
    assert by_kind(r) == {"salary": D("1000.00")}


def test_non_exempt_salary_pays_overtime_at_weekly_salary_over_40():
    # 41,600 / 52 = 800 a week; regular rate 800 / 40 = 20; 5 OT hours x 30 = 150.00.
    r = run(state="PA", pay=salary("41600.00", exempt=False), pay_frequency="weekly", weeks=[week(9, 9, 9, 9, 9)])
    assert lines(r) == [("salary", 45, None, D("800.00")), ("overtime", 5, D("30"), D("150.00"))]
    assert r.regular_rate == 20 and r.cash_wages == D("950.00")
    assert "weekly salary / 40" in r.earnings[1].text


def test_called_exempt_below_the_california_floor_is_paid_as_non_exempt():
    # 60,000 < 70,304 (rules file 4.1): non-exempt. Weekly 1,153.846153..., rate 28.846153...;
    # four 10-hour days and one of 5: 8 daily OT hours x 1.5 x 28.846153... = 346.153846 -> 346.15.
    r = run(state="CA", pay=salary("60000.00"), pay_frequency="weekly", weeks=[week(10, 10, 10, 10, 5)])
    assert [(k, h, a) for k, h, _, a in lines(r)] == [("salary", 45, D("1153.85")), ("overtime", 8, D("346.15"))]
    assert "below the CA exempt salary floor 70304.00" in texts(r)


def test_called_exempt_below_the_federal_floor_is_paid_as_non_exempt():
    # 30,000 < 35,568 (29 CFR 541.600): 30,000 / 52 = 576.923076...; rate 14.423076...; 2 OT h x 21.634615 = 43.27.
    r = run(state="TX", pay=salary("30000.00"), pay_frequency="weekly", weeks=[week(8, 8, 8, 8, 8, 2)])
    assert [(k, h, a) for k, h, _, a in lines(r)] == [("salary", 42, D("576.92")), ("overtime", 2, D("43.27"))]


def test_california_double_time_for_a_non_exempt_salary():
    # 41,600: rate 20; a 14-hour day: 4 OT (30) + 2 DT (40) = 120 + 80.
    r = run(state="CA", pay=salary("41600.00", exempt=False), pay_frequency="weekly", weeks=[week(14)])
    assert lines(r) == [("salary", 14, None, D("800.00")), ("overtime", 4, D("30"), D("120.00")),
                        ("double_time", 2, D("40"), D("80.00"))]


def test_non_exempt_salary_with_a_bonus_in_the_regular_rate():
    # Rate 20 + 100 / 45 = 22.2222...; overtime 5 x 30 = 150 and on the bonus 5 x 0.5 x 2.2222 = 5.56.
    r = run(state="PA", pay=salary("41600.00", exempt=False), pay_frequency="weekly", weeks=[week(9, 9, 9, 9, 9)],
            bonuses=[bonus("nondiscretionary", "100.00")])
    assert by_kind(r) == {"salary": D("800.00"), "overtime": D("150.00"), "bonus": D("100.00"),
                          "overtime_bonus_adjustment": D("5.56")}


def test_exempt_salary_bonus_has_no_overtime_part():
    r = run(state="PA", pay=salary("52000.00"), pay_frequency="weekly", weeks=[week(10, 10, 10, 10, 10)],
            bonuses=[bonus("nondiscretionary", "100.00")])
    assert by_kind(r) == {"salary": D("1000.00"), "bonus": D("100.00")}


def test_break_premiums_for_a_non_exempt_salary_but_not_an_exempt_one():
    r = run(state="CA", pay=salary("41600.00", exempt=False), pay_frequency="weekly",
            weeks=[week(8, 8, 8, 8, 8, break_premiums=1)])
    assert by_kind(r)["break_premium"] == D("20.00")
    with pytest.raises(PayInputError) as error:
        run(state="CA", pay=salary("80000.00"), pay_frequency="weekly", weeks=[week(8, 8, 8, 8, 8, break_premiums=1)])
    assert error.value.field == "workweeks[0].break_premiums"


@pytest.mark.parametrize(("changes", "field"), [
    ({"pay": salary("52000.00")}, "pay_frequency"),
    ({"pay": salary("52000.00"), "pay_frequency": "daily"}, "pay_frequency"),
    ({"pay": salary("0.00"), "pay_frequency": "weekly"}, "pay.annual_salary"),
    ({"pay": {"type": "salary"}, "pay_frequency": "weekly"}, "pay.annual_salary"),
    ({"pay": salary("52000.00") | {"rate": "20.00"}, "pay_frequency": "weekly"}, "pay.rate"),
    ({"pay": salary("52000.00") | {"exempt": "yes"}, "pay_frequency": "weekly"}, "pay.exempt"),
    ({"pay": hourly("20.00") | {"exempt": True}}, "pay.exempt"),
    ({"pay": hourly("20.00"), "jobs": [{"name": "mgr", "type": "salary", "annual_salary": "1.00"}]}, "jobs[0].type"),
    ({"pay": salary("52000.00"), "pay_frequency": "weekly", "jobs": [{"name": "host", "type": "hourly",
                                                                      "rate": "15.00"}]}, "jobs"),
])
def test_bad_salary_input_names_the_field(changes, field):
    with pytest.raises(PayInputError) as error:
        compute_pay(PayRequest.from_dict(request(**changes)))
    assert error.value.field == field
