"""Post-tax deductions: garnishments and loan repayments (pure).

They come out of the check after every tax: they are not excluded from any tax's wages (unlike 401(k),
section 125 and HSA reductions, which the tax service subtracts per tax, rules file 1.1 line 1a, 4.2,
4.3), so they change neither the taxable wages nor the taxes, only the net pay.

    posttax = PosttaxDeduction.list_from(payload)      # PayInputError naming posttax_deductions[i].field
    posttax = resolve_posttax(posttax, disposable)     # a `percent` of the disposable earnings -> an amount
    taken = take_posttax(net_before, posttax)          # garnishments first, then loans, as far as the net goes

Each deduction (pre-tax or post-tax) gives an `amount` for the paycheck or a `percent`: pre-tax ones of the
cash wages (taxes.py), post-tax ones of the disposable earnings, i.e. the cash wages less the employee taxes
withheld (the amounts "required by law to be withheld", 15 U.S.C. 1672(b)); each rounded half-up to the cent.

Order and limits. A garnishment is a court or agency order the employer must honour; a loan repayment is a
private agreement: garnishments come first. The amount given is the amount the order asks for this
paycheck; the rules file gives no garnishment limits (CCPA 15 U.S.C. 1673 and state limits such as
California's are not in it), so none is applied here beyond the cash: a deduction is taken only as far as
the net pay left covers it, the rest is reported as not taken (net pay never goes below zero).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import validation as v
from .errors import PayInputError
from .money import ZERO, to_cents

POSTTAX_TYPES = ("garnishment", "loan")
PRIORITY = {"garnishment": 0, "loan": 1}
MAX_POSTTAX = 20


HUNDRED = Decimal(100)


def amount_or_percent(item: Mapping[str, Any], path: str) -> tuple[Decimal, Decimal | None]:
    """(amount, percent) of one deduction: exactly one of `amount` (money) and `percent` (0 < p <= 100);
    with a percent the amount is 0 until resolved against the wages."""
    has_amount, has_percent = item.get("amount") is not None, item.get("percent") is not None
    if has_amount == has_percent:
        raise PayInputError(v.join(path, "amount"), "give either amount (per paycheck) or percent")
    if has_amount:
        return v.money(item, "amount", path, required=True), None
    field = v.join(path, "percent")
    percent = v.decimal_value(item["percent"], field)
    if not ZERO < percent <= HUNDRED:
        raise PayInputError(field, "must be more than 0 and at most 100")
    if percent != percent.quantize(Decimal("0.0001")):
        raise PayInputError(field, "at most 4 decimals")
    return ZERO, percent


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
    return to_cents(max(base, ZERO) * percent / HUNDRED)


@dataclass(frozen=True, slots=True)
class PosttaxDeduction:
    type: str
    amount: Decimal
    percent: Decimal | None = None  # of the disposable earnings; `amount` is 0 until resolved

    @classmethod
    def list_from(cls, raw: Mapping[str, Any], key: str = "posttax_deductions") -> tuple[PosttaxDeduction, ...]:
        if raw.get(key) is None:
            return ()
        items = v.array(raw[key], key)
        if len(items) > MAX_POSTTAX:
            raise PayInputError(key, f"at most {MAX_POSTTAX} deductions")
        out = []
        for i, item in enumerate(items):
            path = f"{key}[{i}]"
            item = v.obj(item, path)
            v.check_keys(item, ("type", "amount", "percent"), path)
            kind = v.choice(item, "type", path, POSTTAX_TYPES)
            out.append(cls(kind, *amount_or_percent(item, path)))
        return tuple(out)


def resolve_posttax(deductions: Sequence[PosttaxDeduction], disposable: Decimal) -> tuple[PosttaxDeduction, ...]:
    """Percentages of the disposable earnings (cash wages - employee taxes withheld) made amounts."""
    return tuple(PosttaxDeduction(d.type, percent_of(disposable, d.percent), d.percent) if d.percent is not None
                 else d for d in deductions)


@dataclass(frozen=True, slots=True)
class PosttaxTaken:
    index: int  # position in the request
    type: str
    ordered: Decimal
    taken: Decimal
    net_left: Decimal  # after this deduction

    @property
    def short(self) -> Decimal:
        return self.ordered - self.taken


def take_posttax(net_before: Decimal, deductions: Sequence[PosttaxDeduction]) -> tuple[PosttaxTaken, ...]:
    """Each deduction as far as the net pay left goes: garnishments (in request order), then loans.
    Returned in the order taken."""
    if net_before < 0:
        raise ValueError("net pay before post-tax deductions cannot be negative")
    left = net_before
    out = []
    order = sorted(range(len(deductions)), key=lambda i: (PRIORITY[deductions[i].type], i))
    for i in order:
        d = deductions[i]
        take = min(d.amount, left)
        left -= take
        out.append(PosttaxTaken(i, d.type, d.amount, take, left))
    return tuple(out)


def total_taken(taken: Sequence[PosttaxTaken]) -> Decimal:
    return sum((t.taken for t in taken), ZERO)
