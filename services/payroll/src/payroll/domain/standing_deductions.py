"""Standing deductions on a staff record (pure): what is asked, and what a pay run sends the pay engine.

    {"type": "401k", "percent": "5"}                       pre-tax: 401k | 403b | section_125 | hsa
    {"type": "garnishment", "amount": "125.00", "starts_on": "2026-03-01", "ends_on": "2026-12-31",
     "note": "case 26-FL-1234"}                            post-tax: garnishment | loan

`amount` is per paycheck; `percent` of the cash wages (pre-tax) or of the disposable earnings, the cash
wages less the employee taxes withheld (post-tax; domain/pay/deductions.py). A deduction is taken from every
paycheck whose pay date falls from `starts_on` (default: today) through `ends_on` (inclusive, open when
absent). Which taxes a pre-tax type lowers is the tax service's rule (rules file 1.1 line 1a, 4.2, 4.3):
401(k)/403(b) income taxes only; section 125 every tax; HSA every tax but California income tax.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from chassis.errors import InvalidInput

from payroll.domain.pay.deductions import POSTTAX_TYPES, amount_or_percent
from payroll.domain.pay.validation import optional_iso_date

PRETAX_TYPES = ("401k", "403b", "section_125", "hsa")
TYPES = PRETAX_TYPES + POSTTAX_TYPES
KEYS = ("type", "amount", "percent", "starts_on", "ends_on", "note")
MAX_NOTE = 500
MAX_ACTIVE = 20  # as many as one paycheck request takes per kind


def kind_of(deduction_type: str) -> str:
    return "pretax" if deduction_type in PRETAX_TYPES else "posttax"


def parse(raw: Any, today: date) -> dict[str, Any]:
    """The deduction asked for, checked: {type, amount | percent (decimal strings), starts_on, ends_on, note}."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be a JSON object", field="body")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    kind = raw.get("type")
    if kind not in TYPES:
        raise InvalidInput(f"one of {', '.join(TYPES)}", field="type")
    amount, percent = amount_or_percent(raw, "")
    if percent is None and amount <= 0:
        raise InvalidInput("must be greater than 0", field="amount")
    starts = optional_iso_date(raw, "starts_on") or today
    ends = optional_iso_date(raw, "ends_on")
    if ends is not None and ends < starts:
        raise InvalidInput(f"before starts_on ({starts})", field="ends_on")
    note = raw.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE or "\x00" in note:
        raise InvalidInput(f"text of at most {MAX_NOTE} characters", field="note")
    return {"type": kind, "amount": None if percent is not None else str(amount),
            "percent": None if percent is None else str(percent), "starts_on": starts, "ends_on": ends,
            "note": note}


def end_date(raw: Any, starts_on: date, today: date) -> date:
    """`{ends_on?}` (default today): the last pay date the deduction is taken on."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be a JSON object", field="body")
    unknown = sorted(set(raw) - {"ends_on"})
    if unknown:
        raise InvalidInput("unknown field", field=unknown[0])
    ends = optional_iso_date(raw, "ends_on") or today
    if ends < starts_on:
        # Never taken: ended the day before it started (kept, not deleted, for the record).
        raise InvalidInput(f"before the deduction starts ({starts_on})", field="ends_on")
    return ends


def in_force(starts_on: date, ends_on: date | None, on: date) -> bool:
    return starts_on <= on and (ends_on is None or on <= ends_on)


def request_lines(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """The paycheck request's `pretax_deductions` and `posttax_deductions` (the preview request JSON) from
    the deductions in force: `{type, amount}` or `{type, percent}`."""
    out: dict[str, list[dict[str, str]]] = {"pretax_deductions": [], "posttax_deductions": []}
    for row in rows:
        line = {"type": row["type"]}
        if row.get("percent") is not None:
            line["percent"] = str(row["percent"])
        else:
            line["amount"] = str(Decimal(row["amount"]))
        out[f"{kind_of(row['type'])}_deductions"].append(line)
    return {k: lines for k, lines in out.items() if lines}


