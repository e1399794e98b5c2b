"""What changed between two versions of a POS order, as orders needs to follow it (pure).

Lines are matched by the POS's own line id. A line whose id is new was added on the POS, one whose id
is gone was removed (voided there), one whose name, quantity, unit price, modifiers or note changed was
changed: orders takes a changed line as a void and an addition (ApplyExternalOrderChange), so a
quantity change reaches the kitchen like a server's own correction. Other fields (catalog reference,
applied taxes, the POS's line total) do not change our line and are not a change.

Payments: a payment that is COMPLETED now and was not before (absent, or pending) is new money to
record; one that was completed already has been recorded (orders' RecordPayment is idempotent by its
id anyway)."""
from __future__ import annotations

from dataclasses import dataclass

from pos_bridge.domain.model import LineItem, Order, Payment

COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class LineChanges:
    added: tuple[LineItem, ...] = ()
    removed: tuple[str, ...] = ()        # the POS line ids no longer on the order
    changed: tuple[LineItem, ...] = ()   # the new version of each changed line

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> dict:
        return {"added": [line.id for line in self.added], "removed": list(self.removed),
                "changed": [line.id for line in self.changed]}


def line_changes(before: Order, after: Order) -> LineChanges:
    old = {line.id: line for line in before.line_items}
    new = {line.id: line for line in after.line_items}
    return LineChanges(
        added=tuple(line for line in after.line_items if line.id not in old),
        removed=tuple(line.id for line in before.line_items if line.id not in new),
        changed=tuple(line for line in after.line_items if line.id in old and _differs(old[line.id], line)))


def _differs(a: LineItem, b: LineItem) -> bool:
    def key(line: LineItem) -> tuple:
        return (line.name, line.quantity, line.unit_price, line.note,
                tuple((m.name, m.quantity, m.unit_price) for m in line.modifiers))

    return key(a) != key(b)


def new_payments(before: Order | None, after: Order) -> list[Payment]:
    """Payments completed in `after` that were not completed in `before` (all completed ones when
    there is no before: the order reaches orders for the first time)."""
    done = {p.id for p in before.payments if p.status == COMPLETED} if before is not None else set()
    return [p for p in after.payments if p.status == COMPLETED and p.id and p.id not in done]
