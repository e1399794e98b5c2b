"""California: DE 44 Method B (Tables 1-5, column logic, allowances) and SDI.

Weekly single cases use EDD's published 2026 weekly schedule. Cases marked [X] use the derived
non-weekly 2026 schedules (see the rule rows' source): re-check them when EDD's printed tables are loaded.
"""

from __future__ import annotations

import pytest
from payroll_testkit import D, calc, line
from tax.domain.payroll import ValidationError

PIT = "state_income_tax"


def ca(**changes):
    return calc(work_state="CA", **changes)


def pit(**changes):
    return ca(**changes).employee.state_income_tax


def de4(status="single", regular=1, estimated=0, extra=None):
    form = {"filing_status": status, "regular_allowances": regular, "estimated_deduction_allowances": estimated}
    if extra is not None:
        form["extra_withholding"] = extra
    return form


def test_nanny_stub_1080_weekly_single_one_allowance():
    # BrunodsLilly/nanny-payroll 2026 worked stub: 1,080 - 110 = 970; 21.61 + 6.6% x 173 = 33.028; - 3.24 = 29.788
    r = ca(wages="1080.00", state=de4())
    assert r.employee.state_income_tax == D("29.79")
    assert r.employee.state_disability == D("14.04")  # 1.3%
    assert r.employee.federal_income_tax == D("87.68")
    assert (r.employee.social_security, r.employee.medicare) == (D("66.96"), D("15.66"))
    assert line(r, PIT, "CA.4") == D("33.028")  # computed tax kept unrounded until the end


def test_low_income_exemption_2026_vs_2025():
    # rules reference s.4.1: a $360 week discriminates the 2026 exemption (363) from the stale 2025 one (353)
    assert pit(wages="360.00") == 0
    # "less than, or equal to": at exactly 363 nothing, even with no allowance credit to absorb the
    # 3.22 the schedule would give (363 - 110 = 253; 2.34 + 2.2% x 40)
    assert pit(wages="363.00", state=de4(regular=0)) == 0
    # 2025, same wage: 360 - 107 = 253; 2.28 + 2.2% x 46 = 3.292; - 3.15 (1 allowance) = 0.142
    assert pit(pay_date="2025-06-06", wages="360.00") == D("0.14")
    assert pit(pay_date="2025-06-06", wages="360.00", state=de4(regular=0)) == D("3.29")


def test_just_above_the_exemption():
    # 364 - 110 = 254; 2.34 + 2.2% x 41 = 3.242
    assert pit(wages="364.00", state=de4(regular=0)) == D("3.24")
    assert pit(wages="364.00", state=de4(regular=1)) == D("0.00")  # 3.242 - 3.24 = 0.002


@pytest.mark.parametrize("form, wages, expected", [
    # married, 0-1 allowance: single exemption/deduction column (low) but the MARRIED schedule.
    # 1,000 - 110 = 890; married weekly 4.69 + 2.2% x (890 - 426) = 14.898; - 3.24 = 11.658
    (de4("married", 1), "1000.00", "11.66"),
    # married, 2+ allowances: high column, std 219: 781; 4.69 + 2.2% x 355 = 12.50; - 6.47 (2 allowances) = 6.03
    (de4("married", 2), "1000.00", "6.03"),
    # married 2 allowances: exemption is 727 -> nothing on 700
    (de4("married", 2), "700.00", "0.00"),
    # married 1 allowance: exemption 363 -> 700 - 110 = 590; 4.69 + 2.2% x 164 = 8.298; - 3.24 = 5.058
    (de4("married", 1), "700.00", "5.06"),
    # head of household: high column whatever the allowances: 781; HOH weekly 4.69 + 2.2% x 355 = 12.50; - 3.24
    (de4("head_of_household", 1), "1000.00", "9.26"),
    (de4("head_of_household", 0), "720.00", "0.00"),  # exemption 727
    # estimated-deduction allowances (Table 2): 2 -> 38; 1,080 - 38 - 110 = 932; 21.61 + 6.6% x 135 = 30.52; - 3.24
    (de4("single", 1, 2), "1080.00", "27.28"),
    # more than 10 allowances: n x the 1-allowance amount. 3,000 - 110 = 2,890; 67.77 + 10.23% x 1,491 = 220.2993
    (de4("single", 12), "3000.00", "181.42"),  # - 12 x 3.24 = 38.88
    (de4("single", 10), "3000.00", "187.93"),  # - 32.37 (Table 4, 10 allowances)
    (de4("single", 1, 12), "3000.00", "193.73"),  # Table 2: 12 x 19 = 228; 2,662 -> 196.9749 - 3.24
    # DE 4 additional withholding is added last
    (de4("single", 1, 0, "5.00"), "1080.00", "34.79"),
    # deductions larger than wages: taxable below 0 -> no schedule tax, only the additional amount
    (de4("single", 0, 20, "2.00"), "370.00", "2.00"),
])
def test_allowance_and_status_combinations_weekly(form, wages, expected):
    assert pit(wages=wages, state=form) == D(expected)


