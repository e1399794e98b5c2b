"""Reported tips per workweek and the weekly tip-credit top-up.

The top-up is computed per workweek (rules file 5.3 and checklist item 6): the employer may count tips
toward the minimum wage only up to the tips actually received, so when cash wages + tips fall short of
the minimum wage for every hour (overtime at 1.5x the full minimum wage) the employer pays the difference.
With cash wage c, tip credit t = MW - c per hour and H hours (overtime paid at 1.5 x MW - t), that
shortfall is exactly max(0, t x H - tips of the week).

Tips given for the whole pay period are allocated to workweeks pro rata by hours worked (exact shares,
not rounded: they only feed the top-up); tips given per workweek are used as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .hours import WeekHours
from .model import PayRequest
from .money import ZERO


def tips_per_week(request: PayRequest, weeks: Sequence[WeekHours]) -> tuple[list[Decimal], str]:
    """(tips of each workweek, how they were allocated)."""
    given = [w.reported_tips for w in request.workweeks]
    if any(t is not None for t in given):
        return [t or ZERO for t in given], "as reported per workweek"
    total = request.reported_tips or ZERO
    if len(weeks) == 1:
        return [total], "all in the one workweek"
    hours = sum((w.total for w in weeks), ZERO)
    if total == 0:
        return [ZERO for _ in weeks], "none reported"
    if hours == 0:
        return [total / len(weeks) for _ in weeks], "in equal shares (no hours worked)"
    return [total * w.total / hours for w in weeks], "pro rata by hours worked in each workweek"


def top_up(tip_credit_claimed: Decimal, tips: Decimal) -> Decimal:
    """The workweek's top-up: tip credit claimed (credit per hour x hours, summed over tipped jobs) - tips."""
    return max(ZERO, tip_credit_claimed - tips)
