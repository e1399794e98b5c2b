"""Payments against a check: tenders, change due, split parts, card tips, refunds and their caps.

`Ledger` is a check's money: its total, its payments, its split parts and its refunds. It decides
what a payment may take off the balance and what a refund may give back, so the REST API, gRPC
`RecordPayment` and any import share the same rules. Pure: ids, times and business dates come from
the caller.

- The balance is the check's total (subtotal + tax + the tip given at opening) less what payments
  took off it. A payment's own tip is on top of its amount; cash change is what was handed over
  beyond amount + tip.
- Refunds give money back on one payment (never more than it took: amount and tip separately);
  they do not reopen the balance (a refunded check stays closed).
- A card is its brand, last four digits and processor reference: anything that looks like a card
  number (13-19 digits passing the Luhn check) in any text of a payment is refused naming the field.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from chassis.errors import Conflict, InvalidInput

from orders.domain.splits import SplitPart

CASH, CARD, GIFT_CARD, EXTERNAL = "cash", "card", "gift_card", "external"
TENDERS = (CASH, CARD, GIFT_CARD, EXTERNAL)
CARD_BRANDS = ("visa", "mastercard", "amex", "discover", "other")
MAX_CENTS = 10**11
MAX_REFERENCE = 120
LAST4 = re.compile(r"^[0-9]{4}$")
# Digit runs that may be broken by spaces or dashes, the way card numbers are written.
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12,}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def looks_like_card_number(text: str) -> bool:
    """13 to 19 digits (spaces or dashes allowed between them) that pass the Luhn check."""
    for run in _DIGIT_RUN.findall(text or ""):
        digits = re.sub(r"[ -]", "", run)
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def clean_text(value: str | None, name: str, limit: int = MAX_REFERENCE, *, required: bool = False) -> str:
    """Trimmed text; InvalidInput naming the field when empty (if required), too long, with NUL or
    when it looks like a card number (which must never be stored)."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput("is required", field=name)
    if len(value) > limit:
        raise InvalidInput(f"at most {limit} characters", field=name)
    if "\x00" in value:
        raise InvalidInput("must not contain NUL", field=name)
    if looks_like_card_number(value):
        raise InvalidInput("looks like a card number: send the brand, the last 4 digits and the processor "
                           "reference only, never the card number", field=name)
    return value


@dataclass(frozen=True)
class PaymentRequest:
    """A payment as a client asks for it, before validation."""

    tender: str
    amount_cents: int | None = None  # None = whatever the check (or the split part) still owes
    tip_cents: int = 0
    tendered_cents: int | None = None  # cash handed over
    card_brand: str = ""
    card_last4: str = ""
    processor_reference: str = ""
    external_reference: str = ""
    split_id: uuid.UUID | None = None


@dataclass
class Payment:
    payment_id: uuid.UUID
    tenant_id: uuid.UUID
    order_id: uuid.UUID
    location_id: uuid.UUID
    tender: str
    amount_cents: int
    tip_cents: int
    server_staff_id: uuid.UUID
    business_date: date
    paid_at: datetime
    actor_id: str
    tendered_cents: int = 0
    change_cents: int = 0
    card_brand: str = ""
    card_last4: str = ""
    processor_reference: str = ""
    external_reference: str = ""
    split_id: uuid.UUID | None = None
    seat: int | None = None
    split_label: str = ""
    refunded_cents: int = 0
    refunded_tip_cents: int = 0

    @property
    def refundable_cents(self) -> int:
        return self.amount_cents - self.refunded_cents

    @property
    def refundable_tip_cents(self) -> int:
        return self.tip_cents - self.refunded_tip_cents


@dataclass(frozen=True)
class Refund:
    refund_id: uuid.UUID
    tenant_id: uuid.UUID
    order_id: uuid.UUID
    payment_id: uuid.UUID
    location_id: uuid.UUID
    amount_cents: int
    tip_cents: int
    reason: str
    actor_id: str
    business_date: date
    refunded_at: datetime
    line_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class RefundRequest:
    payment_id: uuid.UUID
    reason: str
    amount_cents: int | None = None  # by amount ...
    line_ids: tuple[uuid.UUID, ...] = ()  # ... or by line (net + tax of each line)
    tip_cents: int = 0


@dataclass(frozen=True)
class LineCharge:
    """What one line of the check cost (net + tax): what refunding it gives back."""

    line_id: uuid.UUID
    amount_cents: int
    active: bool = True


@dataclass(frozen=True)
class PartBalance:
    part: SplitPart
    paid_cents: int

    @property
    def due_cents(self) -> int:
        return self.part.amount_cents - self.paid_cents