@pytest.mark.parametrize("freq, form, wages, expected", [
    # biweekly single (same as both derivations): 2,160 - 219 = 1,941; 43.24 + 6.6% x 347 = 66.142; - 6.47
    ("biweekly", de4("single", 1), "2160.00", "59.67"),
    # semimonthly single (same in both): 2,340 - 238 = 2,102; 46.83 + 6.6% x 375 = 71.58; - 7.01
    ("semimonthly", de4("single", 1), "2340.00", "64.57"),
    # [X] monthly single: 4,680 - 476 = 4,204; 93.67 + 6.6% x 750 = 143.17; - 14.03
    ("monthly", de4("single", 1), "4680.00", "129.14"),
    # [X] monthly married 2 allowances: 8,000 - 951 = 7,049; 187.36 + 6.6% x 141 = 196.666; - 28.05
    ("monthly", de4("married", 2), "8000.00", "168.62"),
    # [X] biweekly HOH: 2,000 - 439 = 1,561; 9.37 + 2.2% x 709 = 24.968
    ("biweekly", de4("head_of_household", 0), "2000.00", "24.97"),
    # [X] semimonthly married 1 allowance: 3,000 - 238 = 2,762; 37.97 + 4.4% x 574 = 63.226; - 7.01
    ("semimonthly", de4("married", 1), "3000.00", "56.22"),
])
def test_other_frequencies(freq, form, wages, expected):
    assert pit(pay_frequency=freq, wages=wages, state=form) == D(expected)


def test_401k_reduces_pit_but_not_sdi_and_hsa_the_reverse():
    # 401(k) 80: PIT wages 1,000 -> 890 -> 21.61 + 6.6% x 93 = 27.748; - 3.24 = 24.508. SDI on 1,080 = 14.04
    r = ca(wages="1080.00", pretax_deductions=[{"type": "401k", "amount": "80.00"}])
    assert r.taxable_wages.state == D("1000.00")
    assert (r.employee.state_income_tax, r.employee.state_disability) == (D("24.51"), D("14.04"))
    # HSA 80: California taxes HSA contributions (PIT on 1,080 = 29.79), but SDI wages exclude them (1,000 -> 13.00)
    r = ca(wages="1080.00", pretax_deductions=[{"type": "hsa", "amount": "80.00"}])
    assert (r.employee.state_income_tax, r.employee.state_disability) == (D("29.79"), D("13.00"))


def test_tips_are_pit_and_sdi_wages():
    r = ca(wages="580.00", tips="500.00")
    assert (r.employee.state_income_tax, r.employee.state_disability) == (D("29.79"), D("14.04"))


def test_sdi_has_no_wage_cap():
    assert ca(wages="20000.00", ytd={"wages": "1000000.00"}).employee.state_disability == D("260.00")
    assert ca(pay_date="2025-06-06", wages="1080.00").employee.state_disability == D("12.96")  # 2025: 1.2%


@pytest.mark.parametrize("kind, expected", [("bonus", "102.30"), ("stock_option", "102.30"), ("other", "66.00")])
def test_supplemental_flat_rates(kind, expected):
    r = ca(payment_type="supplemental", supplemental_kind=kind, wages="1000.00")
    assert r.employee.state_income_tax == D(expected)
    assert r.employee.state_disability == D("13.00")


def test_supplemental_without_kind_is_rejected():
    with pytest.raises(ValidationError) as err:
        ca(payment_type="supplemental", wages="1000.00")
    assert err.value.field == "supplemental_kind"


def test_california_has_no_employee_unemployment_tax():
    assert ca(wages="1080.00").employee.state_unemployment == 0
