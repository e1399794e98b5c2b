"""Federal income tax: Pub 15-T Worksheet 1A, 2020+ and pre-2020 Forms W-4, supplemental wages.

Expected amounts are worked from the 2026 annual schedules (rules reference s.1.2) in the comments.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from payroll_testkit import D, calc, line
from tax.domain.payroll import ValidationError

FIT = "federal_income_tax"


def fit(**changes) -> Decimal:
    return calc(**changes).employee.federal_income_tax


# ---------------------------------------------------------------- worked examples in the rules file


def test_weekly_1000_single_is_78_08_with_worksheet_lines():
    # rules reference s.1.2 cross-check: 52,000 - 8,600 = 43,400; 1,240 + 12% x 23,500 = 4,060; / 52 = 78.0769
    r = calc(wages="1000.00")
    assert r.employee.federal_income_tax == D("78.08")
    assert line(r, FIT, "1i") == D("43400")
    assert line(r, FIT, "2b") == D("19900")
    assert line(r, FIT, "2g") == D("4060.00")
    assert r.to_dict()["explanation"][8] == {
        "tax": FIT, "line": "1i", "text": "adjusted annual wage (1e - 1h, not below 0)", "amount": "43400.00"}


def test_weekly_1080_single_is_87_68_not_the_manual_table_87_64():
    # rules reference s.1.4: Worksheet 1A gives 87.68 where the manual weekly table gives 87.64.
    # 56,160 - 8,600 = 47,560; 1,240 + 12% x 27,660 = 4,559.20; / 52 = 87.6769
    assert fit(wages="1080.00") == D("87.68")


def test_line_2h_and_3b_are_not_rounded_before_subtraction():
    # rules reference s.6 trap "128.66 vs 128.67". Weekly 1,549.01 single, Step 3 = 2,200:
    # 1i = 80,548.52 - 8,600 = 71,948.52; 2g = 5,800 + 22% x 14,048.52 = 8,890.6744; 2h = 170.974508
    # 3b = 2,200 / 52 = 42.307692; 3c = 128.666815 -> 128.67 (rounding 2h and 3b first gives 170.97 - 42.31 = 128.66)
    r = calc(wages="1549.01", federal={"dependents_amount": "2200.00"})
    assert r.employee.federal_income_tax == D("128.67")
    assert line(r, FIT, "2h").quantize(D("0.000001")) == D("170.974508")  # kept unrounded
    assert r.to_dict()["explanation"][16]["amount"] == "170.974508"


# ---------------------------------------------------------------- every status x Step 2, worked by hand


@pytest.mark.parametrize("changes, expected", [
    # MFJ biweekly 3,000: 78,000 - 12,900 = 65,100; 2,480 + 12% x 21,000 = 5,000; / 26 = 192.3077
    ({"pay_frequency": "biweekly", "wages": "3000.00", "federal": {"filing_status": "married_filing_jointly"}}, "192.31"),
    # HOH semimonthly 2,500: 60,000 - 8,600 = 51,400; 1,770 + 12% x 18,150 = 3,948; / 24 = 164.50
    ({"pay_frequency": "semimonthly", "wages": "2500.00", "federal": {"filing_status": "head_of_household"}}, "164.50"),
    # MFS uses the Single columns. Monthly 6,000: 72,000 - 8,600 = 63,400; 5,800 + 22% x 5,500 = 7,010; / 12 = 584.1667
    ({"pay_frequency": "monthly", "wages": "6000.00", "federal": {"filing_status": "married_filing_separately"}}, "584.17"),
    # Step 2 single weekly 1,000: line 1g = 0, 1i = 52,000; checkbox schedule 2,900 + 22% x 18,750 = 7,025; / 52 = 135.0962
    ({"federal": {"multiple_jobs": True}}, "135.10"),
    # Step 2 MFJ biweekly 3,000: 78,000; 5,800 + 22% x 11,500 = 8,330; / 26 = 320.3846
    ({"pay_frequency": "biweekly", "wages": "3000.00",
      "federal": {"filing_status": "married_filing_jointly", "multiple_jobs": True}}, "320.38"),
    # Step 2 HOH monthly 5,000: 60,000; 3,870 + 22% x 14,200 = 6,994; / 12 = 582.8333
    ({"pay_frequency": "monthly", "wages": "5000.00",
      "federal": {"filing_status": "head_of_household", "multiple_jobs": True}}, "582.83"),
    # Step 2 MFS = single checkbox columns, semimonthly 2,000: 48,000; 2,900 + 22% x 14,750 = 6,145; / 24 = 256.0417
    ({"pay_frequency": "semimonthly", "wages": "2000.00",
      "federal": {"filing_status": "married_filing_separately", "multiple_jobs": True}}, "256.04"),
])
def test_hand_worked_cases_per_status_and_step2(changes, expected):
    assert fit(**changes) == D(expected)


# ---------------------------------------------------------------- independent oracle: statutory brackets

# Rev. Proc. 2025-32 (rules reference s.1.2 self-check): the annual schedules are "tax on (annual wages
# + 4a - 4b - standard deduction)" with the statutory brackets; Step 2 halves the deduction and brackets.
STD_2026 = {"single": 16100, "married_filing_jointly": 32200, "head_of_household": 24150}
BRACKETS_2026 = {
    "single": [12400, 50400, 105700, 201775, 256225, 640600],
    "married_filing_jointly": [24800, 100800, 211400, 403550, 512450, 768700],
    "head_of_household": [17700, 67450, 105700, 201750, 256200, 640600],
}
RATES = [Decimal(r) for r in ("0.10", "0.12", "0.22", "0.24", "0.32", "0.35", "0.37")]
PERIODS = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}


def statutory_tax(income: Decimal, brackets: list[Decimal]) -> Decimal:
    tax, lower = Decimal(0), Decimal(0)
    for upper, rate in zip(brackets + [None], RATES):
        if income <= lower:
            break
        top = income if upper is None else min(income, upper)
        tax += (top - lower) * rate
        lower = upper if upper is not None else lower
    return tax


def oracle(wages: Decimal, freq: str, status: str, step2: bool, credits=Decimal(0), extra=Decimal(0)) -> Decimal:
    column = "single" if status == "married_filing_separately" else status
    n = PERIODS[freq]
    factor = Decimal("0.5") if step2 else Decimal(1)
    income = max(Decimal(0), wages * n - STD_2026[column] * factor)
    annual = statutory_tax(income, [Decimal(b) * factor for b in BRACKETS_2026[column]])
    per_period = max(Decimal(0), annual / n - credits / n) + extra
    return per_period.quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.mark.parametrize("freq", list(PERIODS))
@pytest.mark.parametrize("status", ["single", "married_filing_jointly", "married_filing_separately", "head_of_household"])
@pytest.mark.parametrize("step2", [False, True])
def test_every_status_and_frequency_matches_the_statutory_oracle(freq, status, step2):
    # Annual wage levels that land in every bracket (0 % to 35 %), converted to this frequency.
    # Step 2 single/MFS rows from 108,938 up print column A rounded up from x.50 (the test below pins
    # that), so the statutory oracle only covers that column below them.
    levels = (0, 5000, 9000, 16000, 30000, 61000, 95000, 150000, 240000, 300000)
    if step2 and status in ("single", "married_filing_separately"):
        levels = tuple(a for a in levels if a < 108937)
    for annual in levels:
        wages = (Decimal(annual) / PERIODS[freq]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        got = fit(pay_frequency=freq, wages=str(wages), federal={"filing_status": status, "multiple_jobs": step2})
        assert got == oracle(wages, freq, status, step2), (annual, wages)


def test_step2_single_uses_the_printed_rounded_column_a():
    # rules reference s.1.2: "use the table exactly as printed". Monthly 12,500, Step 2 single: 1i = 150,000,
    # row A = 136,163 (136,162.50 unrounded): 29,224 + 35% x 13,837 = 34,066.95; /12 = 2,838.9125 -> 2,838.91
    # (the unrounded threshold would give 2,838.93).
    assert fit(pay_frequency="monthly", wages="12500.00", federal={"multiple_jobs": True}) == D("2838.91")


# ---------------------------------------------------------------- credits, 4(a)/4(b)/4(c), floors


def test_step3_credits_reduce_per_period():
    # MFJ biweekly 3,000 (2h = 192.3077), two children 4,400: 3b = 169.2308; 3c = 23.0769
    assert fit(pay_frequency="biweekly", wages="3000.00",
               federal={"filing_status": "married_filing_jointly", "dependents_amount": "4400.00"}) == D("23.08")


def test_credits_larger_than_tax_floor_at_zero_and_4c_is_still_added():
    # weekly 500 single: 26,000 - 8,600 = 17,400; 10% x 9,900 = 990; 2h = 19.04; 3b = 6,600/52 = 126.92 -> 3c = 0
    r = calc(wages="500.00", federal={"dependents_amount": "6600.00", "extra_withholding": "25.00"})
    assert line(r, FIT, "3c") == 0
    assert r.employee.federal_income_tax == D("25.00")


def test_step4a_other_income_and_4b_deductions():
    # 1e = 52,000 + 5,200 = 57,200; 1h = 10,400 + 8,600 = 19,000; 1i = 38,200; 1,240 + 12% x 18,300 = 3,436; /52 = 66.0769
    assert fit(federal={"other_income": "5200.00", "deductions": "10400.00"}) == D("66.08")


def test_zero_wages_withhold_only_step4c():
    assert fit(wages="0.00") == D("0.00")
    assert fit(wages="0.00", federal={"extra_withholding": "20.00"}) == D("20.00")


def test_negative_adjusted_wage_floors_at_zero():
    # 4(b) of 100,000 against 52,000 of annual wages: 1e - 1h < 0 -> line 1i = 0, nothing but 4(c)
    r = calc(federal={"deductions": "100000.00", "extra_withholding": "10.00"})
    assert line(r, FIT, "1i") == 0
    assert r.employee.federal_income_tax == D("10.00")


def test_pretax_deductions_exceeding_pay_floor_the_wage_base_at_zero():
    r = calc(wages="100.00", pretax_deductions=[{"type": "401k", "amount": "150.00"}])
    assert r.taxable_wages.federal_income_tax == 0
    assert r.employee.federal_income_tax == 0
    assert r.employee.social_security == D("6.20")  # 401(k) deferrals remain FICA wages


def test_exempt_form_withholds_no_fit_but_fica_applies():
    r = calc(federal={"exempt": True})
    assert r.employee.federal_income_tax == 0
    assert r.employee.social_security == D("62.00")


def test_tips_are_fit_wages():
    # 300 wages + 500 reported tips = 800: 41,600 - 8,600 = 33,000; 1,240 + 12% x 13,100 = 2,812; /52 = 54.0769
    r = calc(wages="300.00", tips="500.00")
    assert r.taxable_wages.federal_income_tax == D("800.00")
    assert r.employee.federal_income_tax == D("54.08")


def test_all_four_pretax_types_reduce_fit_wages():
    r = calc(wages="1200.00", pretax_deductions=[
        {"type": "401k", "amount": "50.00"}, {"type": "403b", "amount": "50.00"},
        {"type": "section_125", "amount": "60.00"}, {"type": "hsa", "amount": "40.00"}])
    assert r.taxable_wages.federal_income_tax == D("1000.00")
    assert r.employee.federal_income_tax == D("78.08")  # same as the 1,000 weekly case


# ---------------------------------------------------------------- whole-dollar option


def test_whole_dollar_rounding_is_off_by_default_and_rounds_half_up_when_on():
    assert fit() == D("78.08")
    assert fit(employer={"round_federal_to_whole_dollars": True}) == D("78.00")
    assert fit(wages="1080.00", employer={"round_federal_to_whole_dollars": True}) == D("88.00")
    # exactly 50 cents goes up
    assert fit(wages="0.00", federal={"extra_withholding": "12.50"},
               employer={"round_federal_to_whole_dollars": True}) == D("13.00")


def test_whole_dollar_rounding_never_touches_fica():
    r = calc(wages="217.50", employer={"round_federal_to_whole_dollars": True})
    assert r.employee.social_security == D("13.49")


# ---------------------------------------------------------------- pre-2020 Forms W-4


@pytest.mark.parametrize("changes, expected", [
    # single, 1 allowance, weekly 1,000: 52,000 - 4,300 = 47,700 (STANDARD); 1,240 + 12% x 27,800 = 4,576; /52 = 88.00
    ({"federal": {"form_version": "pre2020", "filing_status": "single", "allowances": 1}}, "88.00"),
    # married, 3 allowances, biweekly 2,500: 65,000 - 12,900 = 52,100; 2,480 + 12% x 8,000 = 3,440; /26 = 132.3077
    ({"pay_frequency": "biweekly", "wages": "2500.00",
      "federal": {"form_version": "pre2020", "filing_status": "married_filing_jointly", "allowances": 3}}, "132.31"),
    # single, 0 allowances, weekly 200: 10,400; 10% x 2,900 = 290; /52 = 5.5769; plus the form's extra 10.00
    ({"wages": "200.00", "federal": {"form_version": "pre2020", "filing_status": "single", "allowances": 0,
                                     "extra_withholding": "10.00"}}, "15.58"),
    # allowances beyond the wages: 12 x 4,300 > 52,000 -> line 1l = 0
    ({"federal": {"form_version": "pre2020", "filing_status": "single", "allowances": 12}}, "0.00"),
])
def test_pre2020_forms_use_allowances_and_the_standard_schedule(changes, expected):
    assert fit(**changes) == D(expected)


# ---------------------------------------------------------------- tables chosen by pay date


def test_2025_and_2026_tables_are_chosen_by_pay_date():
    # 2025 (Rev. Proc. 2024-40): 43,400 in the 18,325-54,875 row: 1,192.50 + 12% x 25,075 = 4,201.50; /52 = 80.7981
    assert fit(pay_date="2025-12-31") == D("80.80")
    assert fit(pay_date="2026-01-02") == D("78.08")


# ---------------------------------------------------------------- supplemental wages


def test_supplemental_flat_22_percent_ignores_the_w4():
    r = calc(payment_type="supplemental", wages="5000.00",
             federal={"filing_status": "married_filing_jointly", "dependents_amount": "4400.00", "extra_withholding": "50.00"})
    assert r.employee.federal_income_tax == D("1100.00")


def test_supplemental_after_pretax_deductions():
    assert fit(payment_type="supplemental", wages="5000.00",
               pretax_deductions=[{"type": "401k", "amount": "500.00"}]) == D("990.00")


def test_supplemental_crossing_one_million_splits_22_and_37():
    # 10,000 below the threshold at 22% + 10,000 above at 37% = 2,200 + 3,700
    r = calc(payment_type="supplemental", wages="20000.00",
             ytd={"wages": "1500000.00", "supplemental_wages": "990000.00"})
    assert r.employee.federal_income_tax == D("5900.00")
    assert fit(payment_type="supplemental", wages="10000.00",
               ytd={"wages": "1500000.00", "supplemental_wages": "1200000.00"}) == D("3700.00")


def test_supplemental_mandatory_37_applies_even_when_exempt():
    assert fit(payment_type="supplemental", wages="5000.00", federal={"exempt": True}) == D("0.00")
    assert fit(payment_type="supplemental", wages="20000.00", federal={"exempt": True},
               ytd={"wages": "1500000.00", "supplemental_wages": "990000.00"}) == D("3700.00")


def test_supplemental_needs_ytd_supplemental_wages_once_wages_pass_one_million():
    with pytest.raises(ValidationError) as err:
        calc(payment_type="supplemental", wages="10000.00", ytd={"wages": "995000.00"})
    assert err.value.field == "ytd.supplemental_wages"
    # below the threshold the field cannot matter and is not required
    assert fit(payment_type="supplemental", wages="10000.00", ytd={"wages": "900000.00"}) == D("2200.00")
