"""Social Security, Medicare and Additional Medicare (Pub 15 s.9), employee and employer shares.

Wage-base and threshold tests use wages from THIS employer year-to-date before this paycheck, so a
paycheck that crosses a limit is taxed only on the part on the far side of it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .money import CENT, ZERO
from .ruleset import RuleSet

LINES = (
    ("social_security", "wages", "FICA wages this period (wages + tips - Section 125/HSA; 401(k) included)"),
    ("social_security", "wage_base", "Social Security wage base"),
    ("social_security", "ytd", "YTD Social Security wages from this employer before this paycheck"),
    ("social_security", "room", "wage base left (wage base - YTD, not below 0)"),
    ("social_security", "taxable", "taxable Social Security wages (lesser of wages and room)"),
    ("social_security", "rate", "employee and employer rate"),
    ("social_security", "employee", "taxable x rate, capped by the year's maximum when ytd.ss_tax is given"),
    ("social_security", "employer", "taxable x employer rate"),
    ("medicare", "rate", "employee and employer rate (no wage base)"),
    ("medicare", "employee", "FICA wages x rate"),
    ("medicare", "employer", "FICA wages x employer rate"),
    ("additional_medicare", "ytd", "YTD Medicare wages from this employer before this paycheck"),
    ("additional_medicare", "threshold", "threshold on wages from this employer in the year"),
    ("additional_medicare", "excess", "this period's Medicare wages above the threshold"),
    ("additional_medicare", "rate", "employee-only rate (no employer match)"),
    ("additional_medicare", "employee", "excess x rate"),
)


class FicaParams:
    __slots__ = ("ss_rate", "ss_employer_rate", "ss_wage_base", "ss_max_tax", "medicare_rate",
                 "medicare_employer_rate", "addl_rate", "addl_threshold", "excluded")

    def __init__(self, rules: RuleSet):
        v = lambda key: rules.value("US", "fica", key)  # noqa: E731
        self.ss_rate = v("ss_rate")
        self.ss_employer_rate = v("ss_employer_rate")
        self.ss_wage_base = v("ss_wage_base")
        self.ss_max_tax = (self.ss_wage_base * self.ss_rate).quantize(CENT, ROUND_HALF_UP)  # 2026: 11,439.00
        self.medicare_rate = v("medicare_rate")
        self.medicare_employer_rate = v("medicare_employer_rate")
        self.addl_rate = v("additional_medicare_rate")
        self.addl_threshold = v("additional_medicare_threshold")
        self.excluded = frozenset(v("excluded_pretax"))


def withhold(req, rules: RuleSet, ex) -> tuple[Decimal, ...]:
    """Return (ss, medicare, additional medicare, employer ss, employer medicare, ss taxable, medicare wages)."""
    p: FicaParams = rules.memo("fica", FicaParams)
    wages = req.taxable(p.excluded)
    ytd = req.ytd

    room = p.ss_wage_base - ytd.ss_wages
    if room < 0:
        room = ZERO
    ss_taxable = wages if wages < room else room
    ss = (ss_taxable * p.ss_rate).quantize(CENT, ROUND_HALF_UP)
    if ytd.ss_tax is not None:
        # Per-period cent rounding can drift; never let the year's withholding pass the maximum tax.
        cap = p.ss_max_tax - ytd.ss_tax
        if ss > cap:
            ss = cap if cap > 0 else ZERO
    er_ss = (ss_taxable * p.ss_employer_rate).quantize(CENT, ROUND_HALF_UP)

    medicare = (wages * p.medicare_rate).quantize(CENT, ROUND_HALF_UP)
    er_medicare = (wages * p.medicare_employer_rate).quantize(CENT, ROUND_HALF_UP)

    before = ytd.medicare_wages - p.addl_threshold
    after = before + wages
    excess = (after if after > 0 else ZERO) - (before if before > 0 else ZERO)
    addl = (excess * p.addl_rate).quantize(CENT, ROUND_HALF_UP)

    ex((LINES, (wages, p.ss_wage_base, ytd.ss_wages, room, ss_taxable, p.ss_rate, ss, er_ss,
                p.medicare_rate, medicare, er_medicare, ytd.medicare_wages, p.addl_threshold, excess,
                p.addl_rate, addl)))
    return ss, medicare, addl, er_ss, er_medicare, ss_taxable, wages
