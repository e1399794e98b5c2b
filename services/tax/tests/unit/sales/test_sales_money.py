"""Rounding and largest-remainder allocation, on hand-checked numbers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from tax.domain.sales.money import allocate, rate_str, round_half_up


@pytest.mark.parametrize(
    "value, expected",
    [("0", 0), ("0.49", 0), ("0.5", 1), ("1.5", 2), ("2.5", 3), ("172.5", 173), ("88.8383", 89), ("7.4999", 7)],
)
def test_round_half_up(value, expected):
    # 2.5 -> 3 distinguishes ROUND_HALF_UP from banker's rounding (2)
    assert round_half_up(Fraction(Decimal(value))) == expected


def test_round_half_up_rejects_negative():
    with pytest.raises(ValueError):
        round_half_up(Fraction(-1, 2))


def test_largest_remainder_basic():
    # quotas 3.333.. each: floors 3,3,3, one leftover cent to the first (tie -> lowest index)
    assert allocate(10, [Fraction(1)] * 3) == [4, 3, 3]
    # remainders .2 / .3 / .5 -> the leftover cent goes to the .5
    assert allocate(10, [Fraction(22, 10), Fraction(33, 10), Fraction(45, 10)]) == [2, 3, 5]


def test_largest_remainder_scales_to_a_different_total():
    # weights sum 3.0 but total 4: quotas 1.333/1.333/1.333 -> 2,1,1
    assert allocate(4, [Fraction(1)] * 3) == [2, 1, 1]
    assert allocate(0, [Fraction(1), Fraction(2)]) == [0, 0]


def test_zero_weight_never_gets_a_cent():
    assert allocate(3, [Fraction(0), Fraction(1, 3), Fraction(0), Fraction(1, 3)]) == [0, 2, 0, 1]


def test_allocate_rejects_impossible_input():
    with pytest.raises(ValueError):
        allocate(1, [Fraction(0)])
    with pytest.raises(ValueError):
        allocate(-1, [Fraction(1)])


@pytest.mark.parametrize("rate, text", [("0.0950", "0.095"), ("0.08625", "0.08625"), ("0", "0"), ("0.10", "0.1"), ("0E-4", "0")])
def test_rate_str(rate, text):
    assert rate_str(Decimal(rate)) == text
