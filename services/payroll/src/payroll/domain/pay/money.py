"""Decimal helpers for the pay engine: one rounding rule, one place.

Rules file section 6: exact decimal arithmetic, intermediates unrounded (rates such as 10.875 or a regular
rate of 20.7345679...), and each final amount (each earnings line) rounded once, ROUND_HALF_UP to the cent.
Totals (cash wages, gross wages) are sums of already rounded lines, so the stub always adds up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")

# Arithmetic runs in this context whatever the caller's thread context is (28 digits would do).
PAY_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP)


def to_cents(x: Decimal) -> Decimal:
    """A final amount, half-up to the cent (28.775 -> 28.78; banker's rounding would give 28.78 too but 13.485 -> 13.48)."""
    return x.quantize(CENT, ROUND_HALF_UP, PAY_CONTEXT) + ZERO


def fmt_money(x: Decimal) -> str:
    return str(to_cents(x))


def fmt_num(x: Decimal) -> str:
    """Hours and rates: two decimals when that is exact, otherwise up to six (10.875, 20.734568).

    Rates are shown unrounded-to-six so a reader can redo hours x rate; the amount itself was computed
    from the exact rate and rounded once.
    """
    q = x.quantize(CENT, ROUND_HALF_UP, PAY_CONTEXT)
    if q == x:
        return str(q + ZERO)
    whole, _, fraction = format(x.quantize(MICRO, ROUND_HALF_UP, PAY_CONTEXT), "f").partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"
