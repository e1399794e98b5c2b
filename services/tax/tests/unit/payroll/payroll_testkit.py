"""Helpers for the payroll-engine tests (a plain module, not a conftest: a repo-level conftest.py
would shadow `from conftest import`): a baseline request dict and one-call calculation.

`req(**changes)` deep-merges changes into the baseline (a None value deletes the key), so each test
states only what matters to it. Expected amounts in the tests are worked by hand in the comments,
from the rules reference (shared/reference/payroll-tax-rules-2026.md), never read back from the engine.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from tax.domain.payroll import WithholdingRequest, WithholdingResult, calculate_withholding
from tax.rules import load_rulebook

BASE = {
    "pay_date": "2026-03-06",
    "pay_frequency": "weekly",
    "payment_type": "regular",
    "wages": "1000.00",
    "tips": "0.00",
    "pretax_deductions": [],
    "ytd": {"wages": "0.00"},
    "work_state": "TX",
    "locality": None,
    "federal": {"form_version": "2020", "filing_status": "single"},
    "state": None,
}

CA_DE4 = {"filing_status": "single", "regular_allowances": 1}


def _merge(base: dict, changes: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def req(**changes) -> dict:
    d = _merge(BASE, changes)
    if d.get("work_state") == "CA" and "state" not in changes:
        d["state"] = dict(CA_DE4)
    return d


def calc(**changes) -> WithholdingResult:
    request = WithholdingRequest.from_dict(req(**changes))
    return calculate_withholding(request, load_rulebook().for_date(request.pay_date))


def line(result: WithholdingResult, tax: str, name: str):
    matches = [e.amount for e in result.explanation if e.tax == tax and e.line == name]
    assert len(matches) == 1, f"expected one explanation line {tax}/{name}, got {matches}"
    return matches[0]


def D(x) -> Decimal:
    return Decimal(str(x))

