"""Orders domain: pure Python, no I/O."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from chassis.errors import Conflict, InvalidInput

CATEGORIES = ("general", "prepared_food", "alcohol", "grocery", "non_taxable")


@dataclass(frozen=True)
class LineInput:
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


@dataclass
class Order:
    order_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    server_staff_id: uuid.UUID
    lines: list[OrderLine]
    tip_cents: int
    placed_at: datetime
    status: str = "placed"
    subtotal_cents: int = 0
    tax_cents: int = 0
    currency_code: str = "USD"
    events: list = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.tax_cents + self.tip_cents

    def apply_tax(self, subtotal_cents: int, tax_cents: int, line_tax: dict[str, int]) -> None:
        self.subtotal_cents, self.tax_cents = subtotal_cents, tax_cents
        for line in self.lines:
            line.tax_cents = line_tax.get(str(line.line_id), 0)


def new_order(tenant_id: uuid.UUID, location_id: uuid.UUID, server_staff_id: uuid.UUID,
              lines: list[LineInput], tip_cents: int, placed_at: datetime) -> Order:
    """Validates what the tax engine does not know about (names, tips) and builds the order."""
    if not lines:
        raise InvalidInput("an order needs at least one line", field="lines")
    if tip_cents < 0:
        raise InvalidInput("must not be negative", field="tip_cents")
    built = []
    for index, line in enumerate(lines):
        if not line.name.strip():
            raise InvalidInput("must not be empty", field=f"lines[{index}].name")
        if line.category not in CATEGORIES:
            raise InvalidInput(f"must be one of {', '.join(CATEGORIES)}", field=f"lines[{index}].category")
        if line.quantity <= 0:
            raise InvalidInput("must be positive", field=f"lines[{index}].quantity")
        if line.unit_price_cents < 0:
            raise InvalidInput("must not be negative", field=f"lines[{index}].unit_price_cents")
        if not 0 <= line.discount_cents <= line.quantity * line.unit_price_cents:
            raise InvalidInput("must be between 0 and the line amount", field=f"lines[{index}].discount_cents")
        built.append(OrderLine(uuid.uuid4(), line.name.strip(), line.category, line.quantity,
                               line.unit_price_cents, line.discount_cents))
    return Order(uuid.uuid4(), tenant_id, location_id, server_staff_id, built, tip_cents, placed_at)


# The kitchen moves an order forward one step at a time; a finished or cancelled order stays put.
NEXT_STATUS = {"placed": {"in_kitchen", "ready"}, "in_kitchen": {"ready"}, "ready": {"completed"}}


def check_transition(current: str, wanted: str) -> None:
    if wanted == "cancelled":
        if current in ("completed", "cancelled"):
            raise Conflict(f"a {current} order cannot be cancelled", field="status")
        return
    if wanted not in NEXT_STATUS.get(current, set()):
        allowed = ", ".join(sorted(NEXT_STATUS.get(current, set()))) or "none"
        raise Conflict(f"cannot go from {current} to {wanted} (allowed: {allowed})", field="status")
