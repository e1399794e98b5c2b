"""Minimum wages and tip-credit limits as effective-dated data, each row with its source.

Status markers as in ../shared/reference/payroll-tax-rules-2026.md: [C] confirmed, [S] single source,
[X] not confirmed (from general knowledge, outside the rules file). `effective_to` is inclusive; None
means open-ended. A date no row covers is refused (see `wage_rules_for`), never guessed.

Keys:
  minimum_wage     the hourly minimum wage
  min_cash_wage    the least cash wage a tipped employee may be paid (minimum_wage - max_tip_credit)
  max_tip_credit   the most tip credit per hour an employer may claim (0: no tip credit in this state)
  exempt_salary_floor  the least annual salary of an exempt (executive, administrative, professional)
                   employee; paid less, a salaried employee is non-exempt (overtime due). See salary.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class WageRow:
    jurisdiction: str
    key: str
    effective_from: date
    effective_to: date | None
    value: Decimal
    source: str


def _row(jurisdiction: str, key: str, start: str, end: str | None, value: str, source: str) -> WageRow:
    return WageRow(jurisdiction, key, date.fromisoformat(start), date.fromisoformat(end) if end else None,
                   Decimal(value), source)


FLSA_MW = "FLSA-206: 29 U.S.C. 206(a)(1)(C), $7.25 from 2009-07-24 [C]"
FLSA_TIP = "FLSA-203m / DOL-FS15: cash wage >= $2.13, max tip credit $5.12 = $7.25 - $2.13 [C]"
PA_TIP = "PA-TIPPED: PA Minimum Wage Act, tipped cash wage $2.83, max tip credit $4.42 [S: secondary source, rules file 4.2/5.3]"
CA_NO_TIP_CREDIT = "CA-LC-351: no tip credit against the minimum wage in California [C]"

WAGE_ROWS: tuple[WageRow, ...] = (
    # Federal (applies wherever the state has no rule of its own, and as the floor everywhere).
    _row("US", "minimum_wage", "2009-07-24", None, "7.25", FLSA_MW),
    _row("US", "min_cash_wage", "2009-07-24", None, "2.13", FLSA_TIP),
    _row("US", "max_tip_credit", "2009-07-24", None, "5.12", FLSA_TIP),
    # California. 2026 is the rules file's figure; earlier years are from general knowledge [X].
    _row("CA", "minimum_wage", "2024-01-01", "2024-12-31", "16.00",
         "CA DIR: state minimum wage 2024 $16.00 [X: not in the rules file, from general knowledge]"),
    _row("CA", "minimum_wage", "2025-01-01", "2025-12-31", "16.50",
         "CA DIR: state minimum wage 2025 $16.50 [X: not in the rules file, from general knowledge]"),
    _row("CA", "minimum_wage", "2026-01-01", "2026-12-31", "16.90",
         "CA-DIR-MW-2026: DIR release 2025-118, $16.90/h from 2026-01-01 [C]; 2027 figure not loaded"),
    _row("CA", "max_tip_credit", "2024-01-01", None, "0", CA_NO_TIP_CREDIT),
    # Pennsylvania: minimum wage $7.25 [C, rules file 4.2], tip credit [S].
    _row("PA", "minimum_wage", "2009-07-24", None, "7.25", "PA Minimum Wage Act: $7.25 (rules file 4.2) [C]"),
    _row("PA", "min_cash_wage", "2009-07-24", None, "2.83", PA_TIP),
    _row("PA", "max_tip_credit", "2009-07-24", None, "4.42", PA_TIP),
    # Texas adopts the federal minimum wage and tip credit by reference (Tex. Lab. Code 62.051, 62.052).
    _row("TX", "minimum_wage", "2009-07-24", None, "7.25",
         "Tex. Lab. Code 62.051: the federal minimum wage [X: not in the rules file, from general knowledge]"),
    _row("TX", "min_cash_wage", "2009-07-24", None, "2.13",
         "Tex. Lab. Code 62.052: tip credit as under the FLSA [X: not in the rules file, from general knowledge]"),
    _row("TX", "max_tip_credit", "2009-07-24", None, "5.12",
         "Tex. Lab. Code 62.052: tip credit as under the FLSA [X: not in the rules file, from general knowledge]"),
    # Tennessee has no minimum-wage law of its own: the federal rows apply (no TN rows on purpose).
    # Exempt salary floors (annual). The federal one is not in the rules file: 29 CFR 541.600, $684 a week
    # since 2020-01-01 (the 2024 increase was vacated, Texas v. DOL, E.D. Tex. 2024) [X: general knowledge].
    _row("US", "exempt_salary_floor", "2020-01-01", None, "35568.00",
         "29 CFR 541.600: $684/week = $35,568/year [X: not in the rules file, from general knowledge]"),
    # California: twice the state minimum wage for 2,080 hours (LC 515(a)); 2026 is the rules file's figure.
    _row("CA", "exempt_salary_floor", "2024-01-01", "2024-12-31", "66560.00",
         "LC 515(a): 2 x $16.00 x 2,080 [X: not in the rules file, derived from the 2024 minimum wage]"),
    _row("CA", "exempt_salary_floor", "2025-01-01", "2025-12-31", "68640.00",
         "LC 515(a): 2 x $16.50 x 2,080 [X: not in the rules file, derived from the 2025 minimum wage]"),
    _row("CA", "exempt_salary_floor", "2026-01-01", "2026-12-31", "70304.00",
         "CA-DIR-MW-2026: exempt salary floor $70,304 (DIR release 2025-118) [C]"),
)
