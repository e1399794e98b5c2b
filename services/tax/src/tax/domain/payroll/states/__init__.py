"""State methods registry: work-state code -> method module.

A method module provides:
  parse_form(raw, path)            the state's own withholding form from request["state"] (validated)
  validate(request)                cross-field checks on the whole request
  withhold(request, rules, ex)     -> StateAmounts, appending explanation lines via ex
Adding a state = its rule rows in tax/rules/data + (at most) one module registered here.
"""

from __future__ import annotations

from types import ModuleType

from . import california, no_income_tax, pennsylvania
from .common import StateAmounts

STATES: dict[str, ModuleType] = {
    "CA": california,
    "PA": pennsylvania,
    **{code: no_income_tax for code in no_income_tax.STATES},
}

__all__ = ["STATES", "StateAmounts"]
