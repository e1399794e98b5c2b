"""What a paycheck can actually withhold when its cash does not cover the taxes on wages plus tips (pure).

A tipped employee's reported tips are wages for every tax (rules file 5.4) but were received in cash from
customers: the employer can take the taxes on them only from the cash it pays ("wages (exclusive of tips)
which are under the control of the employer", 26 CFR 31.3102-3(a)(1) for the employee's social security
and Medicare tax, 26 CFR 31.3402(k)-1(a)(1) for income tax) or from funds the employee hands over. When
that is not enough, the IRS order is (Tax Topic 761, "Tips - Withholding and Reporting"): "First, withhold
all taxes due on regular wages. Second, withhold social security and Medicare taxes due on reported tips.
Finally withhold any federal, state or local income taxes on reported tips." (2008 text, copy at
https://www.unclefed.com/Tax-Help/irs-tt/tc761.html.) Pub 15 section 6 "Tips" (2002 ed., copy at
https://unclefed.com/TaxHelpArchives/2002/HTML/p15-3.html) lists the same order when "there are not enough
funds available": "Withhold on regular wages and other compensation. Withhold social security and Medicare
taxes on tips." and then income tax on tips. The current Topic 761 (irs.gov/taxtopics/tc761, as quoted by
practitioners; not re-read here) splits the first step: social security and Medicare on wages, federal
income tax on wages, state and local taxes on wages. The 2026 wording was not re-read (rules file 2, 8).

So, from the cash left after pre-tax deductions, in this order, each tax as far as the cash goes:

  1. social security, Medicare, Additional Medicare on wages      (Topic 761 step 1)
  2. federal income tax on wages                                    (step 2)
  3. state income tax, state disability, state unemployment, local income tax on wages   (step 3)
  4. social security, Medicare, Additional Medicare on tips          (step 4)
  5. federal income tax on tips                                      (step 5)
  6. state and local taxes on tips                                   ("federal, state or local income taxes
                                                                      on reported tips" come last)

"On wages" is what the tax service computes for the wages alone; "on tips" is the rest of the tax on
wages + tips. What social security and Medicare could not be withheld is `uncollected`: W-2 box 12 codes
A and B (26 CFR 31.6053-2 statements of uncollected employee tax on tips); the employer still owes its own
share in full. Code B here includes uncollected Additional Medicare tax, as the General Instructions for
Forms W-2 and W-3 say for code B [from memory of those instructions: not re-read for 2026].
Income taxes not withheld are not reported anywhere on the W-2; the employee owes them with the return
(Pub 531), and the employer may collect them from a later paycheck in the year.

Not settled by these sources (rules file section 8): where state disability and state unemployment
contributions on tips fall. They are placed with the state and local taxes on tips, last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO
from .taxes import EMPLOYEE_TAXES

FICA = ("social_security", "medicare", "additional_medicare")
STATE_AND_LOCAL = ("state_income_tax", "state_disability", "state_unemployment", "local_income_tax")

ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wages", FICA),
    ("wages", ("federal_income_tax",)),
    ("wages", STATE_AND_LOCAL),
    ("tips", FICA),
    ("tips", ("federal_income_tax",)),
    ("tips", STATE_AND_LOCAL),
)


@dataclass(frozen=True, slots=True)
class Step:
    """One tax on one part of the pay: how much was due and how much the cash left covered."""

    part: str  # "wages" or "tips"
    tax: str
    due: Decimal
    withheld: Decimal
    cash_left: Decimal  # after this step


@dataclass(frozen=True, slots=True)
class WithholdingOrder:
    available: Decimal  # cash the taxes may come out of (cash wages - pre-tax deductions)
    due: Mapping[str, Decimal]  # per tax, on wages + tips
    withheld: Mapping[str, Decimal]
    not_withheld: Mapping[str, Decimal]
    steps: tuple[Step, ...]

    @property
    def total_withheld(self) -> Decimal:
        return sum(self.withheld.values(), ZERO)

    @property
    def short(self) -> bool:
        return any(self.not_withheld.values())

    @property
    def uncollected_social_security(self) -> Decimal:
        """W-2 box 12 code A."""
        return self.not_withheld["social_security"]

    @property
    def uncollected_medicare(self) -> Decimal:
        """W-2 box 12 code B: Medicare and Additional Medicare tax not withheld."""
        return self.not_withheld["medicare"] + self.not_withheld["additional_medicare"]


def withhold_in_order(available: Decimal, due_on_wages: Mapping[str, Decimal],
                      due_in_total: Mapping[str, Decimal]) -> WithholdingOrder:
    """Withhold each employee tax in the legal order as far as `available` goes.

    `due_on_wages`: each tax on the wages alone; `due_in_total`: on wages + tips (the same when there
    are no tips). Amounts are in cents already; nothing here rounds."""
    if available < 0:
        raise ValueError("available cash cannot be negative")
    cash = available
    withheld = dict.fromkeys(EMPLOYEE_TAXES, ZERO)
    steps: list[Step] = []
    for part, taxes in ORDER:
        for tax in taxes:
            total = due_in_total[tax]
            on_wages = min(due_on_wages[tax], total)  # a tax never falls when tips are added
            due = on_wages if part == "wages" else total - on_wages
            if due <= 0:
                continue
            take = min(due, cash)
            cash -= take
            withheld[tax] += take
            steps.append(Step(part, tax, due, take, cash))
    not_withheld = {tax: due_in_total[tax] - withheld[tax] for tax in EMPLOYEE_TAXES}
    return WithholdingOrder(available, {t: due_in_total[t] for t in EMPLOYEE_TAXES}, withheld, not_withheld,
                            tuple(steps))
