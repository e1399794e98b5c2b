"""Pay engine output. `PayResult.to_dict()` gives the pay part of the preview response (issue 11):
hours, regular_rate, earnings[], cash_wages, reported_tips, tip_credit_top_up, gross_wages, explanation[],
plus `workweeks[]` (the same figures per workweek) and `rules` (the sources applied).
Money is rounded to the cent; hours and rates are shown exactly (up to six decimals).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .money import fmt_money, fmt_num

EARNINGS_KINDS = ("salary", "regular", "overtime", "double_time", "bonus", "overtime_bonus_adjustment",
                  "tip_credit_top_up", "break_premium")


@dataclass(frozen=True, slots=True)
class HoursSummary:
    total: Decimal
    regular: Decimal
    overtime: Decimal
    double_time: Decimal

    def to_dict(self) -> dict[str, str]:
        return {"total": fmt_num(self.total), "regular": fmt_num(self.regular),
                "overtime": fmt_num(self.overtime), "double_time": fmt_num(self.double_time)}


@dataclass(frozen=True, slots=True)
class EarningsLine:
    kind: str
    hours: Decimal | None  # None for a bonus (not paid by the hour)
    rate: Decimal | None  # exact (unrounded) rate; None where no single rate applies
    amount: Decimal  # rounded half-up to the cent
    text: str  # the rule: why this line is paid and how it was computed

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind,
                "hours": None if self.hours is None else fmt_num(self.hours),
                "rate": None if self.rate is None else fmt_num(self.rate),
                "amount": fmt_money(self.amount), "text": self.text}


@dataclass(frozen=True, slots=True)
class ExplanationLine:
    line: str
    text: str
    amount: Decimal | None
    money: bool = True  # False: an hour count or a rate, shown exactly

    def to_dict(self) -> dict[str, Any]:
        if self.amount is None:
            shown = None
        else:
            shown = fmt_money(self.amount) if self.money else fmt_num(self.amount)
        return {"line": self.line, "text": self.text, "amount": shown}


@dataclass(frozen=True, slots=True)
class WorkweekResult:
    hours: HoursSummary
    regular_rate: Decimal
    reported_tips: Decimal  # allocated to this workweek (exact, may have fractions of a cent)
    tip_credit_top_up: Decimal  # exact; the earnings line rounds the period total
    bonus: Decimal  # bonus allocated to this workweek that enters the regular rate

    def to_dict(self) -> dict[str, Any]:
        return {"hours": self.hours.to_dict(), "regular_rate": fmt_num(self.regular_rate),
                "reported_tips": fmt_num(self.reported_tips), "tip_credit_top_up": fmt_num(self.tip_credit_top_up),
                "bonus_in_regular_rate": fmt_num(self.bonus)}


@dataclass(frozen=True, slots=True)
class PayResult:
    hours: HoursSummary
    regular_rate: Decimal
    earnings: tuple[EarningsLine, ...]
    cash_wages: Decimal  # everything the employer pays: all earnings lines (tip top-up included, tips excluded)
    reported_tips: Decimal
    tip_credit_top_up: Decimal
    gross_wages: Decimal  # cash_wages + reported_tips
    explanation: tuple[ExplanationLine, ...]
    workweeks: tuple[WorkweekResult, ...]
    rules: tuple[str, ...]

    def amount_of(self, kind: str) -> Decimal:
        return sum((e.amount for e in self.earnings if e.kind == kind), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "hours": self.hours.to_dict(),
            "regular_rate": fmt_num(self.regular_rate),
            "earnings": [e.to_dict() for e in self.earnings],
            "cash_wages": fmt_money(self.cash_wages),
            "reported_tips": fmt_money(self.reported_tips),
            "tip_credit_top_up": fmt_money(self.tip_credit_top_up),
            "gross_wages": fmt_money(self.gross_wages),
            "explanation": [x.to_dict() for x in self.explanation],
            "workweeks": [w.to_dict() for w in self.workweeks],
            "rules": list(self.rules),
        }
