"""Hypothesis properties over random jurisdictions and orders.

The oracles here use Decimal.quantize(ROUND_HALF_UP), a different code path from the
engine's Fraction arithmetic, so a rounding bug in either shows up as a disagreement.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tax.domain.sales import (
    CATEGORIES,
    LEVELS,
    JurisdictionRate,
    SalesLine,
    SalesTaxRequest,
    calculate_sales_tax,
)
from tax.domain.sales.money import allocate, round_half_up

AS_OF = date(2026, 3, 1)
rates = st.integers(min_value=0, max_value=15_000).map(lambda n: Decimal(n).scaleb(-5))  # 0 .. 15 %, 5 places


@st.composite
def jurisdiction_sets(draw):
    rounding = draw(st.sampled_from(["per_line", "per_invoice"]))
    n = draw(st.integers(min_value=1, max_value=5))
    out = []
    for i in range(n):
        overrides = draw(st.dictionaries(st.sampled_from(["prepared_food", "alcohol", "grocery"]), rates, max_size=3))
        out.append(
            JurisdictionRate(
                jurisdiction_id=f"j{i}", name=f"J{i}", level=draw(st.sampled_from(LEVELS)), rate=draw(rates),
                effective_from=date(2020, 1, 1), effective_to=None, rounding=rounding,
                location_ids=frozenset({"loc"}), category_rates=overrides, source="hypothesis",
            )
        )
    return out


@st.composite
def lines(draw):
    count = draw(st.integers(min_value=1, max_value=8))
    out = []
    for i in range(count):
        qty = draw(st.integers(min_value=1, max_value=50))
        price = draw(st.integers(min_value=0, max_value=200_000))
        discount = draw(st.integers(min_value=0, max_value=qty * price))
        out.append(SalesLine(f"l{i}", draw(st.sampled_from(CATEGORIES)), qty, price, discount))
    return tuple(out)


@st.composite
def requests(draw):
    exempt = draw(st.booleans())
    return SalesTaxRequest(
        location_id="loc", as_of=AS_OF, lines=draw(lines()), tax_exempt=exempt,
        exemption_reason="certificate" if exempt else None, prices_include_tax=draw(st.booleans()),
    )


def combined_rate(js, category):
    return sum((j.rate_for(category) for j in js), Decimal(0))


@settings(max_examples=300, deadline=None)
@given(requests(), jurisdiction_sets())
def test_invariants(req, js):
    r = calculate_sales_tax(req, js)
    # never negative
    assert r.total_tax_cents >= 0
    assert all(l.tax_cents >= 0 and l.net_cents >= 0 and l.taxable_cents >= 0 for l in r.lines)
    assert all(j.tax_cents >= 0 and j.taxable_cents >= 0 for j in r.jurisdictions)
    # both breakdowns add up to the total, exactly
    assert sum(l.tax_cents for l in r.lines) == r.total_tax_cents
    assert sum(j.tax_cents for j in r.jurisdictions) == r.total_tax_cents
    assert r.subtotal_cents == sum(l.net_cents for l in r.lines)
    assert r.total_cents == r.subtotal_cents + r.total_tax_cents
    gross = [line.gross_cents for line in req.lines]
    if req.prices_include_tax:
        assert [l.net_cents + l.tax_cents for l in r.lines] == gross
        assert r.total_cents == sum(gross)
    else:
        assert [l.net_cents for l in r.lines] == gross
    if req.tax_exempt:
        assert r.total_tax_cents == 0 and r.jurisdictions == ()
    # a jurisdiction's taxable base never exceeds the order's net amount
    assert all(j.taxable_cents <= r.subtotal_cents for j in r.jurisdictions)


def _half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@settings(max_examples=300, deadline=None)
@given(requests(), jurisdiction_sets())
def test_exclusive_matches_decimal_oracle(req, js):
    """Exclusive prices: per_line = sum of half-up line taxes; per_invoice = half-up of the sum."""
    if req.prices_include_tax or req.tax_exempt:
        return
    r = calculate_sales_tax(req, js)
    exact = [Decimal(l.gross_cents) * combined_rate(js, l.category) for l in req.lines]
    if js[0].rounding == "per_line":
        assert [l.tax_cents for l in r.lines] == [_half_up(e) for e in exact]
    else:
        assert r.total_tax_cents == _half_up(sum(exact, Decimal(0)))
        # and each line is within a cent of its exact share
        assert all(abs(Decimal(l.tax_cents) - e) < 1 + Decimal("0.5") for l, e in zip(r.lines, exact))


@settings(max_examples=200, deadline=None)
@given(requests(), jurisdiction_sets())
def test_inclusive_per_line_matches_decimal_oracle(req, js):
    if not req.prices_include_tax or req.tax_exempt or js[0].rounding != "per_line":
        return
    r = calculate_sales_tax(req, js)
    for line, res in zip(req.lines, r.lines):
        rate = combined_rate(js, line.category)
        exact = Fraction(line.gross_cents) * Fraction(rate) / (1 + Fraction(rate))
        assert res.tax_cents == round_half_up(exact)
        # the embedded tax re-applied to the net lands within half a cent of the tax
        assert abs(Fraction(res.net_cents) * Fraction(rate) - res.tax_cents) <= Fraction(1, 2) + Fraction(rate)


@given(st.integers(min_value=0, max_value=10_000), st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=10))
def test_allocate_is_exact_and_fair(total, weights):
    if sum(weights) == 0:
        total = 0
    parts = allocate(total, weights)
    assert sum(parts) == total
    s = sum(weights)
    for p, w in zip(parts, weights):
        quota = Fraction(total) * w / s if s else Fraction(0)
        assert quota - 1 < p < quota + 1
        if w == 0:
            assert p == 0
