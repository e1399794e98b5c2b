"""Request and result types. Field names mirror the public JSON contract; keep them.

Requests are frozen dataclasses built (and validated) once by `WithholdingRequest.from_dict`.
Results are NamedTuples: the engine builds several per calculation, and tuple construction is the
cheapest immutable record Python has (the hot path targets 20,000 calculations a second).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from . import locals as local_registry
from . import states as state_registry
from .money import ZERO, fmt_line, fmt_money
from .validation import (
    ValidationError,
    boolean,
    check_keys,
    choice,
    count,
    join,
    money,
    obj,
    optional_money,
    rate,
)

FREQUENCIES = ("weekly", "biweekly", "semimonthly", "monthly")
PAYMENT_TYPES = ("regular", "supplemental")
# What kind of supplemental payment this is; only some states care (California: 10.23% for bonuses
# and stock options, 6.6% for other supplemental wages).
SUPPLEMENTAL_KINDS = ("bonus", "stock_option", "other")
PRETAX_TYPES = ("401k", "403b", "section_125", "hsa")
FILING_STATUSES = ("single", "married_filing_jointly", "married_filing_separately", "head_of_household")
# A pre-2020 Form W-4 only has Single / Married / "Married, but withhold at higher Single rate"
# (send "single" for the last one); anything else would be a guess.
PRE2020_FILING_STATUSES = ("single", "married_filing_jointly")


@dataclass(frozen=True, slots=True)
class PretaxDeduction:
    type: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class YearToDate:
    """Amounts paid by THIS employer in the calendar year BEFORE this paycheck.

    Each specific base defaults to `wages`. Pass them separately when they differ (e.g. a Section 125
    plan makes Social Security wages smaller than gross wages); reported tips belong in all of them.
    """

    wages: Decimal
    ss_wages: Decimal
    medicare_wages: Decimal
    futa_wages: Decimal
    suta_wages: Decimal
    state_wages: Decimal
    supplemental_wages: Decimal | None = None  # needed for the 37% rule on supplemental wages over $1M
    ss_tax: Decimal | None = None  # employee Social Security already withheld: caps this period's SS


@dataclass(frozen=True, slots=True)
class FederalW4:
    form_version: str  # "2020" (2020 or later form) or "pre2020"
    filing_status: str
    multiple_jobs: bool = False  # Step 2(c) checkbox
    dependents_amount: Decimal = ZERO  # Step 3, annual
    other_income: Decimal = ZERO  # Step 4(a), annual
    deductions: Decimal = ZERO  # Step 4(b), annual
    extra_withholding: Decimal = ZERO  # Step 4(c), per pay period
    allowances: int = 0  # pre-2020 forms only
    exempt: bool = False  # "Exempt" written on the form: no federal income tax (FICA still applies)


@dataclass(frozen=True, slots=True)
class Locality:
    code: str
    resident: bool


@dataclass(frozen=True, slots=True)
class EmployerOptions:
    suta_rate: Decimal | None = None
    suta_wage_base: Decimal | None = None
    round_federal_to_whole_dollars: bool = False


@dataclass(frozen=True, slots=True)
class WithholdingRequest:
    pay_date: date
    pay_frequency: str
    payment_type: str
    wages: Decimal
    tips: Decimal
    pretax_deductions: tuple[PretaxDeduction, ...]
    ytd: YearToDate
    work_state: str
    locality: Locality | None
    federal: FederalW4
    state: Any  # the work state's own form object (see states/<state>.py), or None
    employer: EmployerOptions = EmployerOptions()
    supplemental_kind: str | None = None
    # Derived once so the hot path does not re-sum deductions for every tax.
    pretax_by_type: Mapping[str, Decimal] = field(init=False, repr=False, compare=False)
    gross: Decimal = field(init=False, repr=False, compare=False)  # wages + tips

    def __post_init__(self) -> None:
        totals: dict[str, Decimal] = {}
        for d in self.pretax_deductions:
            totals[d.type] = totals.get(d.type, ZERO) + d.amount
        object.__setattr__(self, "pretax_by_type", totals)
        object.__setattr__(self, "gross", self.wages + self.tips)

    def taxable(self, excluded: frozenset[str]) -> Decimal:
        """Wages + tips less the pre-tax deductions a given tax excludes, never below zero."""
        totals = self.pretax_by_type
        if not totals:
            return self.gross
        base = self.gross
        for kind, amount in totals.items():
            if kind in excluded:
                base -= amount
        return base if base > 0 else ZERO

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WithholdingRequest:
        d = obj(d, "")
        check_keys(d, _TOP_KEYS, "")
        pay_date = _pay_date(d)
        work_state = d.get("work_state")
        if not isinstance(work_state, str) or not work_state:
            raise ValidationError("work_state", "is required (two-letter state code)")
        method = state_registry.STATES.get(work_state)
        if method is None:
            raise ValidationError("work_state", f"unsupported state {work_state!r}")
        payment_type = choice(d, "payment_type", "", PAYMENT_TYPES)
        req = cls(
            pay_date=pay_date,
            pay_frequency=choice(d, "pay_frequency", "", FREQUENCIES),
            payment_type=payment_type,
            wages=money(d, "wages", ""),
            tips=money(d, "tips", "", required=False),
            pretax_deductions=_pretax(d.get("pretax_deductions")),
            ytd=_ytd(d.get("ytd")),
            work_state=work_state,
            locality=_locality(d.get("locality"), work_state),
            federal=_federal(d.get("federal")),
            state=method.parse_form(d.get("state"), "state"),
            employer=_employer(d.get("employer")),
            supplemental_kind=choice(d, "supplemental_kind", "", SUPPLEMENTAL_KINDS, required=False),
        )
        if req.supplemental_kind is not None and payment_type != "supplemental":
            raise ValidationError("supplemental_kind", "only applies when payment_type is 'supplemental'")
        method.validate(req)
        return req


_TOP_KEYS = ("pay_date", "pay_frequency", "payment_type", "wages", "tips", "pretax_deductions", "ytd",
             "work_state", "locality", "federal", "state", "employer", "supplemental_kind")


def _pay_date(d: Mapping[str, Any]) -> date:
    raw = d.get("pay_date")
    if raw is None:
        raise ValidationError("pay_date", "is required")
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise ValidationError("pay_date", "must be an ISO date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("pay_date", f"{raw!r} is not an ISO date (YYYY-MM-DD)") from None


def _pretax(raw: Any) -> tuple[PretaxDeduction, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError("pretax_deductions", "must be a list")
    out = []
    for i, item in enumerate(raw):
        path = f"pretax_deductions[{i}]"
        item = obj(item, path)
        check_keys(item, ("type", "amount"), path)
        out.append(PretaxDeduction(choice(item, "type", path, PRETAX_TYPES), money(item, "amount", path)))
    return tuple(out)


def _ytd(raw: Any) -> YearToDate:
    if raw is None:
        raise ValidationError("ytd", "is required: year-to-date wages from this employer before this paycheck")
    raw = obj(raw, "ytd")
    check_keys(raw, ("wages", "ss_wages", "medicare_wages", "futa_wages", "suta_wages", "state_wages",
                     "supplemental_wages", "ss_tax"), "ytd")
    wages = money(raw, "wages", "ytd")

    def base(key: str) -> Decimal:
        return money(raw, key, "ytd", required=False, default=wages)

    return YearToDate(
        wages=wages,
        ss_wages=base("ss_wages"),
        medicare_wages=base("medicare_wages"),
        futa_wages=base("futa_wages"),
        suta_wages=base("suta_wages"),
        state_wages=base("state_wages"),
        supplemental_wages=optional_money(raw, "supplemental_wages", "ytd"),
        ss_tax=optional_money(raw, "ss_tax", "ytd"),
    )


def _federal(raw: Any) -> FederalW4:
    path = "federal"
    if raw is None:
        raise ValidationError(path, "is required (the employee's Form W-4)")
    raw = obj(raw, path)
    check_keys(raw, ("form_version", "filing_status", "multiple_jobs", "dependents_amount", "other_income",
                     "deductions", "extra_withholding", "allowances", "exempt"), path)
    version = choice(raw, "form_version", path, ("2020", "pre2020"))
    statuses = FILING_STATUSES if version == "2020" else PRE2020_FILING_STATUSES
    w4 = FederalW4(
        form_version=version,
        filing_status=choice(raw, "filing_status", path, statuses),
        multiple_jobs=boolean(raw, "multiple_jobs", path),
        dependents_amount=money(raw, "dependents_amount", path, required=False),
        other_income=money(raw, "other_income", path, required=False),
        deductions=money(raw, "deductions", path, required=False),
        extra_withholding=money(raw, "extra_withholding", path, required=False),
        allowances=count(raw, "allowances", path, required=(version == "pre2020")),
        exempt=boolean(raw, "exempt", path),
    )
    if version == "2020" and w4.allowances:
        raise ValidationError(join(path, "allowances"), "allowances exist only on pre-2020 Forms W-4")
    if version == "pre2020":
        # These steps do not exist on a pre-2020 form; a value here means the wrong form_version.
        if w4.multiple_jobs:
            raise ValidationError(join(path, "multiple_jobs"), "not on a pre-2020 Form W-4")
        for key in ("dependents_amount", "other_income", "deductions"):
            if getattr(w4, key):
                raise ValidationError(join(path, key), "not on a pre-2020 Form W-4")
    return w4


def _locality(raw: Any, work_state: str) -> Locality | None:
    if raw is None:
        return None
    path = "locality"
    raw = obj(raw, path)
    check_keys(raw, ("code", "resident"), path)
    code = raw.get("code")
    if not isinstance(code, str) or not code:
        raise ValidationError(join(path, "code"), "is required")
    method = local_registry.LOCALS.get(code)
    if method is None:
        raise ValidationError(join(path, "code"), f"unsupported locality {code!r}")
    if "resident" not in raw:
        raise ValidationError(join(path, "resident"), "is required")
    loc = Locality(code=code, resident=boolean(raw, "resident", path))
    method.validate(loc, work_state)
    return loc


def _employer(raw: Any) -> EmployerOptions:
    if raw is None:
        return EmployerOptions()
    path = "employer"
    raw = obj(raw, path)
    check_keys(raw, ("suta_rate", "suta_wage_base", "round_federal_to_whole_dollars"), path)
    opts = EmployerOptions(
        suta_rate=rate(raw, "suta_rate", path),
        suta_wage_base=optional_money(raw, "suta_wage_base", path),
        round_federal_to_whole_dollars=boolean(raw, "round_federal_to_whole_dollars", path),
    )
    if opts.suta_rate is not None and opts.suta_wage_base is None:
        raise ValidationError(join(path, "suta_wage_base"), "is required when suta_rate is given")
    return opts


# ---------------------------------------------------------------- results


class EmployeeTaxes(NamedTuple):
    federal_income_tax: Decimal
    social_security: Decimal
    medicare: Decimal
    additional_medicare: Decimal
    state_income_tax: Decimal
    state_disability: Decimal
    state_unemployment: Decimal
    local_income_tax: Decimal


class EmployerTaxes(NamedTuple):
    social_security: Decimal
    medicare: Decimal
    futa: Decimal
    suta: Decimal


class TaxableWages(NamedTuple):
    """Wages each tax was computed on this period (after pre-tax exclusions and wage-base limits).

    Summing these per paycheck gives the YTD bases the next request needs (ytd.ss_wages = sum of
    social_security, ytd.medicare_wages = sum of medicare, ytd.futa_wages = sum of futa, ...).
    `futa` and `suta` are additions to the contract's five keys.
    """

    federal_income_tax: Decimal
    social_security: Decimal
    medicare: Decimal
    state: Decimal
    local: Decimal
    futa: Decimal
    suta: Decimal


class ExplanationLine(NamedTuple):
    tax: str
    line: str  # worksheet line ("1i") or step name
    text: str
    amount: Any  # Decimal (unrounded intermediates are kept as computed), int, or str


class WithholdingResult:
    """Amounts per tax, the wages they were computed on, the explanation, and the rules version.

    The engine records the explanation compactly: per tax module, one (template, values) block, where
    the template is a static tuple of (tax, line, text) and values the matching amounts. Building
    ExplanationLine records (and formatting them) happens on first access only, so a batch that needs
    just the amounts does not pay for it.
    """

    __slots__ = ("employee", "employer", "taxable_wages", "rules_version", "_blocks", "_explanation")

    def __init__(self, employee: EmployeeTaxes, employer: EmployerTaxes, taxable_wages: TaxableWages,
                 blocks: tuple, rules_version: str):
        self.employee = employee
        self.employer = employer
        self.taxable_wages = taxable_wages
        self.rules_version = rules_version
        self._blocks = blocks
        self._explanation = None

    @property
    def explanation(self) -> tuple[ExplanationLine, ...]:
        if self._explanation is None:
            self._explanation = tuple(
                ExplanationLine(tax, line, text, amount)
                for template, values in self._blocks
                for (tax, line, text), amount in zip(template, values, strict=True)
            )
        return self._explanation

    def lines_for(self, tax: str) -> list[ExplanationLine]:
        """The explanation lines behind one tax ("federal_income_tax", "social_security", ...)."""
        return [e for e in self.explanation if e.tax == tax]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WithholdingResult) and (
            (self.employee, self.employer, self.taxable_wages, self.explanation, self.rules_version)
            == (other.employee, other.employer, other.taxable_wages, other.explanation, other.rules_version)
        )

    def __repr__(self) -> str:
        return f"WithholdingResult(employee={self.employee}, employer={self.employer}, rules_version={self.rules_version!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "employee": {k: fmt_money(v) for k, v in self.employee._asdict().items()},
            "employer": {k: fmt_money(v) for k, v in self.employer._asdict().items()},
            "taxable_wages": {k: fmt_money(v) for k, v in self.taxable_wages._asdict().items()},
            "explanation": [
                {"tax": tax, "line": line, "text": text, "amount": fmt_line(amount)}
                for template, values in self._blocks
                for (tax, line, text), amount in zip(template, values, strict=True)
            ],
            "rules_version": self.rules_version,
        }
