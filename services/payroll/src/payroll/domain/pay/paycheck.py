"""One paycheck: the pay engine's earnings, the tax service's taxes, the withholding order, the net pay (pure).

`Paycheck.to_dict()` is the preview response of issue 11: hours, regular_rate, earnings[], cash_wages,
reported_tips, tip_credit_top_up, gross_wages, employee_taxes (what is withheld), employer_taxes,
uncollected (W-2 box 12 A/B), net_pay, explanation[]; and, beyond the contract, pay_date, deductions
(totals and per line), taxes_not_withheld, taxable_wages, tax_rules_version, workweeks and rules.

Net pay = cash wages - employee taxes withheld - pre-tax deductions - post-tax deductions taken. Reported
tips are wages for every tax (rules file 5.4) but the customers paid them to the employee in cash: they are
in gross wages, not in the check. Post-tax deductions (garnishment, loan; deductions.py) lower nothing but
the net pay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .deductions import PosttaxTaken, total_taken
from .money import ZERO, fmt_money
from .result import PayResult
from .taxes import EMPLOYEE_TAXES, EMPLOYER_TAXES, TAXABLE_WAGES, TaxFacts, Withholding
from .withholding_order import WithholdingOrder

LABELS = {"federal_income_tax": "federal income tax", "social_security": "social security", "medicare": "Medicare",
          "additional_medicare": "Additional Medicare", "state_income_tax": "state income tax",
          "state_disability": "state disability insurance", "state_unemployment": "state unemployment (employee)",
          "local_income_tax": "local income tax"}


# What the tax service's rules (services/tax rules data, rules file 1.1 line 1a, 4.2, 4.3, 5.4) exclude each
# pre-tax type from, for the explanation only: the amounts come from the tax service.
PRETAX_TREATMENT = {
    "401k": "lowers federal and California income tax wages only: still wages for social security, Medicare, "
            "FUTA, SDI, PA income tax and Philadelphia wage tax",
    "403b": "lowers federal and California income tax wages only: still wages for social security, Medicare, "
            "FUTA, SDI, PA income tax and Philadelphia wage tax",
    "section_125": "lowers federal income tax, social security, Medicare, FUTA, state and local wages",
    "hsa": "lowers federal income tax, social security, Medicare, FUTA, SDI, PA and local wages; not California "
           "income tax wages (California does not follow IRC 223)",
}


def _line(line: str, text: str, amount: Decimal | str | None) -> dict[str, Any]:
    shown = fmt_money(amount) if isinstance(amount, Decimal) else (amount or None)
    return {"line": line, "text": text, "amount": shown}


@dataclass(frozen=True, slots=True)
class Paycheck:
    pay: PayResult
    facts: TaxFacts
    taxes: Withholding  # on wages + tips
    order: WithholdingOrder
    posttax: tuple[PosttaxTaken, ...] = field(default=())  # take_posttax(net_before_posttax, ...)

    @property
    def deductions(self) -> Decimal:
        """Pre-tax deductions (the name predates post-tax ones)."""
        return self.facts.pretax_total

    @property
    def posttax_total(self) -> Decimal:
        return total_taken(self.posttax)

    @property
    def net_before_posttax(self) -> Decimal:
        return self.pay.cash_wages - self.order.total_withheld - self.deductions

    @property
    def net_pay(self) -> Decimal:
        return self.net_before_posttax - self.posttax_total

    def to_dict(self) -> dict[str, Any]:
        pay = self.pay.to_dict()
        order = self.order
        return {
            "pay_date": self.facts.pay_date,
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
            "deductions": {
                "pretax": fmt_money(self.deductions), "posttax": fmt_money(self.posttax_total),
                "pretax_lines": [{"type": d.type, "amount": fmt_money(d.amount)}
                                 | ({"percent": str(d.percent)} if d.percent is not None else {})
                                 for d in self.facts.pretax_deductions],
                "posttax_lines": [{"type": t.type, "amount": fmt_money(t.ordered), "taken": fmt_money(t.taken)}
                                  for t in sorted(self.posttax, key=lambda t: t.index)],
            },
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
            share = f" ({d.percent}% of the cash wages {fmt_money(cash)})" if d.percent is not None else ""
            out.append(_line(f"pretax_deductions[{i}]", f"Pre-tax deduction {d.type}{share}: taken from the cash "
                             f"wages before taxes; {PRETAX_TREATMENT.get(d.type, 'its per-tax treatment is the tax service')}",
                             d.amount))
        if facts.pretax_deductions:
            wages = self.taxes.taxable_wages
            out.append(_line("taxable_wages", "Taxable wages per tax after pre-tax deductions (tax service): "
                             + ", ".join(f"{t.replace('_', ' ')} {fmt_money(wages[t])}" for t in wages), None))
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
        for t in sorted(self.posttax, key=lambda t: t.index):
            text = (f"Post-tax deduction {t.type}: taken from the net pay after taxes; it lowers no tax's wages"
                    + (" (a garnishment comes before loans)" if t.type == "garnishment" else ""))
            if t.short:
                text += (f"; ordered {fmt_money(t.ordered)}, only {fmt_money(t.taken)} left in the net pay: "
                         f"{fmt_money(t.short)} not taken")
            out.append(_line(f"posttax_deductions[{t.index}]", text, t.taken))
        posttax = f" - post-tax deductions {fmt_money(self.posttax_total)}" if self.posttax else ""
        out.append(_line("net_pay", f"Net pay = cash wages {fmt_money(cash)} - employee taxes withheld "
                                    f"{fmt_money(order.total_withheld)} - pre-tax deductions "
                                    f"{fmt_money(self.deductions)}{posttax}; "
                                    f"reported tips {fmt_money(self.pay.reported_tips)} are wages for taxes but "
                                    "customers already paid them in cash, so they are not in the check",
                         self.net_pay))
        return out
