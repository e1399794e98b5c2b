"""Philadelphia City Wage Tax: resident / non-resident rate chosen by PAY date (phila.gov: the new
fiscal-year rate applies to every paycheck dated after June 30). 401(k) deferrals are not excluded."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..money import CENT
from ..ruleset import RuleSet
from ..validation import ValidationError

JURISDICTION = "PA-PHILADELPHIA"
TAX = "local_income_tax"
LINES = {
    resident: (
        (TAX, "PHL.wages", "Philadelphia taxable compensation (401(k) deferrals included)"),
        (TAX, "PHL.rate", f"{who} rate in force on the pay date"),
        (TAX, "PHL.tax", "wages x rate"),
    )
    for resident, who in ((True, "resident"), (False, "non-resident"))
}


def validate(locality, work_state: str) -> None:
    # Non-residents owe the tax only on work done in Philadelphia, i.e. with a PA work state.
    if not locality.resident and work_state != "PA":
        raise ValidationError("locality.code", "PHILADELPHIA non-resident wage tax requires work_state PA")


def withhold(req, rules: RuleSet, ex) -> tuple[Decimal, Decimal]:
    resident_rate, nonresident_rate, excluded = rules.memo(JURISDICTION, _params)
    wages = req.taxable(excluded)
    resident = req.locality.resident
    rate = resident_rate if resident else nonresident_rate
    tax = (wages * rate).quantize(CENT, ROUND_HALF_UP)
    ex((LINES[resident], (wages, rate, tax)))
    return tax, wages


def _params(rules: RuleSet) -> tuple[Decimal, Decimal, frozenset]:
    return (
        rules.value(JURISDICTION, TAX, "resident_rate"),
        rules.value(JURISDICTION, TAX, "nonresident_rate"),
        frozenset(rules.value(JURISDICTION, TAX, "excluded_pretax")),
    )
