"""Pennsylvania: flat personal income tax on compensation and the employee UC contribution.

PA has no allowances or standard deduction, and 401(k)/403(b) deferrals are NOT excluded from PA
compensation (the exclusion lists live in the rule data). Supplemental wages use the same flat rate.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..money import CENT, ZERO
from ..ruleset import RuleSet
from .common import StateAmounts, extra_only_form

LINES = (
    ("state_income_tax", "PA.wages", "PA compensation (401(k)/403(b) deferrals included)"),
    ("state_income_tax", "PA.rate", "flat rate (no allowances, no standard deduction)"),
    ("state_income_tax", "PA.extra", "agreed extra withholding (regular pay only)"),
    ("state_income_tax", "PA.tax", "wages x rate, rounded half-up, + extra"),
    ("state_unemployment", "PA.UC_wages", "employee UC wages (gross incl. tips and 401(k))"),
    ("state_unemployment", "PA.UC_rate", "employee UC rate"),
    ("state_unemployment", "PA.UC", "UC wages x rate"),
)


class PaParams:
    __slots__ = ("rate", "excluded", "uc_rate", "uc_wage_base", "uc_excluded")

    def __init__(self, rules: RuleSet):
        self.rate = rules.value("PA", "state_income_tax", "rate")
        self.excluded = frozenset(rules.value("PA", "state_income_tax", "excluded_pretax"))
        self.uc_rate = rules.value("PA", "state_unemployment", "employee_rate")
        self.uc_wage_base = rules.value("PA", "state_unemployment", "employee_wage_base")  # None: no cap
        self.uc_excluded = frozenset(rules.value("PA", "state_unemployment", "excluded_pretax"))


def parse_form(raw, path: str) -> Decimal:
    """The PA "form" is only an optional agreed extra amount per period (the request's state block)."""
    return extra_only_form(raw, path)


def validate(req) -> None:
    return None


def withhold(req, rules: RuleSet, ex) -> StateAmounts:
    p: PaParams = rules.memo("PA", PaParams)
    wages = req.taxable(p.excluded)
    extra = req.state if req.payment_type == "regular" else ZERO
    tax = (wages * p.rate).quantize(CENT, ROUND_HALF_UP) + extra

    uc_wages = req.taxable(p.uc_excluded)
    if p.uc_wage_base is not None:
        room = p.uc_wage_base - req.ytd.state_wages
        uc_wages = min(uc_wages, room if room > 0 else ZERO)
    uc = (uc_wages * p.uc_rate).quantize(CENT, ROUND_HALF_UP)
    ex((LINES, (wages, p.rate, extra, tax, uc_wages, p.uc_rate, uc)))
    return StateAmounts(tax, ZERO, uc, wages)
