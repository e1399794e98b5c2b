"""The JSON a withholding request carries for YTD and employer options, built from engine objects.

When the service supplies YTD (from its ledger) or employer options (from the tenant's settings), it
writes them into the request JSON and lets the engine validate the whole request as usual: one path
for every request, whoever filled which part.
"""
from __future__ import annotations

from typing import Any

from tax.domain.payroll import EmployerOptions, YearToDate
from tax.domain.payroll.money import fmt_money


def ytd_json(ytd: YearToDate) -> dict[str, str]:
    out = {name: fmt_money(getattr(ytd, name)) for name in
           ("wages", "ss_wages", "medicare_wages", "futa_wages", "suta_wages", "state_wages")}
    for name in ("supplemental_wages", "ss_tax"):
        if getattr(ytd, name) is not None:
            out[name] = fmt_money(getattr(ytd, name))
    return out


def employer_json(options: EmployerOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"round_federal_to_whole_dollars": options.round_federal_to_whole_dollars}
    if options.suta_rate is not None:
        out |= {"suta_rate": str(options.suta_rate), "suta_wage_base": str(options.suta_wage_base)}
    return out


def with_context(body: Any, ytd: YearToDate | None, employer: EmployerOptions | None) -> Any:
    """`body` with the supplied ytd / employer objects (when given) written in."""
    if not isinstance(body, dict) or (ytd is None and employer is None):
        return body
    body = dict(body)
    if ytd is not None:
        body["ytd"] = ytd_json(ytd)
    if employer is not None:
        body["employer"] = employer_json(employer)
    return body
