"""States without an income tax on wages: nothing to withhold at state level.

Not modelled here (they are not income tax): Alaska's employee UI contribution, Washington's PFML and
WA Cares premiums. Adding such a state = adding its code below and its rows in no_income_tax_states.json.
"""

from __future__ import annotations

from ..ruleset import RuleDataError, RuleSet
from .common import NOTHING, StateAmounts, no_form

STATES = ("AK", "FL", "NV", "NH", "SD", "TN", "TX", "WA", "WY")
LINES = (("state_income_tax", "none", "no state income tax on wages in the work state"),)


def parse_form(raw, path: str) -> None:
    return no_form(raw, path)


def validate(req) -> None:
    return None


def withhold(req, rules: RuleSet, ex) -> StateAmounts:
    # The data, not this module, says the state has no wage income tax; if a row ever says otherwise
    # the state needs a real method, and silently returning zero would under-withhold.
    if rules.value(req.work_state, "state_income_tax", "taxes_wages") is not False:
        raise RuleDataError(f"{req.work_state} rules say wages are taxed: register a state method for it")
    ex((LINES, (NOTHING.income_tax,)))
    return NOTHING
