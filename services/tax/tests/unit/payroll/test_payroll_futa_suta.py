"""FUTA (first $7,000, credit-reduction states by year) and employer SUTA from the request."""

from __future__ import annotations

import pytest
from payroll_testkit import D, calc
from tax.domain.payroll import ValidationError


def test_futa_net_rate_and_wage_base_crossing():
    # 6.0% - 5.4% = 0.6% on the 500 left under 7,000
    r = calc(wages="1000.00", ytd={"wages": "6500.00"})
    assert r.taxable_wages.futa == D("500.00")
    assert r.employer.futa == D("3.00")
    assert calc(ytd={"wages": "7000.00"}).employer.futa == 0


def test_futa_over_a_year_is_42_dollars():
    total, ytd = D(0), D(0)
    for _ in range(52):
        r = calc(wages="1000.00", ytd={"wages": str(ytd)})
        total += r.employer.futa
        ytd += D("1000.00")
    assert total == D("42.00")


def test_california_credit_reduction_2025_is_data():
    # 2025 final: CA 1.2% -> net 1.8%; 7,000 x 1.8% = 126 = 42 + 84 (rules reference s.3)
    assert calc(pay_date="2025-05-02", work_state="CA", wages="7000.00").employer.futa == D("126.00")
    assert calc(pay_date="2025-05-02", work_state="TX", wages="7000.00").employer.futa == D("42.00")


def test_california_2026_credit_reduction_placeholder():
    # [X] 2026 is not final: the data carries CA 1.5% (net 2.1%) until DOL publishes.
    assert calc(work_state="CA", wages="1000.00").employer.futa == D("21.00")


def test_tips_are_futa_wages():
    assert calc(wages="300.00", tips="700.00").taxable_wages.futa == D("1000.00")


def test_suta_from_employer_rate_and_base():
    r = calc(wages="1000.00", ytd={"wages": "6800.00"}, employer={"suta_rate": "0.034", "suta_wage_base": "7000.00"})
    assert r.taxable_wages.suta == D("200.00")
    assert r.employer.suta == D("6.80")


def test_suta_uses_its_own_ytd_when_given():
    r = calc(wages="1000.00", ytd={"wages": "20000.00", "suta_wages": "9500.00"},
             employer={"suta_rate": "0.0307", "suta_wage_base": "10000.00"})
    assert r.employer.suta == D("15.35")  # 500 x 3.07%


def test_suta_not_computed_without_a_rate():
    r = calc(wages="1000.00")
    assert r.employer.suta == 0
    assert [e.text for e in r.explanation if e.tax == "suta"] == ["not computed: the request has no employer.suta_rate"]


def test_suta_rate_without_wage_base_is_rejected():
    with pytest.raises(ValidationError) as err:
        calc(employer={"suta_rate": "0.034"})
    assert err.value.field == "employer.suta_wage_base"
