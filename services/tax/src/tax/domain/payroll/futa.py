"""Employer unemployment taxes: FUTA (federal, data-driven credit reductions) and SUTA (state rate
and wage base supplied per employer, since experience rates are employer-specific)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .money import CENT, ZERO
from .ruleset import RuleSet

FUTA_LINES = (
    ("futa", "wage_base", "FUTA wage base per employee per year"),
    ("futa", "ytd", "YTD FUTA wages before this paycheck"),
    ("futa", "taxable", "FUTA wages this period within the wage base"),
    ("futa", "credit_reduction", "work state's credit reduction for the year (0 if none)"),
    ("futa", "rate", "net rate (gross rate - maximum state UI credit) + credit reduction"),
    ("futa", "employer", "taxable x rate"),
)
SUTA_LINES = (
    ("suta", "wage_base", "employer's state UI wage base"),
    ("suta", "ytd", "YTD state UI wages before this paycheck"),
    ("suta", "taxable", "state UI wages this period within the wage base"),
    ("suta", "rate", "employer's state UI rate"),
    ("suta", "employer", "taxable x rate"),
)
SUTA_SKIPPED = (("suta", "employer", "not computed: the request has no employer.suta_rate"),)


class FutaParams:
    __slots__ = ("net_rate", "wage_base", "credit_reduction", "excluded")

    def __init__(self, rules: RuleSet):
        v = lambda key: rules.value("US", "futa", key)  # noqa: E731
        self.net_rate = v("gross_rate") - v("max_credit")  # 6.0% - 5.4% = 0.6%
        self.wage_base = v("wage_base")
        self.credit_reduction = v("credit_reduction")  # state -> extra rate for that tax year
        self.excluded = frozenset(v("excluded_pretax"))


def _capped(wages: Decimal, base: Decimal, ytd: Decimal) -> Decimal:
    room = base - ytd
    if room <= 0:
        return ZERO
    return wages if wages < room else room


def futa(req, rules: RuleSet, ex) -> tuple[Decimal, Decimal]:
    """Return (employer FUTA, FUTA taxable wages)."""
    p: FutaParams = rules.memo("futa", FutaParams)
    taxable = _capped(req.taxable(p.excluded), p.wage_base, req.ytd.futa_wages)
    reduction = p.credit_reduction.get(req.work_state, ZERO)
    rate = p.net_rate + reduction
    amount = (taxable * rate).quantize(CENT, ROUND_HALF_UP)
    ex((FUTA_LINES, (p.wage_base, req.ytd.futa_wages, taxable, reduction, rate, amount)))
    return amount, taxable


def _suta_excluded(state: str):
    return lambda rules: frozenset(rules.value(state, "suta", "excluded_pretax"))


def suta(req, rules: RuleSet, ex) -> tuple[Decimal, Decimal]:
    """Return (employer SUTA, SUTA taxable wages); zero when the employer supplied no rate."""
    opts = req.employer
    if opts.suta_rate is None:
        ex((SUTA_SKIPPED, (ZERO,)))
        return ZERO, ZERO
    excluded = rules.memo("suta." + req.work_state, _suta_excluded(req.work_state))
    taxable = _capped(req.taxable(excluded), opts.suta_wage_base, req.ytd.suta_wages)
    amount = (taxable * opts.suta_rate).quantize(CENT, ROUND_HALF_UP)
    ex((SUTA_LINES, (opts.suta_wage_base, req.ytd.suta_wages, taxable, opts.suta_rate, amount)))
    return amount, taxable
