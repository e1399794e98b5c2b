"""Pay engine input: the facts of one paycheck. Field names mirror the preview request JSON (issue 11).

`PayRequest.from_dict(payload)` reads only the keys the pay engine owns (pay_date, work_state, pay,
workweeks, reported_tips, bonuses, policy) and ignores the tax keys (federal, state, ytd, locality,
pretax_deductions, pay_frequency) that another layer passes on to the tax service. Inside the objects
it owns, unknown keys are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from . import validation as v
from .errors import PayInputError
from .money import ZERO
from .rules import jurisdiction_for

PAY_TYPES = ("hourly", "tipped")
BONUS_TYPES = ("nondiscretionary", "flat_sum", "discretionary")
MAX_DAYS = 7
MAX_WORKWEEKS = 6  # a monthly period touches at most 6 fixed workweeks


@dataclass(frozen=True, slots=True)
class Pay:
    """`hourly`: `rate`. `tipped`: `cash_wage_rate`, the employer claims a tip credit up to the minimum wage."""

    type: str
    rate: Decimal | None = None
    cash_wage_rate: Decimal | None = None

    @classmethod
    def from_dict(cls, raw: Any, path: str = "pay") -> Pay:
        raw = v.obj(raw, path)
        v.check_keys(raw, ("type", "rate", "cash_wage_rate"), path)
        kind = v.choice(raw, "type", path, PAY_TYPES)
        if kind == "hourly":
            if raw.get("cash_wage_rate") is not None:
                raise PayInputError(v.join(path, "cash_wage_rate"), "only for pay.type tipped (use pay.rate)")
            return cls(kind, rate=v.rate(raw, "rate", path))
        if raw.get("rate") is not None:
            raise PayInputError(v.join(path, "rate"), "only for pay.type hourly (use pay.cash_wage_rate)")
        return cls(kind, cash_wage_rate=v.rate(raw, "cash_wage_rate", path))


@dataclass(frozen=True, slots=True)
class Workweek:
    """One fixed workweek: hours per day in workweek order (up to 7), optional tips and break premiums."""

    daily_hours: tuple[Decimal, ...]
    reported_tips: Decimal | None = None  # None: take a pro-rata share of the request's reported_tips
    break_premiums: int = 0  # missed or late meal/rest periods owed one hour's pay each (California)

    @property
    def total_hours(self) -> Decimal:
        return sum(self.daily_hours, ZERO)

    @property
    def days_worked(self) -> int:
        return sum(1 for h in self.daily_hours if h > 0)

    @classmethod
    def from_dict(cls, raw: Any, path: str) -> Workweek:
        raw = v.obj(raw, path)
        v.check_keys(raw, ("daily_hours", "reported_tips", "break_premiums"), path)
        days_path = v.join(path, "daily_hours")
        if raw.get("daily_hours") is None:
            raise PayInputError(days_path, "is required")
        days = v.array(raw["daily_hours"], days_path)
        if len(days) > MAX_DAYS:
            raise PayInputError(days_path, f"a workweek has at most {MAX_DAYS} days, got {len(days)}")
        daily = tuple(v.hours(h, v.join(days_path, i)) for i, h in enumerate(days))
        tips = v.money(raw, "reported_tips", path) if raw.get("reported_tips") is not None else None
        week = cls(daily, tips, v.count(raw, "break_premiums", path, maximum=2 * MAX_DAYS))
        # LC 226.7: at most one meal and one rest premium per workday.
        if week.break_premiums > 2 * week.days_worked:
            raise PayInputError(v.join(path, "break_premiums"),
                                f"at most 2 per day worked ({week.days_worked} days worked)")
        return week


@dataclass(frozen=True, slots=True)
class Bonus:
    """`nondiscretionary` (total-hours method), `flat_sum` (Alvarado in California, total-hours elsewhere),
    `discretionary` (outside the regular rate). `workweek` pins the bonus to one workweek (index from 0);
    without it the bonus is spread equally over the workweeks worked (29 CFR 778.209(b))."""

    type: str
    amount: Decimal
    workweek: int | None = None

    @classmethod
    def from_dict(cls, raw: Any, path: str, workweeks: int) -> Bonus:
        raw = v.obj(raw, path)
        v.check_keys(raw, ("type", "amount", "workweek"), path)
        return cls(v.choice(raw, "type", path, BONUS_TYPES), v.money(raw, "amount", path, required=True),
                   v.optional_index(raw, "workweek", path, workweeks))


@dataclass(frozen=True, slots=True)
class PayPolicy:
    """Employer switches. California meal/rest premiums are paid only when the employer turned the rule on."""

    break_premiums: bool = True

    @classmethod
    def from_dict(cls, raw: Any, path: str = "policy") -> PayPolicy:
        if raw is None:
            return cls()
        raw = v.obj(raw, path)
        v.check_keys(raw, ("break_premiums",), path)
        value = raw.get("break_premiums", True)
        if not isinstance(value, bool):
            raise PayInputError(v.join(path, "break_premiums"), "must be true or false")
        return cls(value)


@dataclass(frozen=True, slots=True)
class PayRequest:
    pay_date: date
    work_state: str
    pay: Pay
    workweeks: tuple[Workweek, ...]
    reported_tips: Decimal | None = None  # for the whole pay period; None when given per workweek only
    bonuses: tuple[Bonus, ...] = ()
    policy: PayPolicy = field(default_factory=PayPolicy)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PayRequest:
        raw = v.obj(raw, "")
        pay_date = v.iso_date(raw, "pay_date", "")
        state = raw.get("work_state")
        if state is None:
            raise PayInputError("work_state", "is required")
        if not isinstance(state, str):
            raise PayInputError("work_state", "must be a two-letter state code such as \"CA\"")
        jurisdiction_for(state)
        if raw.get("pay") is None:
            raise PayInputError("pay", "is required")
        pay = Pay.from_dict(raw["pay"])
        if raw.get("workweeks") is None:
            raise PayInputError("workweeks", "is required")
        weeks_raw = v.array(raw["workweeks"], "workweeks")
        if not 1 <= len(weeks_raw) <= MAX_WORKWEEKS:
            raise PayInputError("workweeks", f"must hold 1 to {MAX_WORKWEEKS} workweeks, got {len(weeks_raw)}")
        weeks = tuple(Workweek.from_dict(w, f"workweeks[{i}]") for i, w in enumerate(weeks_raw))
        tips = v.money(raw, "reported_tips", "") if raw.get("reported_tips") is not None else None
        bonuses_raw = v.array(raw["bonuses"], "bonuses") if raw.get("bonuses") is not None else ()
        bonuses = tuple(Bonus.from_dict(b, f"bonuses[{i}]", len(weeks)) for i, b in enumerate(bonuses_raw))
        request = cls(pay_date, state, pay, weeks, tips, bonuses, PayPolicy.from_dict(raw.get("policy")))
        request.validate()
        return request

    def validate(self) -> None:
        """Cross-field checks (also run by `compute_pay`, so hand-built requests get them too)."""
        jurisdiction = jurisdiction_for(self.work_state)
        per_week = [w.reported_tips for w in self.workweeks]
        if any(t is not None for t in per_week) and self.reported_tips is not None:
            given = sum((t or ZERO for t in per_week), ZERO)
            if given != self.reported_tips:
                raise PayInputError("reported_tips", f"{self.reported_tips} differs from the sum of "
                                                     f"workweeks[].reported_tips ({given}); send one or make them agree")
        for i, w in enumerate(self.workweeks):
            if w.break_premiums and not jurisdiction.break_premiums:
                raise PayInputError(f"workweeks[{i}].break_premiums",
                                    f"meal/rest break premiums are a California rule, not {self.work_state}'s")
            if w.break_premiums and not self.policy.break_premiums:
                raise PayInputError(f"workweeks[{i}].break_premiums", "break premiums are turned off for this employer")
