"""Property tests (hypothesis): hours partition, monotone pay, overtime premium floor, no pyramiding, totals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from pay_testkit import run
from payroll.domain.pay.hours import california, flsa_weekly

D = Decimal
ZERO = D(0)

quarter_hours = st.integers(min_value=0, max_value=96).map(lambda q: D(q) / 4)
days = st.lists(quarter_hours, min_size=0, max_size=7)
rates = st.integers(min_value=725, max_value=6000).map(lambda c: D(c) / 100)
cash_wages = st.sampled_from(["2.13", "2.83", "3.00", "5.00", "7.25", "9.00", "17.50"])
states = st.sampled_from(["CA", "PA", "TX"])
cents = st.integers(min_value=0, max_value=200000).map(lambda c: D(c) / 100)
rr_bonuses = st.lists(st.tuples(st.sampled_from(["nondiscretionary", "flat_sum"]), cents), max_size=2)

SETTINGS = settings(max_examples=150, deadline=None)


def _weeks(daily_lists):
    return [{"daily_hours": [str(h) for h in d]} for d in daily_lists]


def _pay(kind: str, amount: Decimal) -> dict:
    return {"type": "hourly", "rate": str(amount)} if kind == "hourly" else {"type": "tipped", "cash_wage_rate": str(amount)}


@SETTINGS
@given(days)
def test_hours_partition(daily):
    for split in (flsa_weekly, california):
        h = split(daily)
        assert h.total == sum(daily, ZERO)
        assert h.regular + h.overtime + h.double_time == h.total
        assert min(h.regular, h.overtime, h.double_time) >= 0


@SETTINGS
@given(days)
def test_california_no_pyramiding(daily):
    # Independent count of premium hours: each hour once, daily excess first, weekly 40 on regular hours only.
    h = california(daily)
    seventh = len(daily) == 7 and all(x > 0 for x in daily)
    first = daily[:6] if seventh else daily
    premium = sum((max(ZERO, x - 8) for x in first), ZERO) + max(ZERO, sum((min(x, D(8)) for x in first), ZERO) - 40)
    double = sum((max(ZERO, x - 12) for x in first), ZERO)
    if seventh:
        premium += daily[6]
        double += max(ZERO, daily[6] - 8)
    assert h.overtime + h.double_time == premium
    assert h.double_time == double
    assert h.regular <= 40
    # California never gives fewer premium hours than the FLSA.
    assert h.overtime + h.double_time >= flsa_weekly(daily).overtime


@SETTINGS
@given(states, st.sampled_from(["hourly", "tipped"]), st.data(), st.lists(days, min_size=1, max_size=2), cents,
       st.integers(min_value=1, max_value=4))
def test_pay_never_decreases_when_an_hour_is_added(state, kind, data, weeks, tips, quarters):
    amount = data.draw(rates if kind == "hourly" else cash_wages.map(D))
    w = data.draw(st.integers(min_value=0, max_value=len(weeks) - 1))
    if not weeks[w]:
        weeks[w] = [ZERO]
    d = data.draw(st.integers(min_value=0, max_value=len(weeks[w]) - 1))
    more = [list(x) for x in weeks]
    more[w][d] = min(D(24), more[w][d] + D(quarters) / 4)
    kwargs = {"state": state, "pay": _pay(kind, amount), "tips": str(tips),
              "bonuses": [{"type": "discretionary", "amount": "25.00"}]}
    before = run(weeks=_weeks(weeks), **kwargs)
    after = run(weeks=_weeks(more), **kwargs)
    assert after.cash_wages >= before.cash_wages
    assert after.hours.total >= before.hours.total


@SETTINGS
@given(states, st.sampled_from(["hourly", "tipped"]), st.data(), days, rr_bonuses, cents)
def test_overtime_premium_at_least_half_the_regular_rate(state, kind, data, daily, bonuses, tips):
    # Compensation for the week's hours (tip credit counted as paid, top-up and break premiums left out) is at
    # least regular rate x all hours + 0.5 x regular rate per OT hour + 1.0 x per DT hour, up to line rounding.
    amount = data.draw(rates if kind == "hourly" else cash_wages.map(D))
    r = run(state=state, pay=_pay(kind, amount), weeks=_weeks([daily]), tips=str(tips),
            bonuses=[{"type": t, "amount": str(a)} for t, a in bonuses])
    wk = r.workweeks[0]
    counted = [e for e in r.earnings if e.kind not in ("tip_credit_top_up", "break_premium")]
    regular_line = [e for e in r.earnings if e.kind == "regular"]
    tip_credit = ZERO
    if kind == "tipped" and regular_line:
        tip_credit = max(ZERO, _minimum_wage(r) - regular_line[0].rate)
    paid = sum((e.amount for e in counted), ZERO) + tip_credit * wk.hours.total
    owed = wk.regular_rate * (wk.hours.total + D("0.5") * wk.hours.overtime + wk.hours.double_time)
    assert paid >= owed - D("0.005") * len(counted)
    # And line by line: the overtime rate (plus the tip credit it nets out) is 1.5x the rate before bonuses.
    if wk.hours.overtime and regular_line:
        ot_rate = [e.rate for e in r.earnings if e.kind == "overtime"][0]
        assert ot_rate + tip_credit == D("1.5") * (regular_line[0].rate + tip_credit)


def _minimum_wage(result) -> Decimal:
    return [x.amount for x in result.explanation if x.line == "rules"][0]


@SETTINGS
@given(states, st.sampled_from(["hourly", "tipped"]), st.data(), st.lists(days, min_size=1, max_size=3), cents)
def test_totals_add_up_and_minimum_wage_is_met(state, kind, data, weeks, tips):
    amount = data.draw(rates if kind == "hourly" else cash_wages.map(D))
    r = run(state=state, pay=_pay(kind, amount), weeks=_weeks(weeks), tips=str(tips))
    assert r.cash_wages == sum((e.amount for e in r.earnings), ZERO)
    assert r.gross_wages == r.cash_wages + r.reported_tips
    assert all(e.amount == e.amount.quantize(D("0.01")) for e in r.earnings)
    assert r.hours.total == sum((sum(d, ZERO) for d in weeks), ZERO)
    hours_in_lines = sum((e.hours for e in r.earnings if e.kind in ("regular", "overtime", "double_time")), ZERO)
    assert hours_in_lines == r.hours.total
    # Cash + tips reach the minimum wage (overtime at 1.5x it, double time at 2x) in every workweek together.
    mw = _minimum_wage(r)
    owed = sum((mw * (w.hours.total + D("0.5") * w.hours.overtime + w.hours.double_time) for w in r.workweeks), ZERO)
    assert r.cash_wages + r.reported_tips >= owed - D("0.005") * len(r.earnings)


@SETTINGS
@given(states, rates, st.lists(st.tuples(quarter_hours, quarter_hours).filter(lambda t: t[0] + t[1] <= 24),
                               min_size=1, max_size=7))
def test_splitting_hours_over_two_jobs_at_the_same_rate_changes_nothing(state, rate, pairs):
    # A second job at the same rate: the blended rate is that rate, so pay equals the one-job pay (to the cent,
    # give or take the rounding of the extra line).
    one = run(state=state, pay=_pay("hourly", rate), weeks=_weeks([[a + b for a, b in pairs]]))
    two = run(state=state, pay=_pay("hourly", rate), jobs=[{"name": "host", "type": "hourly", "rate": str(rate)}],
              weeks=[{"daily_hours": [str(a) for a, _ in pairs],
                      "jobs": [{"job": "host", "daily_hours": [str(b) for _, b in pairs]}]}])
    assert (two.hours.total, two.hours.overtime, two.hours.double_time) == (
        one.hours.total, one.hours.overtime, one.hours.double_time)
    assert abs(two.cash_wages - one.cash_wages) <= D("0.02")
    assert two.regular_rate == one.regular_rate or one.hours.total == 0


@SETTINGS
@given(states, rates, rates, st.lists(st.tuples(quarter_hours, quarter_hours).filter(lambda t: t[0] + t[1] <= 24),
                                      min_size=1, max_size=7))
def test_blended_overtime_premium_floor(state, main_rate, host_rate, pairs):
    r = run(state=state, pay=_pay("hourly", main_rate), jobs=[{"name": "host", "type": "hourly", "rate": str(host_rate)}],
            weeks=[{"daily_hours": [str(a) for a, _ in pairs],
                    "jobs": [{"job": "host", "daily_hours": [str(b) for _, b in pairs]}]}])
    wk = r.workweeks[0]
    owed = wk.regular_rate * (wk.hours.total + D("0.5") * wk.hours.overtime + wk.hours.double_time)
    assert r.cash_wages >= owed - D("0.005") * len(r.earnings)
    # The blended rate lies between the two jobs' rates (each raised to the minimum wage where below it).
    mw = _minimum_wage(r)
    paid_rates = (max(main_rate, mw), max(host_rate, mw))
    assert min(paid_rates) <= wk.regular_rate <= max(paid_rates)
