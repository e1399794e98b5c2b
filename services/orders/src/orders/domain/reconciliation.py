"""Reconciliation: a processor's (or POS's) settlement file against the payments recorded for one
location and business day.

The file is CSV with a header row; columns (any order, names case-insensitive, unknown ones ignored):

| column | required | meaning |
|---|---|---|
| `processor_reference` | yes | the processor's id of the charge (a POS's payment id for POS-settled payments) |
| `amount` or `amount_cents` | yes | what was charged, tip not included: `12.34` (currency units) or `1234` (cents) |
| `tip` or `tip_cents` | no | the tip charged with it (same units rules; empty = 0) |
| `settled_at` | no | ISO 8601 time with a zone (kept, not matched) |
| `business_date` | no | YYYY-MM-DD; when given it must be the day imported |
| `location_id` | no | when given it must be the location imported |

Matching is by reference: a card or gift card payment by its processor reference, a POS-settled
(external) payment by its external reference; cash never reaches a processor and is left out. A
payment is compared net of what was refunded on it. Differences up to the tolerance count as
matched (the difference is still shown).
"""
from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from chassis.errors import InvalidInput

from orders.domain.payments import CARD, EXTERNAL, GIFT_CARD, MAX_CENTS, Payment, clean_text

MATCHED, MISMATCH, MISSING_IN_SETTLEMENT, MISSING_IN_RECORDS = (
    "matched", "amount_mismatch", "missing_in_settlement", "missing_in_records")
MAX_ROWS = 50_000
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOLERANCE = 100_000
SETTLED_TENDERS = (CARD, GIFT_CARD, EXTERNAL)


@dataclass(frozen=True)
class SettlementLine:
    position: int  # 1-based data row (the header is row 0)
    processor_reference: str
    amount_cents: int
    tip_cents: int = 0
    settled_at: datetime | None = None


@dataclass(frozen=True)
class SettlementImport:
    import_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    business_date: date
    file_sha256: str
    row_count: int
    actor_id: str
    imported_at: datetime
    source: str = "processor"


@dataclass(frozen=True)
class ReconciledRow:
    status: str
    reference: str
    explanation: str
    payment_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    tender: str = ""
    recorded_amount_cents: int | None = None
    recorded_tip_cents: int | None = None
    settled_amount_cents: int | None = None
    settled_tip_cents: int | None = None
    settlement_row: int | None = None

    @property
    def difference_cents(self) -> int:
        """settled - recorded (amount and tip together); 0 when one side is missing."""
        if self.recorded_amount_cents is None or self.settled_amount_cents is None:
            return 0
        return ((self.settled_amount_cents + (self.settled_tip_cents or 0))
                - (self.recorded_amount_cents + (self.recorded_tip_cents or 0)))


