"""Pay rules per work state and date: `jurisdiction_for(state)`, `wage_rules_for(state, on)`.

    rules = wage_rules_for("PA", date(2026, 3, 6))
    rules.minimum_wage, rules.max_tip_credit, rules.min_cash_wage, rules.sources
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..errors import PayInputError
from .jurisdictions import ALVARADO, CALIFORNIA, FLSA_WEEKLY, JURISDICTIONS, TOTAL_HOURS, Jurisdiction
from .wage_data import WAGE_ROWS, WageRow

FEDERAL = "US"

__all__ = [
    "ALVARADO", "CALIFORNIA", "FLSA_WEEKLY", "JURISDICTIONS", "TOTAL_HOURS", "Jurisdiction", "WageRules",
    "exempt_salary_floor", "jurisdiction_for", "supported_states", "wage_rules_for",
]


@dataclass(frozen=True, slots=True)
class WageRules:
    """The wage floor in force in one state on one date."""

    jurisdiction: str
    on: date
    minimum_wage: Decimal
    max_tip_credit: Decimal  # 0 where the state allows no tip credit
    sources: tuple[str, ...]

    @property
    def min_cash_wage(self) -> Decimal:
        return self.minimum_wage - self.max_tip_credit


def supported_states() -> tuple[str, ...]:
    return tuple(sorted(JURISDICTIONS))


def jurisdiction_for(state: str, field: str = "work_state") -> Jurisdiction:
    try:
        return JURISDICTIONS[state]
    except KeyError:
        raise PayInputError(field, f"{state!r} is not a supported work state "
                                   f"(pay rules exist for {', '.join(supported_states())})") from None


def _pick(jurisdiction: str, key: str, on: date, field: str) -> WageRow | None:
    rows = [r for r in WAGE_ROWS if r.jurisdiction == jurisdiction and r.key == key]
    if not rows:
        return None  # this jurisdiction has no rule of its own for the key: the federal one applies
    for r in rows:
        if r.effective_from <= on and (r.effective_to is None or on <= r.effective_to):
            return r
    # The state has this rule but not for this date: refusing beats paying last year's minimum wage.
    raise PayInputError(field, f"no {key.replace('_', ' ')} data for {jurisdiction} in force on {on.isoformat()}")


def wage_rules_for(state: str, on: date, field: str = "pay_date") -> WageRules:
    jurisdiction_for(state)
    federal_mw = _pick(FEDERAL, "minimum_wage", on, field)
    federal_credit = _pick(FEDERAL, "max_tip_credit", on, field)
    assert federal_mw is not None and federal_credit is not None
    state_mw = _pick(state, "minimum_wage", on, field)
    state_credit = _pick(state, "max_tip_credit", on, field)
    # The higher minimum wage and the smaller tip credit win (29 U.S.C. 218(a)).
    mw = max(federal_mw.value, state_mw.value) if state_mw else federal_mw.value
    credit = min(federal_credit.value, state_credit.value) if state_credit else federal_credit.value
    used = [r for r in (state_mw or federal_mw, state_credit or federal_credit) if r is not None]
    return WageRules(state, on, mw, credit, tuple(dict.fromkeys(r.source for r in used)))


def exempt_salary_floor(state: str, on: date, field: str = "pay_date") -> tuple[Decimal, str]:
    """(the least annual salary of an exempt employee in `state` on `on`, its source): the higher of the
    federal floor and the state's own."""
    federal = _pick(FEDERAL, "exempt_salary_floor", on, field)
    assert federal is not None
    own = _pick(state, "exempt_salary_floor", on, field)
    best = own if own is not None and own.value > federal.value else federal
    return best.value, best.source
