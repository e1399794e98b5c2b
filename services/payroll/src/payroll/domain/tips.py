"""Tip rules that hold whatever stores or serves the tips (pure: no I/O)."""
from __future__ import annotations

from datetime import UTC, datetime

from chassis.errors import Conflict, InvalidInput

ORDER = "order"  # credited from a placed order; follows its order
PAYMENT = "payment"  # given with a payment of an order; a refunded tip is taken off it
MANUAL = "manual"  # entered by hand: declared cash tips, corrections

MAX_TIP_CENTS = 10**8  # one million dollars: anything above is a typo, not a tip


def tip_amount(tip_cents: int, *, hint: str = "") -> int:
    """A tip is a positive number of cents (a zero tip is no tip record at all)."""
    if isinstance(tip_cents, bool) or not isinstance(tip_cents, int) or tip_cents <= 0:
        raise InvalidInput("must be positive" + (f" ({hint})" if hint else ""), field="tip_cents")
    if tip_cents > MAX_TIP_CENTS:
        raise InvalidInput(f"must be at most {MAX_TIP_CENTS}", field="tip_cents")
    return tip_cents


def earned_at_utc(earned_at: datetime) -> datetime:
    """When tips were earned, in UTC; a time without a zone is refused, never guessed."""
    if earned_at.tzinfo is None:
        raise InvalidInput("must carry a time zone", field="earned_at")
    return earned_at.astimezone(UTC)


def ensure_manual(source: str) -> None:
    """Only hand-entered tips are edited by hand: an order's tip changes with its order."""
    if source == ORDER:
        raise Conflict("tips from orders follow their order; adjust the order instead", field="tip_record_id")
    if source != MANUAL:
        raise Conflict("tip pool records follow their pool: distribute the workweek again instead",
                       field="tip_record_id")
