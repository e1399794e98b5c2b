"""Bonuses in the regular rate.

* discretionary: paid, outside the regular rate (29 U.S.C. 207(e)(3)).
* nondiscretionary (and flat_sum outside California), total-hours method (29 CFR 778.110(b)): the bonus
  raises the regular rate by bonus / all hours of the workweek; straight time for it is already in the bonus,
  so each overtime hour is owed the extra 0.5 x that increase (double-time hours the extra 1.0 x).
* flat_sum in California (Alvarado v. Dart Container, 2018): the bonus raises the rate by
  bonus / NON-overtime hours; each overtime hour is owed 1.5 x that (double-time hours 2 x: an inference,
  rules file 5.2).

A bonus for a pay period of several workweeks goes to the workweek it names, or else in equal shares to
the workweeks worked (29 CFR 778.209(b), "an equal amount of bonus each week").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .hours import WeekHours
from .model import Bonus
from .money import ZERO
from .rules import ALVARADO, Jurisdiction

HALF = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class WeekBonus:
    total_hours: Decimal = ZERO  # bonus in this workweek under the total-hours method
    alvarado: Decimal = ZERO  # flat-sum bonus in this workweek under Alvarado

    @property
    def total(self) -> Decimal:
        return self.total_hours + self.alvarado


@dataclass(frozen=True, slots=True)
class BonusRates:
    per_hour: Decimal  # increase of the regular rate
    overtime_premium: Decimal  # extra owed per overtime hour
    double_time_premium: Decimal  # extra owed per double-time hour
    method: str  # for the worksheet


def method_of(bonus: Bonus, jurisdiction: Jurisdiction) -> str | None:
    """"total_hours", "alvarado", or None (outside the regular rate)."""
    if bonus.type == "discretionary":
        return None
    if bonus.type == "flat_sum" and jurisdiction.flat_sum_bonus == ALVARADO:
        return "alvarado"
    return "total_hours"


def allocate(bonuses: Sequence[Bonus], weeks: Sequence[WeekHours], jurisdiction: Jurisdiction) -> list[WeekBonus]:
    shares = [WeekBonus() for _ in weeks]
    worked = [i for i, w in enumerate(weeks) if w.total > 0]
    for bonus in bonuses:
        method = method_of(bonus, jurisdiction)
        if method is None or bonus.amount == 0:
            continue
        targets = [bonus.workweek] if bonus.workweek is not None else worked
        if not targets:
            continue  # no hours at all: nothing to raise, the bonus is simply paid
        share = bonus.amount / len(targets)
        for i in targets:
            s = shares[i]
            shares[i] = (WeekBonus(s.total_hours + share, s.alvarado) if method == "total_hours"
                         else WeekBonus(s.total_hours, s.alvarado + share))
    return shares


def bonus_rates(bonus: WeekBonus, hours: WeekHours) -> BonusRates:
    per_hour = ot = dt = ZERO
    methods: list[str] = []
    if bonus.total_hours and hours.total > 0:
        inc = bonus.total_hours / hours.total
        per_hour += inc
        ot += HALF * inc
        dt += inc
        methods.append("total_hours")
    if bonus.alvarado and hours.total > 0:
        # Non-overtime hours are never 0 when hours were worked: the first hours of the week are regular.
        base = hours.regular if hours.regular > 0 else hours.total
        inc = bonus.alvarado / base
        per_hour += inc
        ot += Decimal("1.5") * inc
        dt += 2 * inc
        methods.append("alvarado")
    return BonusRates(per_hour, ot, dt, "+".join(methods))
