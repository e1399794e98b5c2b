"""Federal income tax withholding: Pub 15-T Worksheet 1A (percentage method for automated systems).

Regular wages follow the worksheet line by line (2020+ Form W-4, and the pre-2020 branch, lines
1j-1l, with allowances); supplemental wages use the flat 22% / mandatory 37% rates of Pub 15 s.7.
Every line is recorded in the explanation, unrounded; only the final amount (line 4b) is rounded.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .money import CENT, DOLLAR, ZERO
from .ruleset import RuleSet
from .validation import ValidationError

TAX = "federal_income_tax"
# Pub 15-T: married filing separately uses the Single columns.
SCHEDULE_COLUMN = {
    "single": "single",
    "married_filing_separately": "single",
    "married_filing_jointly": "married_filing_jointly",
    "head_of_household": "head_of_household",
}


def _template(*lines: tuple[str, str]) -> tuple[tuple[str, str, str], ...]:
    return tuple((TAX, line, text) for line, text in lines)


# Explanation templates: the hot path only builds the tuple of values that goes with one of these
# (see WithholdingResult.explanation); the texts are never formatted per paycheck.
_HEAD = (
    ("1a", "taxable wages this payroll period (wages + tips - pre-tax deductions)"),
    ("1b", "pay periods per year"),
    ("1c", "annualised wages (1a x 1b)"),
)
_TAIL = (
    ("2b", "column A of the schedule row (at least)"),
    ("2c", "column C: tentative amount"),
    ("2d", "column D: rate"),
    ("2e", "2a - 2b"),
    ("2f", "2e x 2d"),
    ("2g", "tentative annual withholding (2c + 2f)"),
    ("2h", "tentative withholding per period (2g / 1b, unrounded)"),
    ("3a", "Step 3 credits (annual)"),
    ("3b", "3a / 1b (unrounded)"),
    ("3c", "2h - 3b, not below 0"),
    ("4a", "Step 4(c) extra withholding per period"),
)
_ROUNDING = {
    False: ("4b", "amount to withhold: 3c + 4a, rounded half-up to cents"),
    True: ("4b", "amount to withhold: 3c + 4a, rounded to whole dollars (employer option)"),
}
LINES_2020 = {
    (kind, col, whole): _template(
        *_HEAD,
        ("1d", "Step 4(a) other income (annual)"),
        ("1e", "1c + 1d"),
        ("1f", "Step 4(b) deductions (annual)"),
        ("1g", "0 if the Step 2 box is checked, else the standard amount for the filing status"),
        ("1h", "1f + 1g"),
        ("1i", "adjusted annual wage (1e - 1h, not below 0)"),
        ("2a", f"adjusted annual wage, looked up in the {kind.upper()} schedule for {col}"),
        *_TAIL,
        _ROUNDING[whole],
    )
    for kind in ("standard", "step2")
    for col in ("single", "married_filing_jointly", "head_of_household")
    for whole in (False, True)
}
LINES_PRE2020 = {
    (col, whole): _template(
        *_HEAD,
        ("1j", "allowances on the pre-2020 Form W-4"),
        ("1k", "1j x allowance amount"),
        ("1l", "adjusted annual wage (1c - 1k, not below 0)"),
        ("2a", f"adjusted annual wage, looked up in the STANDARD schedule for {col}"),
        *_TAIL,
        _ROUNDING[whole],
    )
    for col in ("single", "married_filing_jointly")
    for whole in (False, True)
}
LINES_EXEMPT = _template(("exempt", "Form W-4 claims exemption: no federal income tax withheld"))
LINES_SUPPLEMENTAL = _template(
    ("supp.wages", "supplemental wages (after pre-tax deductions); Form W-4 amounts do not apply"),
    ("supp.ytd", "supplemental wages already paid this year"),
    ("supp.threshold", "supplemental wages in the year above which the mandatory rate applies"),
    ("supp.flat", "wages at the optional flat rate (0 if the Form W-4 claims exemption)"),
    ("supp.flat_rate", "optional flat rate"),
    ("supp.mandatory", "wages over the threshold"),
    ("supp.mandatory_rate", "mandatory rate (applies even to an exempt Form W-4)"),
    ("supp.total", "amount to withhold, rounded half-up to cents"),
)


class FederalParams:
    __slots__ = ("periods", "line_1g", "schedules", "allowance", "excluded",
                 "supp_rate", "supp_high_rate", "supp_threshold")

    def __init__(self, rules: RuleSet):
        v = lambda key: rules.value("US", TAX, key)  # noqa: E731
        self.periods = {k: Decimal(n) for k, n in v("pay_periods").items()}
        self.line_1g = v("line_1g")
        self.schedules = {
            (kind, col): v(f"schedule.{kind}.{col}")
            for kind in ("standard", "step2")
            for col in ("single", "married_filing_jointly", "head_of_household")
        }
        self.allowance = v("pre2020_allowance_amount")
        self.excluded = frozenset(v("excluded_pretax"))
        self.supp_rate = v("supplemental_rate")
        self.supp_high_rate = v("supplemental_mandatory_rate")
        self.supp_threshold = v("supplemental_mandatory_threshold")


def withhold(req, rules: RuleSet, ex) -> tuple[Decimal, Decimal]:
    """Return (federal income tax for the period, FIT taxable wages); ex(...) receives the explanation."""
    p: FederalParams = rules.memo("federal", FederalParams)
    wages = req.taxable(p.excluded)
    if req.payment_type == "supplemental":
        return _supplemental(req, p, wages, ex), wages
    w4 = req.federal
    if w4.exempt:
        ex((LINES_EXEMPT, (ZERO,)))
        return ZERO, wages

    periods = p.periods[req.pay_frequency]
    annual = wages * periods
    column = SCHEDULE_COLUMN[w4.filing_status]
    if w4.form_version == "2020":
        line_e = annual + w4.other_income
        line_g = ZERO if w4.multiple_jobs else p.line_1g[column]
        line_h = w4.deductions + line_g
        adjusted = line_e - line_h
        if adjusted < 0:
            adjusted = ZERO
        kind = "step2" if w4.multiple_jobs else "standard"
        credits = w4.dependents_amount
        steps = (w4.other_income, line_e, w4.deductions, line_g, line_h, adjusted)
    else:
        line_k = w4.allowances * p.allowance
        adjusted = annual - line_k
        if adjusted < 0:
            adjusted = ZERO
        kind = "standard"
        credits = ZERO
        steps = (w4.allowances, line_k, adjusted)

    table = p.schedules[(kind, column)]
    i = table.row_for(adjusted)
    at_least, base, rate = table.thresholds[i], table.bases[i], table.rates[i]
    line_2e = adjusted - at_least
    line_2f = line_2e * rate
    line_2g = base + line_2f
    line_2h = line_2g / periods  # unrounded: rounding 2h or 3b early can move the result a cent

    line_3b = credits / periods
    line_3c = line_2h - line_3b
    if line_3c < 0:
        line_3c = ZERO
    line_4b = line_3c + w4.extra_withholding  # Step 4(c) is added after both floors
    whole = req.employer.round_federal_to_whole_dollars
    if whole:
        amount = line_4b.quantize(DOLLAR, ROUND_HALF_UP).quantize(CENT)
    else:
        amount = line_4b.quantize(CENT, ROUND_HALF_UP)

    if w4.form_version == "2020":
        template = LINES_2020[(kind, column, whole)]
    else:
        template = LINES_PRE2020[(column, whole)]
    ex((template, (wages, periods, annual, *steps, adjusted, at_least, base, rate, line_2e, line_2f, line_2g,
                   line_2h, credits, line_3b, line_3c, w4.extra_withholding, amount)))
    return amount, wages


def _supplemental(req, p: FederalParams, wages: Decimal, ex) -> Decimal:
    ytd_supp = req.ytd.supplemental_wages
    if ytd_supp is None:
        # Without YTD supplemental wages the 37% band cannot be placed; it can only matter once total
        # wages from this employer pass the threshold, so only then is the field required.
        if req.ytd.wages + wages > p.supp_threshold:
            raise ValidationError(
                "ytd.supplemental_wages",
                f"is required for a supplemental payment once wages for the year exceed {p.supp_threshold}",
            )
        ytd_supp = ZERO
    room = p.supp_threshold - ytd_supp
    if room < 0:
        room = ZERO
    at_flat = wages if wages < room else room
    at_high = wages - at_flat
    # An exempt Form W-4 stops the optional 22% rate but not the mandatory 37% (Pub 15 s.7).
    flat_wages = ZERO if req.federal.exempt else at_flat
    amount = (flat_wages * p.supp_rate + at_high * p.supp_high_rate).quantize(CENT, ROUND_HALF_UP)
    ex((LINES_SUPPLEMENTAL, (wages, ytd_supp, p.supp_threshold, flat_wages, p.supp_rate, at_high,
                             p.supp_high_rate, amount)))
    return amount
