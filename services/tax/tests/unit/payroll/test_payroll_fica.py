"""Social Security, Medicare, Additional Medicare: rates, wage base and threshold crossings, rounding."""

from __future__ import annotations

from payroll_testkit import D, calc, line


def test_half_cent_rounds_up_not_to_even():
    # rules reference s.6: 217.50 x 6.2% = 13.485 -> 13.49 (banker's rounding or floats give 13.48)
    r = calc(wages="217.50")
    assert r.employee.social_security == D("13.49")
    assert r.employer.social_security == D("13.49")
    assert r.employee.medicare == D("3.15")  # 3.15375


def test_nanny_stub_fica():
    # $1,080 weekly: 66.96 and 15.66 each side (BrunodsLilly/nanny-payroll 2026 worked stub)
    r = calc(wages="1080.00")
    assert (r.employee.social_security, r.employee.medicare) == (D("66.96"), D("15.66"))
    assert (r.employer.social_security, r.employer.medicare) == (D("66.96"), D("15.66"))


def test_social_security_wage_base_crossed_mid_period_2026():
    # base 184,500; 180,000 already paid: only 4,500 of this 10,000 is taxable -> 279.00 each side
    r = calc(wages="10000.00", ytd={"wages": "180000.00"})
    assert r.taxable_wages.social_security == D("4500.00")
    assert r.employee.social_security == D("279.00")
    assert r.employer.social_security == D("279.00")
    assert r.employee.medicare == D("145.00")  # Medicare has no base
    assert line(r, "social_security", "room") == D("4500")


def test_social_security_wage_base_2025():
    # 2025 base 176,100: 170,000 paid -> 6,100 taxable -> 378.20
    assert calc(pay_date="2025-06-06", wages="10000.00", ytd={"wages": "170000.00"}).employee.social_security == D("378.20")


def test_at_or_over_the_base_no_social_security():
    assert calc(ytd={"wages": "184500.00"}).employee.social_security == 0
    assert calc(ytd={"wages": "250000.00"}).employer.social_security == 0


def test_ss_wages_ytd_can_differ_from_gross_ytd():
    # ytd.wages defaults every base; a separate ss_wages (e.g. after Section 125) wins for Social Security
    r = calc(wages="10000.00", ytd={"wages": "186000.00", "ss_wages": "183000.00"})
    assert r.employee.social_security == D("93.00")  # 1,500 x 6.2%


def test_year_maximum_caps_drifted_withholding_when_ytd_tax_is_given():
    # 500 of base left -> 31.00, but 11,408.05 already withheld (cent drift): cap 11,439.00 - 11,408.05 = 30.95
    r = calc(wages="1000.00", ytd={"wages": "184000.00", "ss_tax": "11408.05"})
    assert r.employee.social_security == D("30.95")
    assert r.employer.social_security == D("31.00")  # the employer share is not capped by the employee's drift
    assert calc(wages="1000.00", ytd={"wages": "100000.00", "ss_tax": "11439.00"}).employee.social_security == 0


def test_additional_medicare_crossing_200k_is_employee_only():
    # 195,000 + 10,000: 5,000 over the threshold -> 0.9% = 45.00; employer Medicare stays 1.45% only
    r = calc(wages="10000.00", ytd={"wages": "195000.00"})
    assert r.employee.additional_medicare == D("45.00")
    assert r.employee.medicare == D("145.00")
    assert r.employer.medicare == D("145.00")


def test_additional_medicare_above_at_and_below_threshold():
    assert calc(wages="10000.00", ytd={"wages": "250000.00"}).employee.additional_medicare == D("90.00")
    assert calc(wages="10000.00", ytd={"wages": "190000.00"}).employee.additional_medicare == 0  # ends exactly at 200,000
    assert calc(wages="10000.00", ytd={"wages": "0.00"}).employee.additional_medicare == 0


def test_additional_medicare_ignores_filing_status():
    r = calc(wages="10000.00", ytd={"wages": "250000.00"}, federal={"filing_status": "married_filing_jointly"})
    assert r.employee.additional_medicare == D("90.00")


def test_section_125_is_excluded_but_401k_is_not():
    # 1,000 - 50 (Section 125) = 950 FICA wages; the 100 of 401(k) stays in: SS 58.90, Medicare 13.775 -> 13.78
    r = calc(pretax_deductions=[{"type": "401k", "amount": "100.00"}, {"type": "section_125", "amount": "50.00"}])
    assert r.taxable_wages.medicare == D("950.00")
    assert r.employee.social_security == D("58.90")
    assert r.employee.medicare == D("13.78")


def test_tips_are_fica_wages():
    r = calc(wages="300.00", tips="500.00")
    assert r.employee.social_security == D("49.60")
    assert r.employee.medicare == D("11.60")
