"""Exact arithmetic helpers: cents rounding and largest-remainder allocation.

Why Fraction internally: rates are finite decimals, but backing tax out of a tax-inclusive
price divides by (1 + rate), which Decimal can only approximate under a context precision.
Fractions are exact, so rounding decisions (the half-cent) never depend on precision
settings. Public values stay int cents and Decimal rates; Fractions never leave the engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction


def round_half_up(x: Fraction) -> int:
    """Round a non-negative amount of cents to an int, halves away from zero (ROUND_HALF_UP)."""
    if x < 0:  # tax amounts are never negative; refuse rather than guess a convention
        raise ValueError("round_half_up expects a non-negative amount")
    return math.floor(x + Fraction(1, 2))


def allocate(total: int, weights: Sequence[Fraction]) -> list[int]:
    """Split `total` cents in proportion to `weights` (largest-remainder / Hamilton method).

    Guarantees: the parts sum exactly to `total`; each part is floor or ceil of its exact
    quota; a zero weight gets 0. Ties in remainder go to the lower index, so the result is
    deterministic for a given order (callers pass lines in request order and jurisdictions
    in their canonical sorted order).
    """
    if total < 0:
        raise ValueError("allocate expects a non-negative total")
    weight_sum = sum(weights, Fraction(0))
    if weight_sum == 0:
        if total != 0:
            raise ValueError("cannot allocate a non-zero total over zero weights")
        return [0] * len(weights)
    quotas = [Fraction(total) * w / weight_sum for w in weights]
    parts = [math.floor(q) for q in quotas]
    leftover = total - sum(parts)
    # Stable sort on (-remainder, index): biggest remainder first, earliest line on ties.
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    return parts


def to_fraction(d: Decimal) -> Fraction:
    """Exact conversion (Fraction(Decimal) is exact; float would not be)."""
    return Fraction(d)


def rate_str(rate: Decimal) -> str:
    """Render a rate without exponent or trailing zeros: Decimal('0.09750') -> '0.0975'."""
    text = format(rate, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
