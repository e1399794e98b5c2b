"""Year-to-date figures for the next withholding request, from ledger sums (pure).

The engine's YTD means amounts paid by this employer in the calendar year BEFORE this paycheck:
  wages              <- gross wages + reported tips
  ss_wages           <- earlier taxable_wages.social_security (already capped at the wage base)
  medicare_wages     <- earlier taxable_wages.medicare
  futa_wages         <- earlier taxable_wages.futa
  suta_wages         <- earlier taxable_wages.suta, in the work state of this paycheck
  state_wages        <- earlier taxable_wages.state, in the work state of this paycheck
  supplemental_wages <- earlier taxable_wages.federal_income_tax of supplemental paychecks
  ss_tax             <- earlier employee social_security withheld (caps the year at the maximum tax)
State unemployment bases are per state: wages earned in California do not use up Pennsylvania's base.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tax.domain.payroll import YearToDate
from tax.domain.request_json import ytd_json

# Sums the ledger keeps per (employee, tax year, work state); see adapters/ledger_repo.py.
SUM_NAMES = ("paychecks", "wages", "ss_wages", "medicare_wages", "futa_wages", "suta_wages", "state_wages",
             "supplemental_wages", "ss_tax")
STATE_BOUND = ("suta_wages", "state_wages")
ZERO = Decimal("0.00")


def total(by_state: Mapping[str, Mapping[str, Decimal]], name: str, state: str | None = None) -> Decimal:
    if state is not None:
        return Decimal(by_state.get(state, {}).get(name, ZERO))
    return sum((Decimal(s.get(name, ZERO)) for s in by_state.values()), ZERO)


def year_to_date(by_state: Mapping[str, Mapping[str, Decimal]], work_state: str | None) -> YearToDate:
    """YTD for a paycheck in `work_state` (None: every state summed, e.g. for a report)."""
    def get(name: str) -> Decimal:
        return total(by_state, name, work_state if name in STATE_BOUND else None) + ZERO

    return YearToDate(wages=get("wages"), ss_wages=get("ss_wages"), medicare_wages=get("medicare_wages"),
                      futa_wages=get("futa_wages"), suta_wages=get("suta_wages"), state_wages=get("state_wages"),
                      supplemental_wages=get("supplemental_wages"), ss_tax=get("ss_tax"))


def ytd_dict(ytd: YearToDate) -> dict[str, str]:
    """The request's JSON "ytd" object."""
    return ytd_json(ytd)
