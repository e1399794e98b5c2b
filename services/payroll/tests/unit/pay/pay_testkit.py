"""Request builders for the pay-engine tests: plain dicts shaped like the preview request JSON."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from payroll.domain.pay import PayRequest, PayResult, compute_pay

D = Decimal


def hourly(rate: str) -> dict[str, str]:
    return {"type": "hourly", "rate": rate}


def tipped(cash_wage_rate: str) -> dict[str, str]:
    return {"type": "tipped", "cash_wage_rate": cash_wage_rate}


def week(*hours: object, tips: str | None = None, break_premiums: int | None = None) -> dict[str, Any]:
    w: dict[str, Any] = {"daily_hours": [str(h) for h in hours]}
    if tips is not None:
        w["reported_tips"] = tips
    if break_premiums is not None:
        w["break_premiums"] = break_premiums
    return w


def request(state: str = "PA", pay: dict[str, str] | None = None, weeks: Sequence[dict[str, Any]] = (),
            tips: str | None = None, bonuses: Sequence[dict[str, Any]] = (), pay_date: str = "2026-03-06",
            **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"pay_date": pay_date, "work_state": state, "pay": pay or hourly("15.00"),
                           "workweeks": list(weeks) or [week(8, 8, 8, 8, 8)]}
    if tips is not None:
        raw["reported_tips"] = tips
    if bonuses:
        raw["bonuses"] = list(bonuses)
    raw.update(extra)
    return raw


def bonus(kind: str, amount: str, workweek: int | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {"type": kind, "amount": amount}
    if workweek is not None:
        b["workweek"] = workweek
    return b


def run(**kwargs: Any) -> PayResult:
    return compute_pay(PayRequest.from_dict(request(**kwargs)))


def by_kind(result: PayResult) -> dict[str, Decimal]:
    """Earnings amount per kind (summed over lines of that kind)."""
    out: dict[str, Decimal] = {}
    for e in result.earnings:
        out[e.kind] = out.get(e.kind, D(0)) + e.amount
    return out


def hours_of(result: PayResult) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    h = result.hours
    return h.total, h.regular, h.overtime, h.double_time
