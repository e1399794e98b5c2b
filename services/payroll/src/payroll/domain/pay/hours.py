"""Worked hours of one workweek -> regular, overtime (1.5x) and double-time (2x) hours.

Two methods, chosen by the work state (rules/jurisdictions.py):

* `flsa_weekly` (29 U.S.C. 207(a)(1), 29 CFR 778.104): hours over 40 in the fixed workweek are overtime;
  days do not matter and each workweek stands alone.
* `california` (Labor Code 510(a), 500): per workday, hours over 8 are overtime and over 12 double time;
  on the seventh day of work in the workweek (only when all seven days are worked) the first 8 hours are
  overtime and the rest double time; then, walking the days in order, regular hours beyond 40 in the
  week become overtime. Hours already paid as daily overtime or double time are not counted again toward
  the 40 (no pyramiding), so every hour lands in exactly one bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO

WEEKLY_LIMIT = Decimal(40)
DAILY_LIMIT = Decimal(8)
DAILY_DOUBLE = Decimal(12)


@dataclass(frozen=True, slots=True)
class DayHours:
    worked: Decimal
    regular: Decimal
    overtime: Decimal
    double_time: Decimal
    weekly_overtime: Decimal  # part of `overtime` that is there only because of the 40-hour rule
    seventh_day: bool = False


@dataclass(frozen=True, slots=True)
class WeekHours:
    days: tuple[DayHours, ...]

    @property
    def total(self) -> Decimal:
        return sum((d.worked for d in self.days), ZERO)

    @property
    def regular(self) -> Decimal:
        return sum((d.regular for d in self.days), ZERO)

    @property
    def overtime(self) -> Decimal:
        return sum((d.overtime for d in self.days), ZERO)

    @property
    def double_time(self) -> Decimal:
        return sum((d.double_time for d in self.days), ZERO)

    @property
    def weekly_overtime(self) -> Decimal:
        return sum((d.weekly_overtime for d in self.days), ZERO)

    @property
    def daily_overtime(self) -> Decimal:
        return self.overtime - self.weekly_overtime - self.seventh_day_overtime

    @property
    def seventh_day_overtime(self) -> Decimal:
        return sum((d.overtime for d in self.days if d.seventh_day), ZERO)

    @property
    def seventh_day(self) -> bool:
        return any(d.seventh_day for d in self.days)


def flsa_weekly(daily: Sequence[Decimal]) -> WeekHours:
    """Weekly overtime only. The overtime hours are shown on the days that crossed 40 (for the worksheet)."""
    days: list[DayHours] = []
    so_far = ZERO
    for h in daily:
        regular = min(h, max(ZERO, WEEKLY_LIMIT - so_far))
        so_far += h
        days.append(DayHours(h, regular, h - regular, ZERO, h - regular))
    return WeekHours(tuple(days))


def california(daily: Sequence[Decimal]) -> WeekHours:
    seventh = len(daily) == 7 and all(h > 0 for h in daily)
    days: list[DayHours] = []
    regular_so_far = ZERO
    for index, h in enumerate(daily):
        if seventh and index == 6:
            # LC 510(a): the seventh day's first 8 hours at 1.5x, beyond 8 at 2x; none of it is regular.
            ot = min(h, DAILY_LIMIT)
            days.append(DayHours(h, ZERO, ot, h - ot, ZERO, seventh_day=True))
            continue
        daily_regular = min(h, DAILY_LIMIT)
        daily_ot = min(max(ZERO, h - DAILY_LIMIT), DAILY_DOUBLE - DAILY_LIMIT)
        double = max(ZERO, h - DAILY_DOUBLE)
        # Weekly rule on the regular hours only (no pyramiding).
        regular = min(daily_regular, max(ZERO, WEEKLY_LIMIT - regular_so_far))
        weekly_ot = daily_regular - regular
        regular_so_far += regular
        days.append(DayHours(h, regular, daily_ot + weekly_ot, double, weekly_ot))
    return WeekHours(tuple(days))