@dataclass
class Ledger:
    """A check's money: what it costs, what was paid (and on which part), what was given back."""

    total_cents: int
    payments: list[Payment] = field(default_factory=list)
    splits: list[SplitPart] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    @property
    def paid_cents(self) -> int:
        return sum(p.amount_cents for p in self.payments)

    @property
    def balance_cents(self) -> int:
        return self.total_cents - self.paid_cents

    @property
    def tip_cents(self) -> int:
        return sum(p.tip_cents for p in self.payments)

    @property
    def refunded_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds)

    @property
    def paid_in_full(self) -> bool:
        return bool(self.payments) and self.balance_cents <= 0

    @property
    def split_stale(self) -> bool:
        return bool(self.splits) and self.splits[0].order_total_cents != self.total_cents

    def parts(self) -> list[PartBalance]:
        return [PartBalance(part, sum(p.amount_cents for p in self.payments if p.split_id == part.split_id))
                for part in self.splits]

    def payment(self, payment_id: uuid.UUID) -> Payment:
        for payment in self.payments:
            if payment.payment_id == payment_id:
                return payment
        raise InvalidInput("no such payment on this order", field="payment_id")

    # ---- splitting ----
    def split(self, parts: list[SplitPart]) -> None:
        """Replaces the split; only before anything was paid (parts already paid cannot be re-cut)."""
        if self.payments:
            raise Conflict("the check has payments already: it can no longer be split", field="by")
        self.splits = parts

    # ---- paying ----
    def take(self, request: PaymentRequest, *, payment_id: uuid.UUID, tenant_id: uuid.UUID, order_id: uuid.UUID,
             location_id: uuid.UUID, server_staff_id: uuid.UUID, business_date: date, paid_at: datetime,
             actor_id: str) -> Payment:
        """The payment `request` asks for, checked against the balance (or its split part's), with
        the change due for cash; InvalidInput / Conflict naming the field otherwise."""
        tender = request.tender
        if tender not in TENDERS:
            raise InvalidInput(f"must be one of {', '.join(TENDERS)}", field="tender")
        tip = _cents(request.tip_cents, "tip_cents")
        due, part = self._due(request.split_id)
        if due <= 0:
            raise Conflict("nothing is owed: the " + ("part" if part else "check") + " is paid in full",
                           field="split_id" if part else "amount_cents")
        card = _card_details(request)
        amount, tendered, change = _amounts(request, tip, due)
        if amount > due:
            raise Conflict(f"more than is owed ({due} cents); a cash overpayment is change, a tip is tip_cents",
                           field="amount_cents")
        payment = Payment(payment_id, tenant_id, order_id, location_id, tender, amount, tip, server_staff_id,
                          business_date, paid_at, actor_id, tendered, change, *card,
                          split_id=part.split_id if part else None, seat=part.seat if part else None,
                          split_label=part.label if part else "")
        self.payments.append(payment)
        return payment

    def _due(self, split_id: uuid.UUID | None) -> tuple[int, SplitPart | None]:
        if not self.splits:
            if split_id is not None:
                raise InvalidInput("the check is not split", field="split_id")
            return self.balance_cents, None
        if self.split_stale:
            raise Conflict(f"the check changed since it was split (total {self.total_cents}, was "
                           f"{self.splits[0].order_total_cents}): split it again", field="split_id")
        if split_id is None:
            raise InvalidInput("the check is split: name the part paid", field="split_id")
        for balance in self.parts():
            if balance.part.split_id == split_id:
                return min(balance.due_cents, self.balance_cents), balance.part
        raise InvalidInput("no such part of this check's split", field="split_id")

    # ---- refunding ----
    def refund(self, request: RefundRequest, lines: list[LineCharge], *, refund_id: uuid.UUID,
               tenant_id: uuid.UUID, order_id: uuid.UUID, location_id: uuid.UUID, business_date: date,
               refunded_at: datetime, actor_id: str) -> Refund:
        """Money back on one payment: by amount or by lines, plus (or only) tip. Never more than the
        payment took, amount and tip each (Conflict naming the field); a line is refunded once."""
        payment = self.payment(request.payment_id)
        reason = clean_text(request.reason, "reason", 1000, required=True)
        tip = _cents(request.tip_cents, "tip_cents")
        if request.line_ids and request.amount_cents is not None:
            raise InvalidInput("refund by line_ids or by amount_cents, not both", field="amount_cents")
        if request.line_ids:
            amount = self._lines_amount(request.line_ids, lines)
        else:
            amount = _cents(request.amount_cents or 0, "amount_cents")
        if amount + tip <= 0:
            raise InvalidInput("a refund gives back something: amount_cents, line_ids or tip_cents",
                               field="amount_cents")
        if amount > payment.refundable_cents:
            raise Conflict(f"more than the payment has left to refund ({payment.refundable_cents} of "
                           f"{payment.amount_cents} cents)", field="line_ids" if request.line_ids else "amount_cents")
        if tip > payment.refundable_tip_cents:
            raise Conflict(f"more than the payment's tip has left to refund ({payment.refundable_tip_cents} of "
                           f"{payment.tip_cents} cents)", field="tip_cents")
        payment.refunded_cents += amount
        payment.refunded_tip_cents += tip
        refund = Refund(refund_id, tenant_id, order_id, payment.payment_id, location_id, amount, tip, reason,
                        actor_id, business_date, refunded_at, tuple(request.line_ids))
        self.refunds.append(refund)
        return refund

    def _lines_amount(self, line_ids: tuple[uuid.UUID, ...], lines: list[LineCharge]) -> int:
        if len(set(line_ids)) != len(line_ids):
            raise InvalidInput("a line is named twice", field="line_ids")
        refunded = {line_id for r in self.refunds for line_id in r.line_ids}
        charges = {line.line_id: line for line in lines}
        amount = 0
        for index, line_id in enumerate(line_ids):
            charge = charges.get(line_id)
            if charge is None or not charge.active:
                raise InvalidInput("no such (active) line on this order", field=f"line_ids[{index}]")
            if line_id in refunded:
                raise Conflict("the line was refunded already", field=f"line_ids[{index}]")
            amount += charge.amount_cents
        return amount


