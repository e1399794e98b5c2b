"""Hypothesis properties of the pricing engine over random baskets and rule sets.

The oracle for stacking recomputes the rules line by line with Decimal.quantize(ROUND_HALF_UP), a
different code path from the engine's Fractions, so a rounding or ordering bug in either disagrees."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from orders.domain.pricing import (
    AmountOff,
    BasketLine,
    BuyXGetY,
    FixedPrice,
    ManagerDiscount,
    PercentOff,
    PricingRule,
    Target,
    TimeWindow,
    allocate,
    apply_rules,
    price_basket,
)

pytestmark = pytest.mark.unit

TENANT = uuid.UUID(int=1)
CATEGORIES = ("drinks", "food", "dessert")
TAGS = ("bar", "grill", "cold")
ITEMS = ("i1", "i2", "i3", "i4")

percents = st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))  # 0.01 .. 100.00
cents = st.integers(min_value=0, max_value=50_000)
local_times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31))


@st.composite
def baskets(draw, max_lines: int = 6) -> list[BasketLine]:
    count = draw(st.integers(min_value=0, max_value=max_lines))
    return [BasketLine(f"l{index}", draw(st.integers(min_value=1, max_value=12)), draw(cents),
                       item_id=draw(st.none() | st.sampled_from(ITEMS)), category=draw(st.sampled_from(CATEGORIES)),
                       tags=frozenset(draw(st.sets(st.sampled_from(TAGS), max_size=2))))
            for index in range(count)]


simple_effects = st.one_of(percents.map(PercentOff), st.integers(min_value=1, max_value=5_000).map(AmountOff),
                           cents.map(FixedPrice))
effects = st.one_of(simple_effects, st.builds(BuyXGetY, st.integers(min_value=1, max_value=3),
                                              st.integers(min_value=1, max_value=2), percents))
targets = st.builds(Target, st.frozensets(st.sampled_from(ITEMS), max_size=2),
                    st.frozensets(st.sampled_from(CATEGORIES), max_size=2), st.frozensets(st.sampled_from(TAGS), max_size=1))
windows = st.builds(TimeWindow, st.frozensets(st.integers(min_value=0, max_value=6), min_size=1),
                    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
                    st.times().map(lambda t: t.replace(second=0, microsecond=0))).filter(lambda w: w.start != w.end)


@st.composite
def rule_sets(draw, effect_strategy=effects, max_rules: int = 6) -> list[PricingRule]:
    ids = draw(st.lists(st.integers(min_value=0, max_value=99), unique=True, max_size=max_rules))
    return [PricingRule(rule_id=f"r{number:02d}", tenant_id=TENANT, name=f"rule {number}", effect=draw(effect_strategy),
                        target=draw(targets), windows=tuple(draw(st.lists(windows, max_size=2))),
                        min_quantity=draw(st.integers(min_value=1, max_value=4)),
                        priority=draw(st.integers(min_value=0, max_value=3)), exclusive=draw(st.booleans()),
                        active=draw(st.booleans() | st.just(True)))
            for number in ids]


def per_line(discounts) -> dict[str, list[tuple[str, int]]]:
    result: dict[str, list[tuple[str, int]]] = {}
    for discount in discounts:
        result.setdefault(discount.line_ref, []).append((discount.rule_id, discount.amount_cents))
    return result


@settings(max_examples=300, deadline=None)
@given(baskets(), rule_sets(), local_times, st.lists(st.tuples(st.none() | percents, st.integers(1, 100_000)), max_size=3))
def test_no_line_ever_goes_below_zero_and_no_discount_exceeds_its_line(lines, rules, at, manual):
    manager = [ManagerDiscount("why", percent=p) if p is not None else ManagerDiscount("why", amount_cents=a)
               for p, a in manual]
    quote = price_basket(lines, rules, at, manager_discounts=manager)
    for priced in quote.lines:
        assert all(d.amount_cents > 0 for d in priced.discounts)
        assert 0 <= priced.discount_cents <= priced.line.amount_cents and priced.total_cents >= 0
    assert quote.total_cents == quote.subtotal_cents - quote.discount_cents >= 0


@settings(max_examples=300, deadline=None)
@given(baskets(), rule_sets(), local_times, st.randoms(use_true_random=False))
def test_the_order_rules_and_lines_are_given_in_changes_nothing(lines, rules, at, random):
    expected = apply_rules(lines, rules, at)
    shuffled_rules, shuffled_lines = list(rules), list(lines)
    random.shuffle(shuffled_rules)
    random.shuffle(shuffled_lines)
    assert apply_rules(lines, shuffled_rules, at) == expected
    assert per_line(apply_rules(shuffled_lines, shuffled_rules, at)) == per_line(expected)


@settings(max_examples=300, deadline=None)
@given(baskets(), rule_sets(), local_times)
def test_stacking_exclusive_excludes_and_combinable_follow_priority_then_id(lines, rules, at):
    by_id = {rule.rule_id: rule for rule in rules}
    found = per_line(apply_rules(lines, rules, at))
    for line in lines:
        eligible = [r for r in rules if r.in_effect_at(at) and r.target.matches(line)
                    and sum(x.quantity for x in lines if r.target.matches(x)) >= r.min_quantity]
        given_by = [rule_id for rule_id, _ in found.get(line.line_ref, [])]
        exclusive = sorted((r for r in eligible if r.exclusive), key=lambda r: r.sort_key)
        if exclusive:
            assert set(given_by) <= {exclusive[0].rule_id}
        else:
            assert set(given_by) <= {r.rule_id for r in eligible}
        assert given_by == sorted(given_by, key=lambda rule_id: by_id[rule_id].sort_key)


def oracle(line: BasketLine, rules: list[PricingRule], lines: list[BasketLine], at: datetime) -> list[tuple[str, int]]:
    """Stacking of percent / amount / fixed rules on one line, with Decimal arithmetic."""
    eligible = sorted((r for r in rules if r.in_effect_at(at) and r.target.matches(line)
                       and sum(x.quantity for x in lines if r.target.matches(x)) >= r.min_quantity),
                      key=lambda r: (-r.priority, r.rule_id))
    exclusive = [r for r in eligible if r.exclusive]
    left, out = Decimal(line.amount_cents), []
    for rule in exclusive[:1] or eligible:
        effect = rule.effect
        if isinstance(effect, PercentOff):
            off = (left * effect.percent / 100).quantize(Decimal(1), ROUND_HALF_UP)
        elif isinstance(effect, AmountOff):
            off = Decimal(effect.amount_cents * line.quantity)
        else:
            off = max(Decimal(0), left - effect.unit_price_cents * line.quantity)
        off = min(off, left)
        if off > 0:
            left -= off
            out.append((rule.rule_id, int(off)))
    return out


@settings(max_examples=300, deadline=None)
@given(baskets(), rule_sets(simple_effects), local_times)
def test_the_engine_agrees_with_a_decimal_oracle(lines, rules, at):
    found = per_line(apply_rules(lines, rules, at))
    for line in lines:
        assert found.get(line.line_ref, []) == oracle(line, rules, lines, at)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=3),
       st.lists(st.tuples(st.integers(1, 10), st.integers(0, 5_000)), min_size=1, max_size=5))
def test_buy_x_get_y_reduces_exactly_the_cheapest_units(buy, get, spec):
    lines = [BasketLine(f"l{index}", quantity, price) for index, (quantity, price) in enumerate(spec)]
    rule = PricingRule(rule_id="r", tenant_id=TENANT, name="r", effect=BuyXGetY(buy, get))
    units = sorted(price for quantity, price in spec for _ in range(quantity))
    free = len(units) // (buy + get) * get
    assert sum(d.amount_cents for d in apply_rules(lines, [rule], datetime(2026, 3, 16, 12))) == sum(units[:free])


@given(st.integers(min_value=0, max_value=10**9), st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=12))
def test_a_check_level_allocation_sums_exactly_and_stays_within_each_line(total, weights):
    if sum(weights) == 0:
        total = 0
    total = min(total, sum(weights))
    parts = allocate(total, weights)
    assert sum(parts) == total
    whole = sum(weights) or 1
    for part, weight in zip(parts, weights, strict=True):
        assert 0 <= part <= weight
        assert abs(part * whole - total * weight) < whole  # within a cent of the exact share


@settings(max_examples=200, deadline=None)
@given(baskets(), st.integers(min_value=1, max_value=10**6))
def test_a_check_discount_splits_to_the_cent(lines, amount):
    quote = price_basket(lines, [], datetime(2026, 3, 16, 12), manager_discounts=[ManagerDiscount("r", amount_cents=amount)])
    assert quote.discount_cents == min(amount, quote.subtotal_cents)


@given(windows, local_times)
def test_a_window_is_a_fixed_span_after_its_start(window, at):
    """Inside a window means: at most its length after a start on one of its days."""
    length = (datetime.combine(at.date(), window.end) - datetime.combine(at.date(), window.start)) % timedelta(days=1)
    starts = [datetime.combine((at - timedelta(days=back)).date(), window.start) for back in (0, 1)]
    inside = any(start <= at < start + length and start.weekday() in window.days for start in starts)
    assert window.contains(at) is inside
