"""Pennsylvania flat PIT and employee UC, and the Philadelphia wage tax by pay date."""

from __future__ import annotations

import pytest
from payroll_testkit import D, calc, line
from tax.domain.payroll import ValidationError

PHL_RESIDENT = {"code": "PHILADELPHIA", "resident": True}
PHL_NONRESIDENT = {"code": "PHILADELPHIA", "resident": False}


def pa(**changes):
    return calc(work_state="PA", **changes)


def test_401k_reduces_federal_wages_only():
    # rules reference s.7 item 9: 1,000 with 100 of 401(k): FIT on 900, PA and Philadelphia on 1,000
    r = pa(pretax_deductions=[{"type": "401k", "amount": "100.00"}], locality=PHL_RESIDENT)
    assert r.taxable_wages.federal_income_tax == D("900.00")
    # 46,800 - 8,600 = 38,200; 1,240 + 12% x 18,300 = 3,436; /52 = 66.0769
    assert r.employee.federal_income_tax == D("66.08")
    assert r.taxable_wages.state == D("1000.00")
    assert r.employee.state_income_tax == D("30.70")  # 3.07%
    assert r.employee.state_unemployment == D("0.70")  # 0.07%, 401(k) included
    assert r.taxable_wages.local == D("1000.00")
    assert r.employee.local_income_tax == D("37.40")  # 3.74% resident, pay date 2026-03-06
    assert r.employee.social_security == D("62.00")


def test_philadelphia_non_resident_rate():
    r = pa(pretax_deductions=[{"type": "401k", "amount": "100.00"}], locality=PHL_NONRESIDENT)
    assert r.employee.local_income_tax == D("34.30")  # 3.43%


@pytest.mark.parametrize("pay_date, locality, expected", [
    ("2025-06-27", PHL_RESIDENT, "37.50"),      # FY2025 3.75% for paychecks dated up to June 30
    ("2025-06-30", PHL_RESIDENT, "37.50"),
    ("2025-07-01", PHL_RESIDENT, "37.40"),      # FY2026 3.74% for paychecks dated after June 30
    ("2025-06-27", PHL_NONRESIDENT, "34.40"),   # 3.44%
    ("2025-07-03", PHL_NONRESIDENT, "34.30"),   # 3.43%
    ("2026-07-02", PHL_RESIDENT, "37.40"),      # [X] FY2027 not published: the FY2026 row is carried forward
])
def test_philadelphia_rate_follows_the_pay_date(pay_date, locality, expected):
    r = pa(pay_date=pay_date, locality=locality)
    assert r.employee.local_income_tax == D(expected)
    assert line(r, "local_income_tax", "PHL.rate") == D(expected) / 1000


def test_no_locality_no_local_tax():
    assert pa().employee.local_income_tax == 0


def test_tips_are_pa_and_uc_wages():
    r = pa(wages="300.00", tips="700.00", locality=PHL_RESIDENT)
    assert (r.employee.state_income_tax, r.employee.state_unemployment) == (D("30.70"), D("0.70"))
    assert r.employee.local_income_tax == D("37.40")


def test_section_125_is_excluded_from_pa_compensation():
    assert pa(pretax_deductions=[{"type": "section_125", "amount": "100.00"}]).employee.state_income_tax == D("27.63")


def test_pa_uc_has_no_cap_and_supplemental_uses_the_flat_rate():
    r = pa(payment_type="supplemental", wages="50000.00", ytd={"wages": "500000.00"})
    assert r.employee.state_unemployment == D("35.00")
    assert r.employee.state_income_tax == D("1535.00")


def test_pa_extra_withholding_from_the_state_block():
    assert pa(state={"extra_withholding": "5.00"}).employee.state_income_tax == D("35.70")


def test_non_resident_philadelphia_tax_needs_a_pa_work_state():
    with pytest.raises(ValidationError) as err:
        calc(work_state="TX", locality=PHL_NONRESIDENT)
    assert err.value.field == "locality.code"
    # a Philadelphia resident working elsewhere still owes the resident tax
    assert calc(work_state="TX", locality=PHL_RESIDENT).employee.local_income_tax == D("37.40")


def test_unsupported_locality_is_rejected():
    with pytest.raises(ValidationError) as err:
        pa(locality={"code": "PITTSBURGH", "resident": True})
    assert (err.value.field, err.value.message) == ("locality.code", "unsupported locality 'PITTSBURGH'")


@pytest.mark.parametrize("state", ["TX", "FL", "WA", "NV", "SD", "WY", "AK", "TN", "NH"])
def test_no_income_tax_states_return_zero(state):
    r = calc(work_state=state, wages="2500.00")
    assert r.employee.state_income_tax == 0
    assert r.employee.state_disability == 0
    assert r.employee.state_unemployment == 0
    assert r.employee.federal_income_tax > 0
    assert [e.line for e in r.explanation if e.tax == "state_income_tax"] == ["none"]
