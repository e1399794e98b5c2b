"""The tax half of a paycheck: what the tax service is asked, and what it answers (pure).

The preview request (issue 11) carries the facts the tax service needs beside the pay engine's own:
`pay_frequency`, `pretax_deductions`, `ytd`, `federal`, `state`, `locality`, `employer` and `employee_id`,
spelled exactly as in the tax service's withholding request. Their meaning is the tax service's to judge
(its errors name the same fields); this module checks only their shape, so that every value can travel
in the gRPC message: a text where the message has a string, true/false where it has a bool, a whole
number where it has an int32, and no unknown key (a protobuf message would drop it silently).

    facts = TaxFacts.from_dict(payload, request)          # PayInputError naming the field
    facts.withholding_request(cash_wages, reported_tips)  # the tax service's request, as its JSON
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from . import validation as v
from .deductions import amount_or_percent, percent_of
from .errors import PayInputError
from .model import MAX_WORKWEEKS, PayRequest
from .money import ZERO, fmt_money

EMPLOYEE_TAXES = ("federal_income_tax", "social_security", "medicare", "additional_medicare", "state_income_tax",
                  "state_disability", "state_unemployment", "local_income_tax")
EMPLOYER_TAXES = ("social_security", "medicare", "futa", "suta")
TAXABLE_WAGES = ("federal_income_tax", "social_security", "medicare", "state", "local", "futa", "suta")

FREQUENCIES = ("weekly", "biweekly", "semimonthly", "monthly")
# "One workweek per week of the pay period" (issue 11): weekly and biweekly periods are whole weeks; a
# semimonthly period of 16 days can touch 4 fixed workweeks (1 + 7 + 7 + 1 days), a month 6.
MOST_WORKWEEKS = {"weekly": 1, "biweekly": 2, "semimonthly": 4, "monthly": MAX_WORKWEEKS}

PAY_KEYS = ("pay_date", "work_state", "pay", "jobs", "workweeks", "reported_tips", "bonuses", "policy")
TAX_KEYS = ("pay_frequency", "pretax_deductions", "ytd", "federal", "state", "locality", "employer", "employee_id")
NET_KEYS = ("posttax_deductions",)  # after taxes: never sent to the tax service (deductions.py)

# What an employee without a DE 4 on file is withheld as (EDD: single, zero allowances; issue 11).
EDD_DEFAULT_DE4 = {"filing_status": "single", "regular_allowances": 0}

TEXT, AMOUNT, FLAG, COUNT = "text", "amount", "flag", "count"
INT32_MAX = 2**31 - 1

# The objects passed on to the tax service, field by field, with the wire type of each field
# (protos/auraconnect/tax/v1/payroll_tax.proto).
SHAPES: dict[str, dict[str, str]] = {
    "ytd": {k: AMOUNT for k in ("wages", "ss_wages", "medicare_wages", "futa_wages", "suta_wages", "state_wages",
                                "supplemental_wages", "ss_tax")},
    "federal": {"form_version": TEXT, "filing_status": TEXT, "multiple_jobs": FLAG, "dependents_amount": AMOUNT,
                "other_income": AMOUNT, "deductions": AMOUNT, "extra_withholding": AMOUNT, "allowances": COUNT,
                "exempt": FLAG},
    "state": {"filing_status": TEXT, "regular_allowances": COUNT, "estimated_deduction_allowances": COUNT,
              "extra_withholding": AMOUNT},
    "locality": {"code": TEXT, "resident": FLAG},
    "employer": {"suta_rate": AMOUNT, "suta_wage_base": AMOUNT, "round_federal_to_whole_dollars": FLAG},
}


def _value(kind: str, value: Any, field: str) -> Any:
    """The value as the gRPC message carries it; a wrong type is refused naming the field."""
    if kind == TEXT:
        if not isinstance(value, str):
            raise PayInputError(field, "must be a string")
        return value
    if kind == FLAG:
        if not isinstance(value, bool):
            raise PayInputError(field, "must be true or false")
        return value
    if kind == COUNT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PayInputError(field, "must be a whole number")
        if not -INT32_MAX <= value <= INT32_MAX:
            raise PayInputError(field, "is out of range")
        return value
    # AMOUNT: a decimal string (an integer is accepted as its text); its value is the tax service's to judge.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayInputError(field, 'must be a decimal string such as "0.00"')
    return str(value)


def _object(raw: Any, path: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    shape = SHAPES[path]
    raw = v.obj(raw, path)
    v.check_keys(raw, shape, path)
    return {k: _value(shape[k], x, v.join(path, k)) for k, x in raw.items() if x is not None}


@dataclass(frozen=True, slots=True)
class PretaxDeduction:
    type: str
    amount: Decimal
    percent: Decimal | None = None  # of the cash wages; `amount` is 0 until TaxFacts.resolved()


@dataclass(frozen=True, slots=True)
class TaxFacts:
    """The request's tax facts, shape-checked. `state_defaulted`: California without a DE 4 on file."""

    pay_date: str
    work_state: str
    pay_frequency: str
    pretax_deductions: tuple[PretaxDeduction, ...]
    forms: Mapping[str, Any]  # ytd, federal, state, locality, employer, employee_id as given (None left out)
    state_defaulted: bool = False

    @property
    def pretax_total(self) -> Decimal:
        return sum((d.amount for d in self.pretax_deductions), ZERO)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], request: PayRequest) -> TaxFacts:
        raw = v.obj(raw, "")
        v.check_keys(raw, (*PAY_KEYS, *TAX_KEYS, *NET_KEYS), "")
        frequency = v.choice(raw, "pay_frequency", "", FREQUENCIES)
        if len(request.workweeks) > MOST_WORKWEEKS[frequency]:
            raise PayInputError("workweeks", f"a {frequency} pay period has at most {MOST_WORKWEEKS[frequency]} "
                                             f"workweek(s), got {len(request.workweeks)} (one per week of the period)")
        deductions: list[PretaxDeduction] = []
        if raw.get("pretax_deductions") is not None:
            for i, item in enumerate(v.array(raw["pretax_deductions"], "pretax_deductions")):
                path = f"pretax_deductions[{i}]"
                item = v.obj(item, path)
                v.check_keys(item, ("type", "amount", "percent"), path)
                kind = item.get("type")
                if kind is None:
                    raise PayInputError(v.join(path, "type"), "is required")
                deductions.append(PretaxDeduction(_value(TEXT, kind, v.join(path, "type")),
                                                  *amount_or_percent(item, path)))
        forms: dict[str, Any] = {}
        for key in SHAPES:
            value = _object(raw.get(key), key)
            if value is not None:
                forms[key] = value
        # A missing bool is false in the gRPC message: the tax service could not tell it was left out.
        if "locality" in forms and "resident" not in forms["locality"]:
            raise PayInputError("locality.resident", "is required (true or false)")
        if raw.get("employee_id") is not None:
            forms["employee_id"] = _value(TEXT, raw["employee_id"], "employee_id")
        defaulted = request.work_state == "CA" and "state" not in forms
        if defaulted:
            forms["state"] = dict(EDD_DEFAULT_DE4)
        return cls(request.pay_date.isoformat(), request.work_state, frequency, tuple(deductions), forms, defaulted)

    def resolved(self, cash_wages: Decimal) -> TaxFacts:
        """Pre-tax deductions given as a percent made amounts: that percent of the cash wages."""
        if all(d.percent is None for d in self.pretax_deductions):
            return self
        return replace(self, pretax_deductions=tuple(
            PretaxDeduction(d.type, percent_of(cash_wages, d.percent), d.percent) if d.percent is not None else d
            for d in self.pretax_deductions))

    def check_deductions(self, cash_wages: Decimal) -> None:
        """Pre-tax deductions come out of the cash the employer pays; they cannot exceed it."""
        if self.pretax_total > cash_wages:
            raise PayInputError("pretax_deductions", f"total {self.pretax_total} exceeds the cash wages "
                                                     f"{cash_wages} they are taken from")

    def withholding_request(self, wages: Decimal, tips: Decimal) -> dict[str, Any]:
        """The tax service's withholding request (its REST JSON; the gRPC message has the same fields)."""
        body: dict[str, Any] = {
            "pay_date": self.pay_date, "pay_frequency": self.pay_frequency, "payment_type": "regular",
            "wages": fmt_money(wages), "tips": fmt_money(tips), "work_state": self.work_state,
            "pretax_deductions": [{"type": d.type, "amount": fmt_money(d.amount)} for d in self.pretax_deductions],
        }
        body.update({k: dict(x) if isinstance(x, dict) else x for k, x in self.forms.items()})
        return body


