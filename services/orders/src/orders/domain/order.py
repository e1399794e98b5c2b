"""The Order aggregate: its lines, its money and its status flow.

Everything that must be true of an order is checked here, so any entrypoint (REST, gRPC, a POS
import) gets the same rules. Ids and times come from the caller (the service layer passes the
container's id generator and clock), which keeps the aggregate deterministic under test.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chassis.errors import Conflict, InvalidInput

CATEGORIES = ("general", "prepared_food", "alcohol", "grocery", "non_taxable")

PLACED, IN_KITCHEN, READY, COMPLETED, CANCELLED = "placed", "in_kitchen", "ready", "completed", "cancelled"
STATUSES = (PLACED, IN_KITCHEN, READY, COMPLETED, CANCELLED)

# The kitchen moves an order forward one step at a time (a quick item may skip the kitchen);
# a completed or cancelled order stays put.
NEXT_STATUS: dict[str, frozenset[str]] = {
    PLACED: frozenset({IN_KITCHEN, READY}),
    IN_KITCHEN: frozenset({READY}),
    READY: frozenset({COMPLETED}),
}
FINAL = frozenset({COMPLETED, CANCELLED})


@dataclass(frozen=True)
class LineInput:
    """One line as a caller asks for it, before validation."""

    name: str
    quantity: int
    unit_price_cents: int
    category: str = "prepared_food"
    discount_cents: int = 0


@dataclass
class OrderLine:
    line_id: uuid.UUID
    name: str
    category: str
    quantity: int
    unit_price_cents: int
    discount_cents: int
    tax_cents: int = 0


@dataclass(frozen=True)
class SalesTax:
    """What the tax engine computed for an order: the totals, the tax per line id, the rules used."""

    subtotal_cents: int
    tax_cents: int
    line_tax: dict[str, int]
    rules_version: str


@dataclass(frozen=True)
class StatusChange:
    """What a move did, for the event the service layer publishes."""

    previous: str
    current: str


@dataclass
class Order:
    order_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    server_staff_id: uuid.UUID
    lines: list[OrderLine]
    tip_cents: int
    placed_at: datetime
    status: str = PLACED
    subtotal_cents: int = 0
    tax_cents: int = 0
    currency_code: str = "USD"
    tax_rules_version: str = ""
    idempotency_key: str | None = None

    @classmethod
    def place(cls, *, tenant_id: uuid.UUID, location_id: uuid.UUID, server_staff_id: uuid.UUID,
              lines: list[LineInput], tip_cents: int, placed_at: datetime, new_id: Callable[[], uuid.UUID],
              idempotency_key: str | None = None) -> Order:
        """A new order, or InvalidInput naming the first bad field. Tax is applied afterwards
        (`apply_tax`): the tax engine checks what only it knows (the location's jurisdiction)."""
        if placed_at.tzinfo is None:
            raise ValueError("placed_at must be timezone-aware")
        if not lines:
            raise InvalidInput("an order needs at least one line", field="lines")
        if tip_cents < 0:
            raise InvalidInput("must not be negative", field="tip_cents")
        order_id = new_id()
        built = [_validated_line(index, line, new_id) for index, line in enumerate(lines)]
        return cls(order_id, tenant_id, location_id, server_staff_id, built, tip_cents, placed_at,
                   idempotency_key=idempotency_key)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.tax_cents + self.tip_cents

    def apply_tax(self, tax: SalesTax) -> None:
        self.subtotal_cents, self.tax_cents, self.tax_rules_version = (
            tax.subtotal_cents, tax.tax_cents, tax.rules_version)
        for line in self.lines:
            line.tax_cents = tax.line_tax.get(str(line.line_id), 0)

    def move_to(self, wanted: str) -> StatusChange:
        """The kitchen flow; Conflict (naming the current status) for any other move."""
        if wanted not in STATUSES:
            raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
        if wanted == CANCELLED:
            return self.cancel()
        allowed = NEXT_STATUS.get(self.status, frozenset())
        if wanted not in allowed:
            raise Conflict(f"cannot go from {self.status} to {wanted} "
                           f"(allowed: {', '.join(sorted(allowed)) or 'none'})", field="status")
        return self._set_status(wanted)

    def cancel(self) -> StatusChange:
        """Kept for the books with status cancelled; a completed or cancelled order cannot be.
        (The reason travels in the OrderCancelled event.)"""
        if self.status in FINAL:
            raise Conflict(f"a {self.status} order cannot be cancelled", field="status")
        return self._set_status(CANCELLED)

    def _set_status(self, wanted: str) -> StatusChange:
        change = StatusChange(self.status, wanted)
        self.status = wanted
        return change


def _validated_line(index: int, line: LineInput, new_id: Callable[[], uuid.UUID]) -> OrderLine:
    where = f"lines[{index}]"
    if not line.name.strip():
        raise InvalidInput("must not be empty", field=f"{where}.name")
    if line.category not in CATEGORIES:
        raise InvalidInput(f"must be one of {', '.join(CATEGORIES)}", field=f"{where}.category")
    if line.quantity <= 0:
        raise InvalidInput("must be positive", field=f"{where}.quantity")
    if line.unit_price_cents < 0:
        raise InvalidInput("must not be negative", field=f"{where}.unit_price_cents")
    if not 0 <= line.discount_cents <= line.quantity * line.unit_price_cents:
        raise InvalidInput("must be between 0 and the line amount", field=f"{where}.discount_cents")
    return OrderLine(new_id(), line.name.strip(), line.category, line.quantity, line.unit_price_cents,
                     line.discount_cents)


class IdempotencyKeyTaken(Exception):
    """Another order of the tenant already holds this Idempotency-Key (a concurrent retry won)."""
