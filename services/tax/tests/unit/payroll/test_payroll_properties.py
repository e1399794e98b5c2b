"""Property tests: no negative withholding, FICA monotone in wages, batch == one by one."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tax.domain.payroll import RuleDataError, WithholdingRequest, calculate_withholding, calculate_withholding_batch
from tax.rules import load_rulebook

BOOK = load_rulebook()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def money(max_dollars: int):
    return st.integers(min_value=0, max_value=max_dollars * 100).map(lambda c: str(Decimal(c) / 100))


pay_dates = st.integers(min_value=0, max_value=729).map(lambda n: (date(2025, 1, 1) + timedelta(days=n)).isoformat())
federal_2020 = st.fixed_dictionaries({
    "form_version": st.just("2020"),
    "filing_status": st.sampled_from(["single", "married_filing_jointly", "married_filing_separately", "head_of_household"]),
    "multiple_jobs": st.booleans(),
    "dependents_amount": money(8000),
    "other_income": money(50000),
    "deductions": money(60000),
    "extra_withholding": money(100),
    "exempt": st.booleans(),
})
federal_pre2020 = st.fixed_dictionaries({
    "form_version": st.just("pre2020"),
    "filing_status": st.sampled_from(["single", "married_filing_jointly"]),
    "allowances": st.integers(min_value=0, max_value=15),
    "extra_withholding": money(100),
})
de4 = st.fixed_dictionaries({
    "filing_status": st.sampled_from(["single", "married", "head_of_household"]),
    "regular_allowances": st.integers(min_value=0, max_value=14),
    "estimated_deduction_allowances": st.integers(min_value=0, max_value=12),
    "extra_withholding": money(50),
})
pretax = st.lists(st.fixed_dictionaries({"type": st.sampled_from(["401k", "403b", "section_125", "hsa"]),
                                         "amount": money(800)}), max_size=3)


@st.composite
def requests(draw) -> dict:
    state = draw(st.sampled_from(["CA", "PA", "TX", "FL", "WA", "NV", "SD", "WY", "AK", "TN", "NH"]))
    payment_type = draw(st.sampled_from(["regular", "regular", "regular", "supplemental"]))
    ytd_wages = draw(money(400000))
    d = {
        "pay_date": draw(pay_dates),
        "pay_frequency": draw(st.sampled_from(["weekly", "biweekly", "semimonthly", "monthly"])),
        "payment_type": payment_type,
        "wages": draw(money(25000)),
        "tips": draw(money(3000)),
        "pretax_deductions": draw(pretax),
        "ytd": {"wages": ytd_wages, "supplemental_wages": draw(money(1200000)),
                **({"ss_tax": draw(money(12000))} if draw(st.booleans()) else {})},
        "work_state": state,
        "federal": draw(st.one_of(federal_2020, federal_pre2020)),
        "state": draw(de4) if state == "CA" else None,
    }
    if state == "PA" and draw(st.booleans()):
        d["locality"] = {"code": "PHILADELPHIA", "resident": draw(st.booleans())}
    if payment_type == "supplemental":
        d["supplemental_kind"] = draw(st.sampled_from(["bonus", "stock_option", "other"]))
    if draw(st.booleans()):
        d["employer"] = {"suta_rate": draw(st.sampled_from(["0.001", "0.034", "0.062"])),
                         "suta_wage_base": draw(money(60000)),
                         "round_federal_to_whole_dollars": draw(st.booleans())}
    return d


def run(d: dict):
    req = WithholdingRequest.from_dict(d)
    return calculate_withholding(req, BOOK.for_date(req.pay_date))


@SETTINGS
@given(requests())
def test_no_amount_is_ever_negative(d):
    result = run(d)
    for group in (result.employee, result.employer, result.taxable_wages):
        for amount in group:
            assert amount >= 0
            assert amount == amount.quantize(Decimal("0.01"))
    result.to_dict()  # every explanation template matches its values


@SETTINGS
@given(requests(), money(5000))
def test_more_wages_never_lower_fica(d, raise_by):
    lower = run(d).employee
    d = dict(d, wages=str(Decimal(d["wages"]) + Decimal(raise_by)))
    higher = run(d).employee
    assert higher.social_security >= lower.social_security
    assert higher.medicare >= lower.medicare
    assert higher.additional_medicare >= lower.additional_medicare


@SETTINGS
@given(st.lists(requests(), min_size=1, max_size=12))
def test_batch_equals_one_by_one(ds):
    reqs = [WithholdingRequest.from_dict(d) for d in ds]
    batch = calculate_withholding_batch(reqs, BOOK)
    single = [calculate_withholding(r, BOOK.for_date(r.pay_date)) for r in reqs]
    assert batch == single
    assert [b.to_dict() for b in batch] == [s.to_dict() for s in single]


def test_batch_accepts_a_dict_or_a_callable():
    d = {"pay_date": "2026-01-09", "pay_frequency": "weekly", "payment_type": "regular", "wages": "900.00",
         "ytd": {"wages": "0"}, "work_state": "TX", "federal": {"form_version": "2020", "filing_status": "single"}}
    req = WithholdingRequest.from_dict(d)
    rules = BOOK.for_date(req.pay_date)
    expected = calculate_withholding(req, rules)
    assert calculate_withholding_batch([req], {req.pay_date: rules}) == [expected]
    assert calculate_withholding_batch([req], BOOK.for_date) == [expected]
    assert calculate_withholding_batch([], BOOK) == []


def test_batch_restores_the_garbage_collector_state():
    import gc

    d = {"pay_date": "2026-01-09", "pay_frequency": "weekly", "payment_type": "regular", "wages": "900.00",
         "ytd": {"wages": "0"}, "work_state": "TX", "federal": {"form_version": "2020", "filing_status": "single"}}
    req = WithholdingRequest.from_dict(d)
    assert gc.isenabled()
    calculate_withholding_batch([req], BOOK)
    assert gc.isenabled()
    gc.disable()
    try:
        calculate_withholding_batch([req], BOOK)
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()
    bad = dict(d, pay_date="2030-01-04")  # no federal tables for 2030
    with pytest.raises(RuleDataError):
        calculate_withholding_batch([WithholdingRequest.from_dict(bad)], BOOK)
    assert gc.isenabled()  # restored after an error too