def tender_summary(payments: list[Payment]) -> list[tuple[str, int, int, int]]:
    """(tender, count, amount, tip) per tender, in TENDERS order."""
    rows = []
    for tender in TENDERS:
        of = [p for p in payments if p.tender == tender]
        if of:
            rows.append((tender, len(of), sum(p.amount_cents for p in of), sum(p.tip_cents for p in of)))
    return rows


def _cents(value: int | None, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CENTS:
        raise InvalidInput(f"must be between 0 and {MAX_CENTS} cents", field=name)
    return value


def _card_details(request: PaymentRequest) -> tuple[str, str, str, str]:
    """(brand, last4, processor reference, external reference), checked for the tender."""
    brand = clean_text(request.card_brand, "card_brand", 20).lower()
    last4 = clean_text(request.card_last4, "card_last4", 19)  # a full number is named as one, below 4 checks
    processor = clean_text(request.processor_reference, "processor_reference")
    external = clean_text(request.external_reference, "external_reference")
    if last4 and not LAST4.match(last4):
        raise InvalidInput("the last 4 digits of the card only", field="card_last4")
    if request.tender == CARD:
        if brand not in CARD_BRANDS:
            raise InvalidInput(f"must be one of {', '.join(CARD_BRANDS)}", field="card_brand")
        if not last4:
            raise InvalidInput("is required for a card (the last 4 digits)", field="card_last4")
        if not processor:
            raise InvalidInput("is required for a card (the processor's id of the charge)",
                               field="processor_reference")
    elif brand:
        raise InvalidInput("only a card has a brand", field="card_brand")
    if request.tender == GIFT_CARD and not processor:
        raise InvalidInput("is required for a gift card (the processor's id of the charge)",
                           field="processor_reference")
    if request.tender == EXTERNAL and not external:
        raise InvalidInput("is required for a payment settled on a POS (the POS's payment id)",
                           field="external_reference")
    if request.tender == CASH and (last4 or processor):
        raise InvalidInput("cash has no card details", field="card_last4" if last4 else "processor_reference")
    return brand, last4, processor, external


def _amounts(request: PaymentRequest, tip: int, due: int) -> tuple[int, int, int]:
    """(amount, tendered, change). Cash: what was handed over pays the amount and the tip, the rest
    is change; without an amount it pays as much of what is owed as it covers."""
    if request.tender != CASH:
        if request.tendered_cents:
            raise InvalidInput("only cash is tendered", field="tendered_cents")
        amount = due if request.amount_cents is None else request.amount_cents
        if amount <= 0 or amount > MAX_CENTS:
            raise InvalidInput(f"must be between 1 and {MAX_CENTS} cents", field="amount_cents")
        return amount, 0, 0
    if request.tendered_cents is None:
        raise InvalidInput("is required for cash (what was handed over)", field="tendered_cents")
    tendered = _cents(request.tendered_cents, "tendered_cents")
    amount = min(due, tendered - tip) if request.amount_cents is None else request.amount_cents
    if amount <= 0 or amount > MAX_CENTS:
        field = "tendered_cents" if request.amount_cents is None else "amount_cents"
        raise InvalidInput("must pay at least one cent of the check" if field == "tendered_cents"
                           else f"must be between 1 and {MAX_CENTS} cents", field=field)
    if tendered < amount + tip:
        raise InvalidInput(f"less than amount + tip ({amount + tip} cents)", field="tendered_cents")
    return amount, tendered, tendered - amount - tip
