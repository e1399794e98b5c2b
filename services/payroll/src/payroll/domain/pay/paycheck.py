"""One paycheck: the pay engine's earnings, the tax service's taxes, the withholding order, the net pay (pure).

`Paycheck.to_dict()` is the preview response of issue 11: hours, regular_rate, earnings[], cash_wages,
reported_tips, tip_credit_top_up, gross_wages, employee_taxes (what is withheld), employer_taxes,
uncollected (W-2 box 12 A/B), net_pay, explanation[]; and, beyond the contract, deductions,
taxes_not_withheld, taxable_wages, tax_rules_version, workweeks and rules.

Net pay = cash wages - employee taxes withheld - deductions. Reported tips are wages for every tax (rules
file 5.4) but the customers paid them to the employee in cash: they are in gross wages, not in the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .money import ZERO, fmt_money
from .result import PayResult
from .taxes import EMPLOYEE_TAXES, EMPLOYER_TAXES, TAXABLE_WAGES, TaxFacts, Withholding
from .withholding_order import WithholdingOrder

LABELS = {"federal_income_tax": "federal income tax", "social_security": "social security", "medicare": "Medicare",
          "additional_medicare": "Additional Medicare", "state_income_tax": "state income tax",
          "state_disability": "state disability insurance", "state_unemployment": "state unemployment (employee)",
          "local_income_tax": "local income tax"}


def _line(line: str, text: str, amount: Decimal | str | None) -> dict[str, Any]:
    shown = fmt_money(amount) if isinstance(amount, Decimal) else (amount or None)
    return {"line": line, "text": text, "amount": shown}


@dataclass(frozen=True, slots=True)
class Paycheck:
    pay: PayResult
    facts: TaxFacts
    taxes: Withholding  # on wages + tips
    order: WithholdingOrder

    @property
    def deductions(self) -> Decimal:
        return self.facts.pretax_total

    @property
    def net_pay(self) -> Decimal:
        return self.pay.cash_wages - self.order.total_withheld - self.deductions

    def to_dict(self) -> dict[str, Any]:
        pay = self.pay.to_dict()
        order = self.order
        return {
            "hours": pay["hours"],
            "regular_rate": pay["regular_rate"],
            "earnings": pay["earnings"],
            "cash_wages": pay["cash_wages"],
            "reported_tips": pay["reported_tips"],
            "tip_credit_top_up": pay["tip_credit_top_up"],
            "gross_wages": pay["gross_wages"],
            "employee_taxes": {t: fmt_money(order.withheld[t]) for t in EMPLOYEE_TAXES},
            "employer_taxes": {t: fmt_money(self.taxes.employer[t]) for t in EMPLOYER_TAXES},
            "uncollected": {"social_security": fmt_money(order.uncollected_social_security),
                            "medicare": fmt_money(order.uncollected_medicare)},
            "net_pay": fmt_money(self.net_pay),
            "explanation": pay["explanation"] + self.explain(),
            "deductions": {"pretax": fmt_money(self.deductions)},
            "taxes_not_withheld": {t: fmt_money(order.not_withheld[t]) for t in EMPLOYEE_TAXES},
            "taxable_wages": {t: fmt_money(self.taxes.taxable_wages[t]) for t in TAXABLE_WAGES},
            "tax_rules_version": self.taxes.rules_version,
            "workweeks": pay["workweeks"],
            "rules": pay["rules"],
        }

    def explain(self) -> list[dict[str, Any]]:
        facts, order, cash = self.facts, self.order, self.pay.cash_wages
        out = []
        for i, d in enumerate(facts.pretax_deductions):
            out.append(_line(f"pretax_deductions[{i}]", f"Pre-tax deduction {d.type}: taken from the cash wages; "
                             "which taxes it lowers is the tax service's per-tax rule (401(k): income taxes only, "
                             "section 125 and HSA: also FICA)", d.amount))
        if facts.state_defaulted:
            out.append(_line("state", "No DE 4 on file: California income tax withheld as the EDD default, "
                                      "single with zero allowances", None))
        out += [_line(f"taxes.{x.tax}.{x.line}", x.text, x.amount) for x in self.taxes.explanation]
        out.append(_line("withholding.available", f"Cash to withhold from = cash wages {fmt_money(cash)} - pre-tax "
                                                  f"deductions {fmt_money(self.deductions)}", order.available))
        if not order.short:
            out.append(_line("withholding.order", "The cash covers every employee tax on wages and tips: all "
                                                  "withheld in full", order.total_withheld))
        else:
            out.append(_line("withholding.order", "The cash does not cover every employee tax on wages + tips: "
                             "withheld in the IRS order (Tax Topic 761; 26 CFR 31.3102-3, 31.3402(k)-1): taxes on "
                             "wages, then social security and Medicare on tips, then income taxes on tips",
                             order.total_withheld))
            for s in order.steps:
                out.append(_line(f"withholding.{s.part}.{s.tax}",
                                 f"{LABELS[s.tax]} on {s.part}: due {fmt_money(s.due)}, withheld "
                                 f"{fmt_money(s.withheld)}, cash left {fmt_money(s.cash_left)}", s.withheld))
        for t in EMPLOYEE_TAXES:
            out.append(_line(f"employee_taxes.{t}", f"{LABELS[t]} withheld (due {fmt_money(order.due[t])})",
                             order.withheld[t]))
        if order.uncollected_social_security:
            out.append(_line("uncollected.social_security", "Social security on tips not withheld: cash wages ran "
                             "out (W-2 box 12 code A); the employer's share is owed in full",
                             order.uncollected_social_security))
        if order.uncollected_medicare:
            out.append(_line("uncollected.medicare", "Medicare (and Additional Medicare) on tips not withheld: "
                             "cash wages ran out (W-2 box 12 code B); the employer's share is owed in full",
                             order.uncollected_medicare))
        income_short = sum((order.not_withheld[t] for t in EMPLOYEE_TAXES
                            if t not in ("social_security", "medicare", "additional_medicare")), ZERO)
        if income_short:
            out.append(_line("taxes_not_withheld", "Income and state taxes on tips not withheld (cash ran out): the "
                             "employee owes them with the return, or a later paycheck collects them", income_short))
        out.append(_line("net_pay", f"Net pay = cash wages {fmt_money(cash)} - employee taxes withheld "
                                    f"{fmt_money(order.total_withheld)} - deductions {fmt_money(self.deductions)}; "
                                    f"reported tips {fmt_money(self.pay.reported_tips)} are wages for taxes but "
                                    "customers already paid them in cash, so they are not in the check",
                         self.net_pay))
        return out
