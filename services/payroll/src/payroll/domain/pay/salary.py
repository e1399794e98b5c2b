"""Salaried pay: the salary's share of one pay period, exempt or not, and its regular rate (pure).

* The period's salary = annual salary / pay periods a year (weekly 52, biweekly 26, semimonthly 24,
  monthly 12: Pub 15-T Table 3, rules file 1.1 line 1b), rounded half-up to the cent once.
* Exempt (executive, administrative, professional; 29 CFR 541): no overtime, whatever the hours. An
  employee called exempt but paid less than the salary floor (federal 29 CFR 541.600; California twice the
  state minimum wage for 2,080 hours, $70,304 in 2026: rules file 4.1, LC 515(a)) cannot be exempt: they
  are paid as non-exempt, and the explanation says why.
* Non-exempt salaried: the salary pays the straight time of the workweek; overtime is paid on top at
  1.5 x (double time 2 x) the regular rate = weekly salary / 40 (California LC 515(d)(1): "1/40th of the
  employee's weekly salary"; federally a fixed salary for a 40-hour week, 29 CFR 778.113(a); the
  fluctuating-workweek method of 778.114 is not modelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .hours import DayHours, WeekHours
from .model import Pay
from .money import ZERO, fmt_money, fmt_num, to_cents
from .rules import WageRules, exempt_salary_floor

PERIODS_PER_YEAR = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}
WEEKS_PER_YEAR = Decimal(52)
SALARY_WEEK_HOURS = Decimal(40)


@dataclass(frozen=True, slots=True)
class SalaryTerms:
    annual: Decimal
    frequency: str
    exempt: bool  # as paid: False when called exempt below the floor
    floor: Decimal
    floor_source: str
    minimum_wage: Decimal

    @property
    def periods(self) -> int:
        return PERIODS_PER_YEAR[self.frequency]

    @property
    def period_amount(self) -> Decimal:
        return to_cents(self.annual / self.periods)

    @property
    def weekly(self) -> Decimal:
        return self.annual / WEEKS_PER_YEAR

    @property
    def regular_rate(self) -> Decimal:
        """Weekly salary / 40, never below the minimum wage (overtime is owed on at least that)."""
        return max(self.weekly / SALARY_WEEK_HOURS, self.minimum_wage)

    def notes(self, claimed_exempt: bool, state: str) -> list[str]:
        out = [f"Salary {fmt_money(self.annual)} a year / {self.periods} {self.frequency} pay periods = "
               f"{fmt_money(self.period_amount)} this period"]
        if self.exempt:
            out.append(f"Exempt (29 CFR 541): no overtime; salary {fmt_money(self.annual)} is at least the exempt "
                       f"salary floor {fmt_money(self.floor)} ({self.floor_source})")
            return out
        if claimed_exempt:
            out.append(f"Called exempt, but the salary {fmt_money(self.annual)} is below the {state} exempt salary "
                       f"floor {fmt_money(self.floor)} ({self.floor_source}): paid as non-exempt, overtime due")
        rate = self.weekly / SALARY_WEEK_HOURS
        out.append(f"Non-exempt salaried: the salary pays the straight time of each workweek; regular rate = weekly "
                   f"salary {fmt_num(self.weekly)} / 40 = {fmt_num(rate)} (LC 515(d); 29 CFR 778.113(a)); "
                   "overtime 1.5x and double time 2x of it on top")
        if rate < self.minimum_wage:
            out.append(f"weekly salary / 40 = {fmt_num(rate)} is below the minimum wage {fmt_num(self.minimum_wage)}: "
                       f"overtime is paid on {fmt_num(self.minimum_wage)}")
        return out


def salary_terms(pay: Pay, frequency: str, state: str, on: date, rules: WageRules) -> SalaryTerms:
    assert pay.type == "salary" and pay.annual_salary is not None
    floor, source = exempt_salary_floor(state, on)
    exempt = pay.exempt and pay.annual_salary >= floor
    return SalaryTerms(pay.annual_salary, frequency, exempt, floor, source, rules.minimum_wage)


def all_regular(daily: tuple[Decimal, ...]) -> WeekHours:
    """An exempt employee's workweek: every hour counted, none overtime."""
    return WeekHours(tuple(DayHours(h, h, ZERO, ZERO, ZERO) for h in daily))
