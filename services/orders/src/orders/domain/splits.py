"""Split checks: a check's total cut into parts (sub-balances), each paid on its own.

Every split hands out exactly the check's total: amounts are cut with the largest-remainder method,
so no cent is lost or invented whatever the seats, shares or number of ways.

- by seat: each seat pays its lines (net + tax); the unseated (shared) lines and the tip given at
  opening are shared in proportion to what each seat ate.
- by amount: the parts the client names must add up to the total.
- evenly: N ways (the first parts take the odd cents).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chassis.errors import Conflict, InvalidInput

BY_SEAT, BY_AMOUNT, EVENLY = "seat", "amount", "even"
KINDS = (BY_SEAT, BY_AMOUNT, EVENLY)
MAX_PARTS = 100


@dataclass(frozen=True)
class SplitPart:
    split_id: uuid.UUID
    position: int
    kind: str
    label: str
    amount_cents: int
    order_total_cents: int  # the check's total when split: if it changed, the split is stale
    seat: int | None = None


@dataclass(frozen=True)
class SeatedAmount:
    """What one line costs (net + tax) and its seat (None = shared)."""

    seat: int | None
    amount_cents: int


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """`total` cut in proportion to `weights` (largest remainder; ties go to the earlier part).
    The parts always add up to `total` exactly; all-zero weights cut evenly."""
    if not weights:
        raise ValueError("nothing to allocate to")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if sum(weights) == 0:
        weights = [1] * len(weights)
    sign, total = (-1, -total) if total < 0 else (1, total)
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[:total - sum(shares)]:
        shares[i] += 1
    return [sign * share for share in shares]


def by_seat(total: int, lines: Sequence[SeatedAmount], new_id: Callable[[], uuid.UUID]) -> list[SplitPart]:
    seats: dict[int, int] = {}
    for line in lines:
        if line.seat is not None:
            seats[line.seat] = seats.get(line.seat, 0) + line.amount_cents
    if not seats:
        raise Conflict("no line of the check has a seat: split by amount or evenly", field="by")
    ordered = sorted(seats)
    # The shared lines, the opening tip and any rounding of the tax: whatever the seats do not cover.
    shared = allocate(total - sum(seats.values()), [max(0, seats[s]) for s in ordered])
    return [SplitPart(new_id(), position, BY_SEAT, f"seat {seat}", seats[seat] + extra, total, seat)
            for position, (seat, extra) in enumerate(zip(ordered, shared, strict=True))]


def by_amounts(total: int, amounts: Sequence[int], new_id: Callable[[], uuid.UUID]) -> list[SplitPart]:
    _check_count(len(amounts), "amounts")
    for index, amount in enumerate(amounts):
        if amount <= 0:
            raise InvalidInput("must be positive", field=f"amounts[{index}]")
    if sum(amounts) != total:
        raise InvalidInput(f"must add up to the check's total {total} (they add up to {sum(amounts)})",
                           field="amounts")
    return [SplitPart(new_id(), position, BY_AMOUNT, f"part {position + 1}", amount, total)
            for position, amount in enumerate(amounts)]


def evenly(total: int, ways: int, new_id: Callable[[], uuid.UUID]) -> list[SplitPart]:
    _check_count(ways, "ways")
    if ways > total:
        raise InvalidInput(f"at most {total} ways (a part must be at least one cent)", field="ways")
    return [SplitPart(new_id(), position, EVENLY, f"part {position + 1} of {ways}", amount, total)
            for position, amount in enumerate(allocate(total, [1] * ways))]


def _check_count(count: int, field: str) -> None:
    if not 2 <= count <= MAX_PARTS:
        raise InvalidInput(f"a split has between 2 and {MAX_PARTS} parts", field=field)
