"""Pay stubs (pure): one computed paycheck + who, where and when -> the stub a person reads.

    stub = build_stub(paycheck, employer=StubParty("Aura Bistro LLC", "1 Main St\\nPhiladelphia PA"),
                      employee=StubEmployee("Dana Cruz", ssn_last4="1234", employee_id="..."),
                      location=StubParty("Aura Bistro Center City"),
                      period_start=date(2026, 2, 23), period_end=date(2026, 3, 1),
                      ytd_before={"earnings.regular": Decimal("1200.00"), ...})
    stub.to_dict()            # JSON
    stub.current_amounts()    # {line key: this stub's amount}: sum these over earlier stubs for ytd_before

`paycheck` is a paycheck's JSON (`Paycheck.to_dict()`, the preview response, or the same JSON stored for
a finalized paycheck) or the `Paycheck` itself. Every money line carries this stub's amount and its
year-to-date (YTD = `ytd_before[key]` + this stub); line keys are stable strings such as
`earnings.regular`, `employee_taxes.social_security`, `employer_taxes.futa`, `pretax.401k`,
`posttax.garnishment`, `totals.net_pay`. Earnings of one kind at two rates are two lines: the kind's YTD
is shown on the last line of that kind (so the YTD column adds up).

The SSN is only ever shown masked (***-**-1234): the stub model never holds more than the last four digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from chassis.errors import InvalidInput

from payroll.domain.pay.paycheck import LABELS as TAX_LABELS

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")
EARNING_LABELS = {"salary": "Salary", "regular": "Regular", "overtime": "Overtime", "double_time": "Double time", "bonus": "Bonus",
                  "overtime_bonus_adjustment": "Overtime on bonus", "tip_credit_top_up": "Tip credit top-up",
                  "break_premium": "Meal/rest break premium"}
EMPLOYER_TAX_LABELS = {"social_security": "Social security (employer)", "medicare": "Medicare (employer)",
                       "futa": "Federal unemployment (FUTA)", "suta": "State unemployment (SUTA)"}
DEDUCTION_LABELS = {"401k": "401(k)", "403b": "403(b)", "section_125": "Section 125 plan", "hsa": "HSA",
                    "garnishment": "Garnishment", "loan": "Loan repayment"}
TOTAL_LABELS = {"cash_wages": "Cash wages", "reported_tips": "Reported tips (paid by customers)",
                "gross_wages": "Gross wages", "employee_taxes": "Employee taxes withheld",
                "pretax": "Pre-tax deductions", "posttax": "Post-tax deductions", "net_pay": "Net pay",
                "employer_taxes": "Employer taxes"}


def mask_ssn(last4: str | None) -> str | None:
    """***-**-1234 from the last four digits (a full SSN is cut to its last four first)."""
    if not last4:
        return None
    digits = "".join(c for c in str(last4) if c.isdigit())[-4:]
    if len(digits) != 4:
        raise InvalidInput("must end in four digits", field="employee.ssn_last4")
    return f"***-**-{digits}"


@dataclass(frozen=True, slots=True)
class StubParty:
    """An employer or a location: name and address (lines separated by newlines)."""

    name: str
    address: str = ""
    id: str = ""  # employer EIN or location id, shown as given

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address, "id": self.id}


@dataclass(frozen=True, slots=True)
class StubEmployee:
    name: str
    ssn_last4: str | None = None  # never the full SSN: the stub shows ***-**-1234
    employee_id: str = ""
    address: str = ""

    def __post_init__(self) -> None:
        mask_ssn(self.ssn_last4)  # refused here, not when the stub is drawn

    @property
    def ssn_masked(self) -> str | None:
        return mask_ssn(self.ssn_last4)

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "ssn": self.ssn_masked, "employee_id": self.employee_id, "address": self.address}


@dataclass(frozen=True, slots=True)
class StubLine:
    key: str  # stable: the YTD key
    label: str
    current: Decimal
    ytd: Decimal | None  # None: shown on another line of the same key
    hours: Decimal | None = None
    rate: Decimal | None = None
    text: str = ""  # the rule behind the line

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "hours": _num(self.hours), "rate": _num(self.rate),
                "current": str(self.current), "ytd": None if self.ytd is None else str(self.ytd), "text": self.text}


@dataclass(frozen=True, slots=True)
class PayStub:
    employer: StubParty
    employee: StubEmployee
    location: StubParty
    pay_date: date
    period_start: date | None
    period_end: date | None
    earnings: tuple[StubLine, ...]
    employee_taxes: tuple[StubLine, ...]
    employer_taxes: tuple[StubLine, ...]
    pretax_deductions: tuple[StubLine, ...]
    posttax_deductions: tuple[StubLine, ...]
    totals: Mapping[str, StubLine]  # TOTAL_LABELS keys
    uncollected: Mapping[str, Decimal]  # social_security, medicare (W-2 box 12 A/B)
    hours: Mapping[str, str]
    regular_rate: str
    explanation: tuple[Mapping[str, Any], ...] = ()
    paycheck_id: str = ""
    preview: bool = False  # a preview stub: nothing was paid
    notes: tuple[str, ...] = field(default=())

    @property
    def net_pay(self) -> Decimal:
        return self.totals["net_pay"].current

    def lines(self) -> tuple[StubLine, ...]:
        return (*self.earnings, *self.employee_taxes, *self.employer_taxes, *self.pretax_deductions,
                *self.posttax_deductions, *self.totals.values())

    def current_amounts(self) -> dict[str, Decimal]:
        """This stub's amount per YTD key: the next stub's `ytd_before` is the sum of these over the year."""
        out: dict[str, Decimal] = {}
        for line in self.lines():
            out[line.key] = out.get(line.key, ZERO) + line.current
        return out

    def ytd(self) -> dict[str, Decimal]:
        return {line.key: line.ytd for line in self.lines() if line.ytd is not None}

    def to_dict(self) -> dict[str, Any]:
        return {
            "paycheck_id": self.paycheck_id, "preview": self.preview,
            "employer": self.employer.to_dict(), "employee": self.employee.to_dict(),
            "location": self.location.to_dict(), "pay_date": self.pay_date.isoformat(),
            "period": {"start": _iso(self.period_start), "end": _iso(self.period_end)},
            "hours": dict(self.hours), "regular_rate": self.regular_rate,
            "earnings": [x.to_dict() for x in self.earnings],
            "employee_taxes": [x.to_dict() for x in self.employee_taxes],
            "employer_taxes": [x.to_dict() for x in self.employer_taxes],
            "pretax_deductions": [x.to_dict() for x in self.pretax_deductions],
            "posttax_deductions": [x.to_dict() for x in self.posttax_deductions],
            "totals": {k: x.to_dict() for k, x in self.totals.items()},
            "uncollected": {k: str(v) for k, v in self.uncollected.items()},
            "net_pay": str(self.net_pay),
            "notes": list(self.notes),
            "explanation": [dict(x) for x in self.explanation],
        }


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _num(x: Decimal | None) -> str | None:
    return None if x is None else str(x)


def _dec(value: Any, where: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise InvalidInput(f"{value!r} is not a decimal amount", field=where) from None
    if not d.is_finite():
        raise InvalidInput(f"{value!r} is not a finite amount", field=where)
    return d


def _money(value: Any, where: str) -> Decimal:
    d = _dec(value, where)
    if abs(d) > MAX_AMOUNT:
        raise InvalidInput(f"must be at most {MAX_AMOUNT} in size", field=where)
    return d.quantize(Decimal("0.01"))


class _Ytd:
    def __init__(self, before: Mapping[str, Any]):
        self.before = {k: _money(v, f"ytd_before.{k}") for k, v in before.items()}

    def line(self, key: str, label: str, current: Decimal, **extra: Any) -> StubLine:
        return StubLine(key, label, current, self.before.get(key, ZERO) + current, **extra)


def _earnings(raw: list[Mapping[str, Any]], ytd: _Ytd) -> tuple[StubLine, ...]:
    amounts = [_money(e["amount"], f"earnings[{i}].amount") for i, e in enumerate(raw)]
    last_of_kind = {e["kind"]: i for i, e in enumerate(raw)}
    out = []
    for i, e in enumerate(raw):
        key = f"earnings.{e['kind']}"
        kind_total = sum((a for a, x in zip(amounts, raw, strict=True) if x["kind"] == e["kind"]), ZERO)
        ytd_value = ytd.before.get(key, ZERO) + kind_total if last_of_kind[e["kind"]] == i else None
        out.append(StubLine(key, EARNING_LABELS.get(e["kind"], e["kind"]), amounts[i], ytd_value,
                            None if e.get("hours") is None else _dec(e["hours"], f"earnings[{i}].hours"),
                            None if e.get("rate") is None else _dec(e["rate"], f"earnings[{i}].rate"),
                            e.get("text", "")))
    return tuple(out)


def _deductions(raw: list[Mapping[str, Any]], group: str, ytd: _Ytd) -> tuple[StubLine, ...]:
    # Two lines of one type (two loans) are one line on the stub: the YTD key is per type.
    by_type: dict[str, Decimal] = {}
    for i, d in enumerate(raw):
        amount = _money(d.get("taken", d.get("amount")), f"{group}_deductions[{i}].amount")
        by_type[d["type"]] = by_type.get(d["type"], ZERO) + amount
    return tuple(ytd.line(f"{group}.{t}", DEDUCTION_LABELS.get(t, t), a) for t, a in by_type.items())


def build_stub(paycheck: Any, *, employer: StubParty, employee: StubEmployee, location: StubParty,
               pay_date: date | None = None, period_start: date | None = None, period_end: date | None = None,
               ytd_before: Mapping[str, Any] | None = None, paycheck_id: str = "", preview: bool = False,
               with_explanation: bool = True) -> PayStub:
    """The stub of one paycheck. `paycheck`: its JSON (`Paycheck.to_dict()`) or the `Paycheck`; `pay_date`
    defaults to the paycheck's own; `ytd_before`: per line key, the year's amounts before this paycheck."""
    pc: Mapping[str, Any] = paycheck.to_dict() if hasattr(paycheck, "to_dict") else paycheck
    if pay_date is None:
        if not pc.get("pay_date"):
            raise InvalidInput("is required (the paycheck JSON has none)", field="pay_date")
        pay_date = date.fromisoformat(pc["pay_date"])
    if period_start and period_end and period_start > period_end:
        raise InvalidInput("the period starts after it ends", field="period.start")
    ytd = _Ytd(ytd_before or {})
    deductions = pc.get("deductions") or {}
    pretax_raw = deductions.get("pretax_lines", [])
    posttax_raw = deductions.get("posttax_lines", [])
    employee_taxes = tuple(ytd.line(f"employee_taxes.{t}", TAX_LABELS.get(t, t), _money(v, f"employee_taxes.{t}"))
                           for t, v in pc["employee_taxes"].items())
    employer_taxes = tuple(ytd.line(f"employer_taxes.{t}", EMPLOYER_TAX_LABELS.get(t, t),
                                    _money(v, f"employer_taxes.{t}")) for t, v in pc["employer_taxes"].items())
    pretax = _deductions(pretax_raw, "pretax", ytd)
    posttax = _deductions(posttax_raw, "posttax", ytd)
    totals_now = {
        "cash_wages": _money(pc["cash_wages"], "cash_wages"),
        "reported_tips": _money(pc["reported_tips"], "reported_tips"),
        "gross_wages": _money(pc["gross_wages"], "gross_wages"),
        "employee_taxes": sum((x.current for x in employee_taxes), ZERO),
        "pretax": sum((x.current for x in pretax), ZERO),
        "posttax": sum((x.current for x in posttax), ZERO),
        "net_pay": _money(pc["net_pay"], "net_pay"),
        "employer_taxes": sum((x.current for x in employer_taxes), ZERO),
    }
    totals = {k: ytd.line(f"totals.{k}", TOTAL_LABELS[k], v) for k, v in totals_now.items()}
    earnings = _earnings(list(pc["earnings"]), ytd)
    notes = []
    if totals_now["reported_tips"]:
        notes.append("Reported tips are wages for taxes but were paid by customers: they are in gross wages, "
                     "not in net pay.")
    uncollected = {k: _money(v, f"uncollected.{k}") for k, v in (pc.get("uncollected") or {}).items()}
    if any(uncollected.values()):
        notes.append("Social security / Medicare on tips not withheld (W-2 box 12 codes A/B): "
                     + ", ".join(f"{k} {v}" for k, v in uncollected.items() if v))
    if preview:
        notes.append("PREVIEW: computed from the facts given; nothing was paid.")
    stub = PayStub(employer, employee, location, pay_date, period_start, period_end, earnings, employee_taxes,
                   employer_taxes, pretax, posttax, totals, uncollected, dict(pc.get("hours") or {}),
                   str(pc.get("regular_rate", "")), tuple(pc.get("explanation", ())) if with_explanation else (),
                   paycheck_id, preview, tuple(notes))
    check_stub(stub)
    return stub


def check_stub(stub: PayStub) -> None:
    """The stub adds up: earnings = cash wages, cash - taxes - deductions = net. A paycheck JSON that does
    not add up is refused rather than printed."""
    t = {k: x.current for k, x in stub.totals.items()}
    earned = sum((x.current for x in stub.earnings), ZERO)
    if earned != t["cash_wages"]:
        raise InvalidInput(f"earnings lines add up to {earned}, not the cash wages {t['cash_wages']}",
                           field="earnings")
    if t["cash_wages"] + t["reported_tips"] != t["gross_wages"]:
        raise InvalidInput("cash wages + reported tips differ from the gross wages", field="gross_wages")
    net = t["cash_wages"] - t["employee_taxes"] - t["pretax"] - t["posttax"]
    if net != t["net_pay"]:
        raise InvalidInput(f"cash wages - taxes - deductions = {net}, not the net pay {t['net_pay']}",
                           field="net_pay")