@dataclass(frozen=True)
class Reconciliation:
    rows: list[ReconciledRow]
    tolerance_cents: int

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def balanced(self) -> bool:
        return all(row.status == MATCHED for row in self.rows)


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def parse_settlement(content: bytes, *, location_id: uuid.UUID, business_date: date) -> list[SettlementLine]:
    """The file's lines, or InvalidInput naming the first bad one (`rows[3].amount`)."""
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(f"at most {MAX_FILE_BYTES} bytes", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("must be UTF-8 CSV", field="file") from None
    if "\x00" in text:
        raise InvalidInput("must not contain NUL", field="file")
    reader = csv.DictReader(io.StringIO(text))
    headers = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    if "processor_reference" not in headers:
        raise InvalidInput("needs a header row with processor_reference and amount (or amount_cents)",
                           field="file.processor_reference")
    if "amount" not in headers and "amount_cents" not in headers:
        raise InvalidInput("needs an amount (or amount_cents) column", field="file.amount")
    lines: list[SettlementLine] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(reader, start=1):
        if position > MAX_ROWS:
            raise InvalidInput(f"at most {MAX_ROWS} rows", field="file")
        row = {key: (raw.get(name) or "").strip() for key, name in headers.items()}
        if not any(row.values()):
            continue  # a blank line
        where = f"rows[{position}]"
        reference = clean_text(row.get("processor_reference"), f"{where}.processor_reference", required=True)
        if reference in seen:
            raise InvalidInput(f"appears twice (row {seen[reference]} too)", field=f"{where}.processor_reference")
        seen[reference] = position
        amount = _money(row, "amount", where, required=True)
        tip = _money(row, "tip", where, required=False)
        if row.get("business_date") and row["business_date"] != business_date.isoformat():
            raise InvalidInput(f"is not the day imported ({business_date.isoformat()})", field=f"{where}.business_date")
        if row.get("location_id") and row["location_id"].lower() != str(location_id):
            raise InvalidInput("is not the location imported", field=f"{where}.location_id")
        lines.append(SettlementLine(position, reference, amount, tip, _time(row.get("settled_at"), where)))
    return lines


def reconcile(payments: list[Payment], lines: list[SettlementLine], tolerance_cents: int) -> Reconciliation:
    """Every settled payment of the day against every settlement line, by reference."""
    if not 0 <= tolerance_cents <= MAX_TOLERANCE:
        raise InvalidInput(f"must be between 0 and {MAX_TOLERANCE}", field="tolerance_cents")
    by_reference = {_reference(p): p for p in payments if p.tender in SETTLED_TENDERS and _reference(p)}
    rows: list[ReconciledRow] = []
    for line in lines:
        payment = by_reference.pop(line.processor_reference, None)
        if payment is None:
            rows.append(ReconciledRow(
                MISSING_IN_RECORDS, line.processor_reference,
                f"settled {_money_text(line.amount_cents + line.tip_cents)} but no payment with this reference "
                "was recorded for the location and day", settled_amount_cents=line.amount_cents,
                settled_tip_cents=line.tip_cents, settlement_row=line.position))
            continue
        rows.append(_compare(payment, line, tolerance_cents))
    for reference, payment in by_reference.items():
        recorded = payment.amount_cents - payment.refunded_cents
        tip = payment.tip_cents - payment.refunded_tip_cents
        rows.append(ReconciledRow(
            MISSING_IN_SETTLEMENT, reference,
            f"recorded {_money_text(recorded + tip)} ({payment.tender}) but the settlement has no such reference",
            payment.payment_id, payment.order_id, payment.tender, recorded, tip))
    return Reconciliation(rows, tolerance_cents)


def _compare(payment: Payment, line: SettlementLine, tolerance: int) -> ReconciledRow:
    recorded = payment.amount_cents - payment.refunded_cents
    tip = payment.tip_cents - payment.refunded_tip_cents
    common = {"payment_id": payment.payment_id, "order_id": payment.order_id, "tender": payment.tender,
              "recorded_amount_cents": recorded, "recorded_tip_cents": tip,
              "settled_amount_cents": line.amount_cents, "settled_tip_cents": line.tip_cents,
              "settlement_row": line.position}
    amount_diff, tip_diff = line.amount_cents - recorded, line.tip_cents - tip
    if (amount_diff, tip_diff) == (0, 0):
        return ReconciledRow(MATCHED, line.processor_reference, "settled as recorded", **common)
    parts = []
    if amount_diff:
        parts.append(f"amount settled {_money_text(line.amount_cents)} vs recorded {_money_text(recorded)} "
                     f"({_signed(amount_diff)})")
    if tip_diff:
        parts.append(f"tip settled {_money_text(line.tip_cents)} vs recorded {_money_text(tip)} ({_signed(tip_diff)})")
    status = MATCHED if abs(amount_diff + tip_diff) <= tolerance else MISMATCH
    within = "within" if status == MATCHED else "above"
    text = "; ".join(parts) + f": {_signed(amount_diff + tip_diff)} {within} the tolerance of {_money_text(tolerance)}"
    return ReconciledRow(status, line.processor_reference, text, **common)


def _reference(payment: Payment) -> str:
    return payment.external_reference if payment.tender == EXTERNAL else payment.processor_reference


def _money(row: dict[str, str], name: str, where: str, *, required: bool) -> int:
    if row.get(f"{name}_cents"):
        raw, field, cents = row[f"{name}_cents"], f"{where}.{name}_cents", True
    else:
        raw, field, cents = row.get(name, ""), f"{where}.{name}", False
    if not raw:
        if required:
            raise InvalidInput("is required", field=field)
        return 0
    try:
        value = Decimal(raw.replace(",", "")) if not cents else Decimal(raw)
    except InvalidOperation:
        raise InvalidInput("must be a number" + (" of cents" if cents else " like 12.34"), field=field) from None
    if not value.is_finite():
        raise InvalidInput("must be a number", field=field)
    amount = value if cents else value * 100
    if amount != amount.to_integral_value():
        raise InvalidInput("has fractions of a cent", field=field)
    if not -MAX_CENTS <= amount <= MAX_CENTS:
        raise InvalidInput("out of range", field=field)
    return int(amount)


def _time(raw: str | None, where: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("must be an ISO 8601 time", field=f"{where}.settled_at") from None
    if value.tzinfo is None:
        raise InvalidInput("must carry a time zone", field=f"{where}.settled_at")
    return value


def _money_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _signed(cents: int) -> str:
    return ("+" if cents > 0 else "") + _money_text(cents)