# Field names of the tax service's request that the preview spells differently.
_RENAMED = {"tips": "reported_tips", "wages": "workweeks"}


def preview_field(tax_field: str | None) -> str | None:
    """A field the tax service named ("requests[1].federal.filing_status") in the preview's terms."""
    if not tax_field:
        return tax_field
    field = tax_field
    if field.startswith("requests["):
        field = field.partition("]")[2].removeprefix(".")
        if not field:
            return None  # the whole request: no field of ours to name
    head, dot, rest = field.partition(".")
    return _RENAMED.get(head, head) + dot + rest


# ---------------------------------------------------------------- the answer


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One worksheet line behind a tax amount, as the tax service explains it."""

    tax: str
    line: str
    text: str
    amount: str | None


@dataclass(frozen=True, slots=True)
class Withholding:
    """The tax service's answer for one employee-period: amounts due per tax (not yet limited by the cash
    the paycheck has; see withholding_order), the wages each was computed on, and the explanation."""

    employee: Mapping[str, Decimal]  # EMPLOYEE_TAXES
    employer: Mapping[str, Decimal]  # EMPLOYER_TAXES
    taxable_wages: Mapping[str, Decimal]  # TAXABLE_WAGES
    explanation: tuple[TaxLine, ...] = ()
    rules_version: str = ""
