"""The straight-time, overtime and double-time cash rates of a pay type under a state's wage floor.

Hourly: the rate, raised to the minimum wage if below it. Tipped (29 U.S.C. 203(m)(2), 29 CFR 531.60):
the employer pays a cash wage and claims a tip credit of at most `max_tip_credit`, so that
cash wage + tip credit = the minimum wage; a cash wage below `minimum_wage - max_tip_credit` is raised to
it (in California the credit is 0, so a tipped employee's cash wage is at least the full minimum wage).
The regular rate is cash wage + tip credit (the full minimum wage), overtime is 1.5x that rate less the
same tip credit: 1.5 x 7.25 - 5.12 = 5.755 per overtime hour in cash (rules file 5.3; the rate is kept
exact and only the line amount is rounded, section 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .model import Pay
from .money import ZERO, fmt_num
from .rules import WageRules

OT_MULTIPLIER = Decimal("1.5")
DT_MULTIPLIER = Decimal(2)


@dataclass(frozen=True, slots=True)
class BaseRates:
    straight: Decimal  # cash paid per straight-time hour
    tip_credit: Decimal  # tip credit claimed per hour (0 for hourly pay)
    notes: tuple[str, ...]

    @property
    def regular_rate(self) -> Decimal:
        """The regular rate before bonuses: cash wage + tip credit (29 CFR 531.60)."""
        return self.straight + self.tip_credit

    @property
    def overtime(self) -> Decimal:
        return OT_MULTIPLIER * self.regular_rate - self.tip_credit

    @property
    def double_time(self) -> Decimal:
        return DT_MULTIPLIER * self.regular_rate - self.tip_credit


def base_rates(pay: Pay, rules: WageRules, path: str = "pay") -> BaseRates:
    mw = rules.minimum_wage
    if pay.type == "hourly":
        assert pay.rate is not None
        if pay.rate < mw:
            return BaseRates(mw, ZERO, (f"{path}.rate {fmt_num(pay.rate)} is below the {rules.jurisdiction} minimum wage "
                                        f"{fmt_num(mw)} in force on {rules.on.isoformat()}: paid at {fmt_num(mw)}",))
        return BaseRates(pay.rate, ZERO, ())
    assert pay.cash_wage_rate is not None
    cash = pay.cash_wage_rate
    notes: list[str] = []
    if rules.max_tip_credit == 0 and cash < mw:
        notes.append(f"{rules.jurisdiction} allows no tip credit: {path}.cash_wage_rate {fmt_num(cash)} raised to the minimum "
                     f"wage {fmt_num(mw)}")
        cash = mw
    elif cash < rules.min_cash_wage:
        notes.append(f"{path}.cash_wage_rate {fmt_num(cash)} is below the least tipped cash wage {fmt_num(rules.min_cash_wage)} "
                     f"({fmt_num(mw)} minimum wage - {fmt_num(rules.max_tip_credit)} maximum tip credit): raised to it")
        cash = rules.min_cash_wage
    credit = max(ZERO, mw - cash)
    if credit:
        notes.append(f"tip credit {fmt_num(credit)} per hour = minimum wage {fmt_num(mw)} - cash wage {fmt_num(cash)} "
                     f"(at most {fmt_num(rules.max_tip_credit)}); regular rate = {fmt_num(cash + credit)} "
                     f"(29 CFR 531.60); overtime cash rate = 1.5 x {fmt_num(cash + credit)} - {fmt_num(credit)} = "
                     f"{fmt_num(OT_MULTIPLIER * (cash + credit) - credit)}")
    else:
        notes.append(f"cash wage {fmt_num(cash)} is at least the minimum wage {fmt_num(mw)}: no tip credit taken")
    return BaseRates(cash, credit, tuple(notes))
