"""California PIT withholding, EDD DE 44 Method B (exact calculation), and SDI.

Method B per period:
  1. wages <= Table 1 low-income exemption  -> no PIT
  2. minus Table 2 estimated-deduction amount (DE 4 estimated-deduction allowances)
  3. minus Table 3 standard deduction        -> taxable income
  4. Table 5 rate schedule ("over A but not over B") for the period and DE 4 status
  5. minus Table 4 exemption-allowance credit (DE 4 regular allowances), not below 0
Column choice: Tables 1 and 3 put "married with 0 or 1 allowance" with single (the LOW column) and
"married with 2+ allowances" with head of household (HIGH); Table 5 still uses the married schedule
for every married employee. Intermediates are unrounded; the result is rounded half-up once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..money import CENT, ZERO
from ..ruleset import RuleSet
from ..validation import ValidationError, check_keys, choice, count, money, obj
from .common import StateAmounts

TAX = "state_income_tax"
STATUSES = ("single", "married", "head_of_household")


@dataclass(frozen=True, slots=True)
class DE4:
    filing_status: str
    regular_allowances: int  # DE 4 line 1a: exemption-allowance credits (Table 4); also picks the column
    estimated_deduction_allowances: int = 0  # DE 4 line 1b: Table 2
    extra_withholding: Decimal = ZERO  # DE 4 line 2, per period


METHOD_B_LINES = {
    column: (
        (TAX, "CA.wages", "CA PIT wages (wages + tips - the pre-tax deductions CA PIT excludes; HSA is not one)"),
        (TAX, "CA.1", f"Table 1 low-income exemption ({label} column)"),
        (TAX, "CA.2n", "DE 4 estimated-deduction allowances"),
        (TAX, "CA.2", "Table 2 estimated deduction"),
        (TAX, "CA.3", f"Table 3 standard deduction ({label} column)"),
        (TAX, "CA.3t", "taxable income (wages - Table 2 - Table 3; the schedule is skipped if not above 0)"),
        (TAX, "CA.4a", "Table 5 row: over"),
        (TAX, "CA.4b", "Table 5 row: base tax"),
        (TAX, "CA.4c", "Table 5 row: rate on the excess"),
        (TAX, "CA.4", "computed tax (base + rate x (taxable - over))"),
        (TAX, "CA.5n", "DE 4 regular allowances"),
        (TAX, "CA.5", "Table 4 exemption-allowance credit"),
        (TAX, "CA.extra", "DE 4 additional withholding per period"),
        (TAX, "CA.result", "computed tax - credit (not below 0) + additional, rounded half-up to cents"),
    )
    for column, label in (("low", "single / married with 0-1 allowance"),
                          ("high", "married with 2+ allowances / head of household"))
}
LOW_INCOME_LINES = {
    column: (
        (TAX, "CA.wages", "CA PIT wages (wages + tips - the pre-tax deductions CA PIT excludes; HSA is not one)"),
        (TAX, "CA.1", f"Table 1 low-income exemption ({label} column): wages at or below it"),
        (TAX, "CA.extra", "DE 4 additional withholding per period"),
        (TAX, "CA.result", "no PIT on wages at or below the exemption; only the additional amount"),
    )
    for column, label in (("low", "single / married with 0-1 allowance"),
                          ("high", "married with 2+ allowances / head of household"))
}
SUPPLEMENTAL_LINES = (
    (TAX, "CA.wages", "CA PIT wages (supplemental payment)"),
    (TAX, "CA.supp_rate", "supplemental flat rate (one for bonuses and stock options, one for other supplemental wages)"),
    (TAX, "CA.result", "wages x rate, rounded half-up to cents"),
)
SDI_LINES = (
    ("state_disability", "CA.SDI_wages", "SDI wages (wages + tips - the pre-tax deductions SDI excludes)"),
    ("state_disability", "CA.SDI_rate", "SDI rate (applied without a wage ceiling unless the rule data sets one)"),
    ("state_disability", "CA.SDI", "SDI wages x rate"),
)


class CaParams:
    __slots__ = ("lie", "std", "est", "credit", "schedules", "excluded", "supp_bonus", "supp_other",
                 "sdi_rate", "sdi_wage_base", "sdi_excluded")

    def __init__(self, rules: RuleSet):
        v = lambda key: rules.value("CA", TAX, key)  # noqa: E731
        self.lie = v("low_income_exemption")
        self.std = v("standard_deduction")
        self.est = v("estimated_deduction")
        self.credit = v("exemption_credit")
        self.schedules = {(f, s): v(f"schedule.{f}.{s}") for f in self.lie for s in STATUSES}
        self.excluded = frozenset(v("excluded_pretax"))
        self.supp_bonus = v("supplemental_rate_bonus")
        self.supp_other = v("supplemental_rate_other")
        self.sdi_rate = rules.value("CA", "state_disability", "rate")
        self.sdi_wage_base = rules.value("CA", "state_disability", "wage_base")  # None: no ceiling
        self.sdi_excluded = frozenset(rules.value("CA", "state_disability", "excluded_pretax"))


def parse_form(raw, path: str) -> DE4:
    if raw is None:
        raise ValidationError(path, "is required for California (the employee's DE 4)")
    raw = obj(raw, path)
    check_keys(raw, ("filing_status", "regular_allowances", "estimated_deduction_allowances", "extra_withholding"), path)
    return DE4(
        filing_status=choice(raw, "filing_status", path, STATUSES),
        regular_allowances=count(raw, "regular_allowances", path),
        estimated_deduction_allowances=count(raw, "estimated_deduction_allowances", path, required=False),
        extra_withholding=money(raw, "extra_withholding", path, required=False),
    )


def validate(req) -> None:
    if req.payment_type == "supplemental" and req.supplemental_kind is None:
        raise ValidationError(
            "supplemental_kind",
            "is required for California supplemental wages: 'bonus' or 'stock_option' (bonus rate) or 'other'",
        )


def _per_allowance(table: tuple, n: int) -> Decimal:
    """Tables 2 and 4 list 1..10 allowances; above 10, DE 44 says multiply the 1-allowance amount."""
    if n <= 0:
        return ZERO
    if n <= len(table):
        return table[n - 1]
    return table[0] * n


def withhold(req, rules: RuleSet, ex) -> StateAmounts:
    p: CaParams = rules.memo("CA", CaParams)
    wages = req.taxable(p.excluded)
    if req.payment_type == "supplemental":
        rate = p.supp_bonus if req.supplemental_kind in ("bonus", "stock_option") else p.supp_other
        tax = (wages * rate).quantize(CENT, ROUND_HALF_UP)
        ex((SUPPLEMENTAL_LINES, (wages, rate, tax)))
    else:
        tax = _method_b(req, p, wages, ex)
    return StateAmounts(tax, _sdi(req, p, ex), ZERO, wages)


def _method_b(req, p: CaParams, wages: Decimal, ex) -> Decimal:
    form: DE4 = req.state
    freq = req.pay_frequency
    status = form.filing_status
    high = status == "head_of_household" or (status == "married" and form.regular_allowances >= 2)
    column = "high" if high else "low"
    extra = form.extra_withholding

    exemption = p.lie[freq][column]
    if wages <= exemption:
        tax = extra.quantize(CENT, ROUND_HALF_UP)
        ex((LOW_INCOME_LINES[column], (wages, exemption, extra, tax)))
        return tax

    est = _per_allowance(p.est[freq], form.estimated_deduction_allowances)
    std = p.std[freq][column]
    taxable = wages - est - std
    if taxable > 0:
        table = p.schedules[(freq, status)]
        i = table.row_for(taxable)
        over, base, rate = table.thresholds[i], table.bases[i], table.rates[i]
        computed = base + rate * (taxable - over)
    else:
        over = base = rate = computed = ZERO
    credit = _per_allowance(p.credit[freq], form.regular_allowances)
    after = computed - credit
    if after < 0:
        after = ZERO
    tax = (after + extra).quantize(CENT, ROUND_HALF_UP)
    ex((METHOD_B_LINES[column], (wages, exemption, form.estimated_deduction_allowances, est, std, taxable,
                                 over, base, rate, computed, form.regular_allowances, credit, extra, tax)))
    return tax


def _sdi(req, p: CaParams, ex) -> Decimal:
    wages = req.taxable(p.sdi_excluded)
    if p.sdi_wage_base is not None:
        room = p.sdi_wage_base - req.ytd.state_wages
        wages = min(wages, room if room > 0 else ZERO)
    sdi = (wages * p.sdi_rate).quantize(CENT, ROUND_HALF_UP)
    ex((SDI_LINES, (wages, p.sdi_rate, sdi)))
    return sdi
