"""Decimal constants and formatting shared by the payroll engine.

Every final per-period amount is rounded once, ROUND_HALF_UP to cents (217.50 x 6.2% = 13.485 -> 13.49;
banker's rounding would give 13.48). Intermediate worksheet lines stay unrounded: rounding line 2h or
3b of Worksheet 1A early can move the result by a cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
DOLLAR = Decimal(1)
MICRO = Decimal("0.000001")

# Arithmetic runs in this context, whatever the caller's thread context says: 28 significant digits
# would do, 34 leaves room for annualised amounts of very large payments.
ENGINE_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)


def fmt_money(x: Decimal) -> str:
    """A final amount as a string with exactly two decimals."""
    return str(x.quantize(CENT, ROUND_HALF_UP))


def fmt_line(x: object) -> str:
    """An explanation amount: two decimals when that is exact, otherwise up to six (unrounded lines).

    Worksheet intermediates are deliberately not rounded; showing them to 6 places lets a reader
    redo the arithmetic, the way payroll engines resolve 6 internal decimals to 2. Counts (ints) and
    texts are shown as they are.
    """
    if isinstance(x, Decimal):
        q = x.quantize(CENT, ROUND_HALF_UP)
        if q == x:
            return str(q)
        whole, _, fraction = format(x.quantize(MICRO, ROUND_HALF_UP), "f").partition(".")
        return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"
    return str(x)

