"""The pricing engine, case by case: windows, targets, effects, stacking, rounding, manager discounts,
and building rules from input (every refusal names its field)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction

import pytest
from chassis.errors import InvalidInput
from orders.domain.pricing import (
    AmountOff,
    BasketLine,
    BuyXGetY,
    FixedPrice,
    LineDiscount,
    ManagerDiscount,
    PercentOff,
    PricingRule,
    RuleInput,
    StaleVersion,
    Target,
    TimeWindow,
    allocate,
    apply_manager_discounts,
    apply_rules,
    build_manager_discount,
    build_rule,
    deactivated,
    effect_to_data,
    parse_effect,
    price_basket,
    revise,
    round_half_up,
    target_to_data,
    window_to_data,
)

pytestmark = pytest.mark.unit

TENANT = uuid.UUID(int=1)
WEEKDAYS = frozenset(range(5))
HAPPY_HOUR = TimeWindow(WEEKDAYS, time(16), time(18))
MONDAY_5PM = datetime(2026, 3, 16, 17, 0)  # 2026-03-16 is a Monday
MONDAY_7PM = datetime(2026, 3, 16, 19, 0)
SATURDAY_5PM = datetime(2026, 3, 21, 17, 0)

BEER = BasketLine("beer", 2, 700, item_id="i-beer", name="Lager", category="drinks", tags=frozenset({"bar"}))
WINGS = BasketLine("wings", 1, 1200, item_id="i-wings", name="Wings", category="food", tags=frozenset({"grill"}))
SODA = BasketLine("soda", 3, 250, item_id="i-soda", name="Cola", category="drinks")


def rule(rule_id: str, effect, **changes) -> PricingRule:
    return PricingRule(rule_id=rule_id, tenant_id=TENANT, name=changes.pop("name", rule_id), effect=effect, **changes)


def amounts(discounts: list[LineDiscount]) -> list[tuple[str, str, int]]:
    return [(d.line_ref, d.rule_id, d.amount_cents) for d in discounts]


# ---- rounding and allocation ------------------------------------------------------------------

@pytest.mark.parametrize(("exact", "cents"), [
    (Fraction(0), 0), (Fraction(1, 2), 1), (Fraction(3, 2), 2), (Fraction(149, 100), 1), (Fraction(249, 2), 125),
    (Fraction(105, 1000), 0), (Fraction(1049, 100), 10), (Fraction(1050, 100), 11), (Fraction(10**30 + 1, 2), 5 * 10**29 + 1)])
def test_round_half_up(exact, cents):
    assert round_half_up(exact) == cents


def test_a_percent_is_rounded_once_per_line_not_per_unit():
    cheap = BasketLine("x", 3, 35)  # 105 cents, 10 % = 10.5 -> 11 (per unit it would be 3 x 4 = 12 or 3 x 3 = 9)
    assert amounts(apply_rules([cheap], [rule("r", PercentOff(Decimal(10)))], MONDAY_5PM)) == [("x", "r", 11)]


@pytest.mark.parametrize(("total", "weights", "parts"), [
    (100, [1, 1, 1], [34, 33, 33]), (2, [1, 1, 1], [1, 1, 0]), (0, [5, 5], [0, 0]), (10, [10, 0], [10, 0]),
    (7, [300, 200, 500], [2, 1, 4]), (1000, [333, 333, 334], [333, 333, 334]), (0, [0, 0], [0, 0])])
def test_allocation_by_largest_remainder(total, weights, parts):
    assert allocate(total, weights) == parts and sum(parts) == total


def test_allocation_refuses_what_cannot_be_split():
    with pytest.raises(ValueError):
        allocate(1, [0, 0])
    with pytest.raises(ValueError):
        allocate(-1, [1])


# ---- windows, dates, targets, min quantity ------------------------------------------------------

@pytest.mark.parametrize(("local", "inside"), [
    (datetime(2026, 3, 16, 16, 0), True), (datetime(2026, 3, 16, 17, 59), True), (datetime(2026, 3, 16, 18, 0), False),
    (datetime(2026, 3, 16, 15, 59), False), (datetime(2026, 3, 20, 16, 30), True), (SATURDAY_5PM, False)])
def test_a_happy_hour_window(local, inside):
    assert HAPPY_HOUR.contains(local) is inside


@pytest.mark.parametrize(("local", "inside"), [
    (datetime(2026, 3, 20, 22, 0), True),   # Friday 22:00
    (datetime(2026, 3, 21, 1, 59), True),   # Saturday 01:59: still Friday's window
    (datetime(2026, 3, 21, 2, 0), False),
    (datetime(2026, 3, 21, 22, 30), False),  # Saturday night: not a Friday
    (datetime(2026, 3, 20, 1, 0), False),   # Friday 01:00 belongs to Thursday's window
    (datetime(2026, 3, 20, 21, 59), False)])
def test_a_window_crossing_midnight_belongs_to_the_day_it_starts(local, inside):
    late_friday = TimeWindow(frozenset({4}), time(22), time(2))
    assert late_friday.crosses_midnight and late_friday.contains(local) is inside


def test_sunday_night_runs_into_monday_morning():
    sunday = TimeWindow(frozenset({6}), time(23), time(1))
    assert sunday.contains(datetime(2026, 3, 23, 0, 30)) and not sunday.contains(datetime(2026, 3, 22, 0, 30))


def test_an_aware_local_time_is_read_on_its_own_wall_clock():
    from zoneinfo import ZoneInfo

    assert HAPPY_HOUR.contains(datetime(2026, 3, 16, 17, 0, tzinfo=ZoneInfo("America/New_York")))


def test_rules_apply_only_in_their_window_and_dates_and_when_active():
    happy = rule("happy", PercentOff(Decimal(20)), windows=(HAPPY_HOUR,), target=Target(categories=frozenset({"drinks"})))
    assert amounts(apply_rules([BEER, WINGS], [happy], MONDAY_5PM)) == [("beer", "happy", 280)]
    assert apply_rules([BEER, WINGS], [happy], MONDAY_7PM) == []
    assert apply_rules([BEER], [happy], SATURDAY_5PM) == []
    dated = rule("d", PercentOff(Decimal(10)), starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 16))
    assert apply_rules([BEER], [dated], MONDAY_5PM) and not apply_rules([BEER], [dated], datetime(2026, 3, 17, 12))
    assert not apply_rules([BEER], [dated], datetime(2026, 3, 15, 23, 59))
    assert apply_rules([BEER], [rule("off", PercentOff(Decimal(10)), active=False)], MONDAY_5PM) == []


def test_any_of_several_windows_will_do():
    brunch = TimeWindow(frozenset({5, 6}), time(10), time(13))
    both = rule("r", AmountOff(100), windows=(HAPPY_HOUR, brunch))
    assert apply_rules([WINGS], [both], datetime(2026, 3, 21, 11)) and apply_rules([WINGS], [both], MONDAY_5PM)
    assert not apply_rules([WINGS], [both], datetime(2026, 3, 21, 14))


@pytest.mark.parametrize(("target", "hit"), [
    (Target(), {"beer", "wings", "soda"}), (Target(item_ids=frozenset({"i-wings"})), {"wings"}),
    (Target(categories=frozenset({"drinks"})), {"beer", "soda"}), (Target(tags=frozenset({"bar", "grill"})), {"beer", "wings"}),
    (Target(item_ids=frozenset({"i-soda"}), tags=frozenset({"grill"})), {"soda", "wings"}),
    (Target(categories=frozenset({"dessert"})), set())])
def test_targets_pick_lines_by_item_category_or_tag(target, hit):
    found = apply_rules([BEER, WINGS, SODA], [rule("r", AmountOff(10), target=target)], MONDAY_5PM)
    assert {d.line_ref for d in found} == hit


def test_a_line_without_an_item_id_is_not_matched_by_item_ids():
    assert not apply_rules([BasketLine("x", 1, 100)], [rule("r", AmountOff(10), target=Target(item_ids=frozenset({""})))],
                           MONDAY_5PM)


def test_min_quantity_counts_the_targeted_units_of_the_whole_basket():
    drinks = rule("r", PercentOff(Decimal(10)), target=Target(categories=frozenset({"drinks"})), min_quantity=5)
    assert {d.line_ref for d in apply_rules([BEER, SODA], [drinks], MONDAY_5PM)} == {"beer", "soda"}  # 2 + 3
    assert apply_rules([BEER, WINGS], [drinks], MONDAY_5PM) == []  # wings do not count


# ---- effects -----------------------------------------------------------------------------------

def test_effects():
    at = MONDAY_5PM
    assert amounts(apply_rules([BEER], [rule("p", PercentOff(Decimal("12.5")))], at)) == [("beer", "p", 175)]
    assert amounts(apply_rules([BEER], [rule("a", AmountOff(150))], at)) == [("beer", "a", 300)]  # per unit
    assert amounts(apply_rules([BEER], [rule("a", AmountOff(900))], at)) == [("beer", "a", 1400)]  # not below zero
    assert amounts(apply_rules([BEER], [rule("f", FixedPrice(500))], at)) == [("beer", "f", 400)]
    assert apply_rules([BEER], [rule("f", FixedPrice(800))], at) == []  # a fixed price never raises one
    assert amounts(apply_rules([BEER], [rule("f", FixedPrice(0))], at)) == [("beer", "f", 1400)]
    assert amounts(apply_rules([BEER], [rule("all", PercentOff(Decimal(100)))], at)) == [("beer", "all", 1400)]


def test_buy_two_get_one_frees_the_cheapest_unit_of_each_group_of_three():
    b2g1 = rule("b2g1", BuyXGetY(2, 1))
    pool = [BasketLine("a", 2, 900), BasketLine("b", 1, 600), BasketLine("c", 3, 400)]  # 6 units: 2 free
    assert amounts(apply_rules(pool, [b2g1], MONDAY_5PM)) == [("c", "b2g1", 800)]
    assert amounts(apply_rules(pool[:2], [b2g1], MONDAY_5PM)) == [("b", "b2g1", 600)]  # 3 units: the 6.00 one
    assert apply_rules(pool[:1], [b2g1], MONDAY_5PM) == []  # 2 units: no group yet
    seven = [BasketLine("a", 5, 1000), BasketLine("b", 2, 300)]  # 7 units: 2 groups -> 2 free, cheapest: b's two
    assert amounts(apply_rules(seven, [b2g1], MONDAY_5PM)) == [("b", "b2g1", 600)]


def test_buy_x_get_y_at_a_percent_and_spread_over_lines_cheapest_first():
    half = rule("h", BuyXGetY(1, 1, Decimal(50)))
    pool = [BasketLine("a", 1, 1000), BasketLine("b", 1, 500), BasketLine("c", 2, 800)]  # 4 units: 2 at half
    assert amounts(apply_rules(pool, [half], MONDAY_5PM)) == [("b", "h", 250), ("c", "h", 400)]


def test_buy_x_get_y_ties_on_price_go_by_line_ref():
    pool = [BasketLine("z", 1, 500), BasketLine("a", 1, 500), BasketLine("m", 1, 500)]
    assert amounts(apply_rules(pool, [rule("r", BuyXGetY(2, 1))], MONDAY_5PM)) == [("a", "r", 500)]


# ---- stacking ----------------------------------------------------------------------------------

def test_combinable_rules_apply_in_priority_order_on_what_is_left():
    first, second = rule("a", AmountOff(200), priority=10), rule("b", PercentOff(Decimal(50)), priority=5)
    # 2 x 700: 400 off -> 1000 left, then 50 % of 1000
    assert amounts(apply_rules([BEER], [second, first], MONDAY_5PM)) == [("beer", "a", 400), ("beer", "b", 500)]
    swapped = [rule("a", AmountOff(200), priority=1), rule("b", PercentOff(Decimal(50)), priority=5)]
    # 50 % of 1400 = 700, then 400 off
    assert amounts(apply_rules([BEER], swapped, MONDAY_5PM)) == [("beer", "b", 700), ("beer", "a", 400)]


def test_equal_priorities_go_by_rule_id():
    rules = [rule("r2", PercentOff(Decimal(50))), rule("r1", AmountOff(600))]
    assert amounts(apply_rules([BEER], rules, MONDAY_5PM)) == [("beer", "r1", 1200), ("beer", "r2", 100)]


def test_an_exclusive_rule_excludes_every_other_rule_on_its_lines_only():
    drinks = Target(categories=frozenset({"drinks"}))
    exclusive = rule("x", PercentOff(Decimal(10)), target=drinks, exclusive=True, priority=0)
    combinable = rule("c", AmountOff(100), priority=99)
    found = amounts(apply_rules([BEER, WINGS], [combinable, exclusive], MONDAY_5PM))
    assert found == [("beer", "x", 140), ("wings", "c", 100)]


def test_of_two_exclusive_rules_the_first_in_priority_order_wins():
    low, high = rule("low", PercentOff(Decimal(90)), exclusive=True), rule("high", AmountOff(1), exclusive=True, priority=1)
    assert amounts(apply_rules([BEER], [low, high], MONDAY_5PM)) == [("beer", "high", 2)]


def test_an_exclusive_rule_out_of_its_window_excludes_nothing():
    closed = rule("x", PercentOff(Decimal(10)), exclusive=True, windows=(HAPPY_HOUR,))
    assert amounts(apply_rules([BEER], [closed, rule("c", AmountOff(100))], MONDAY_7PM)) == [("beer", "c", 200)]


def test_discounts_never_take_a_line_below_zero():
    rules = [rule("a", AmountOff(600)), rule("b", AmountOff(600)), rule("c", PercentOff(Decimal(100)))]
    found = apply_rules([BEER], rules, MONDAY_5PM)
    assert amounts(found) == [("beer", "a", 1200), ("beer", "b", 200)]


def test_the_same_rule_twice_counts_once_and_a_clash_of_ids_is_refused():
    once = rule("r", AmountOff(100))
    assert apply_rules([BEER], [once, once], MONDAY_5PM) == apply_rules([BEER], [once], MONDAY_5PM)
    with pytest.raises(ValueError):
        apply_rules([BEER], [once, rule("r", AmountOff(5))], MONDAY_5PM)


def test_line_refs_must_be_unique():
    with pytest.raises(InvalidInput) as error:
        apply_rules([BEER, BEER], [], MONDAY_5PM)
    assert error.value.field == "lines[1].line_ref"


def test_a_discount_names_its_rule():
    [found] = apply_rules([BEER], [rule("r-1", AmountOff(1), name="Happy hour")], MONDAY_5PM)
    assert found == LineDiscount("beer", "r-1", "Happy hour", 2)


# ---- manager discounts ----------------------------------------------------------------------------

def test_a_manager_discount_on_a_line_comes_after_the_rules():
    by_rules = apply_rules([BEER, WINGS], [rule("r", AmountOff(200), target=Target(item_ids=frozenset({"i-beer"})))],
                           MONDAY_5PM)
    comp = apply_manager_discounts([BEER, WINGS], [ManagerDiscount("cold", percent=Decimal(50), line_ref="beer")],
                                   by_rules)
    assert comp == [LineDiscount("beer", "manager", "manager discount: cold", 500, "cold")]  # half of 1000


def test_a_check_discount_is_split_over_the_lines_and_adds_up():
    lines = [BasketLine("a", 1, 1000), BasketLine("b", 1, 1000), BasketLine("c", 1, 1000)]
    split = apply_manager_discounts(lines, [ManagerDiscount("regular", amount_cents=100)])
    assert [d.amount_cents for d in split] == [34, 33, 33]
    pct = apply_manager_discounts(lines, [ManagerDiscount("birthday", percent=Decimal(10))])
    assert sum(d.amount_cents for d in pct) == 300


def test_a_manager_discount_is_capped_at_what_is_left():
    lines = [BasketLine("a", 1, 300)]
    assert [d.amount_cents for d in apply_manager_discounts(lines, [ManagerDiscount("x", amount_cents=999)])] == [300]
    assert apply_manager_discounts(lines, [ManagerDiscount("x", amount_cents=5)],
                                   [LineDiscount("a", "r", "r", 300)]) == []


def test_a_manager_discount_on_an_unknown_line_names_it():
    with pytest.raises(InvalidInput) as error:
        apply_manager_discounts([BEER], [ManagerDiscount("x", amount_cents=1, line_ref="nope")])
    assert error.value.field == "manager_discounts[0].line_ref"


def test_price_basket_sums_up():
    happy = rule("happy", PercentOff(Decimal(20)), target=Target(categories=frozenset({"drinks"})))
    quote = price_basket([BEER, WINGS], [happy], MONDAY_5PM, "America/New_York",
                         [ManagerDiscount("late food", amount_cents=200, line_ref="wings")])
    assert (quote.subtotal_cents, quote.discount_cents, quote.total_cents) == (2600, 480, 2120)
    assert [(p.line.line_ref, p.discount_cents, p.total_cents) for p in quote.lines] == [("beer", 280, 1120),
                                                                                           ("wings", 200, 1000)]
    assert [d.rule_id for d in quote.discounts] == ["happy", "manager"]


# ---- building rules from input --------------------------------------------------------------------

def build(**changes):
    data = {"name": "Happy hour", "effect": {"type": "percent_off", "percent": "20"}, **changes}
    return build_rule(RuleInput(**data), rule_id="r", tenant_id=TENANT, location_id=None)


def test_a_rule_is_built_from_input():
    made = build(target={"categories": ["drinks"]}, windows=[{"days": ["mon", "FRI"], "start": "16:00", "end": "18:00"}],
                 min_quantity=2, starts_on="2026-01-01", ends_on="2026-12-31", priority=5, exclusive=True)
    assert made.effect == PercentOff(Decimal(20)) and made.target.categories == {"drinks"}
    assert made.windows == (TimeWindow(frozenset({0, 4}), time(16), time(18)),)
    assert (made.min_quantity, made.starts_on, made.priority, made.exclusive, made.version) == (
        2, date(2026, 1, 1), 5, True, 1)
    assert window_to_data(made.windows[0]) == {"days": ["mon", "fri"], "start": "16:00", "end": "18:00"}
    assert target_to_data(made.target) == {"item_ids": [], "categories": ["drinks"], "tags": []}


@pytest.mark.parametrize("effect", [
    {"type": "percent_off", "percent": "12.5"}, {"type": "amount_off", "amount_cents": 150},
    {"type": "fixed_price", "unit_price_cents": 500}, {"type": "buy_x_get_y", "buy": 2, "get": 1, "percent": "100"}])
def test_effects_read_back_what_they_write(effect):
    assert effect_to_data(parse_effect(effect)) == effect


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": " "}, "name"),
    ({"effect": {"type": "free_beer"}}, "effect.type"),
    ({"effect": "percent"}, "effect"),
    ({"effect": {"type": "percent_off", "percent": 120}}, "effect.percent"),
    ({"effect": {"type": "percent_off", "percent": 0}}, "effect.percent"),
    ({"effect": {"type": "percent_off", "percent": -5}}, "effect.percent"),
    ({"effect": {"type": "percent_off", "percent": "abc"}}, "effect.percent"),
    ({"effect": {"type": "percent_off", "percent": "NaN"}}, "effect.percent"),
    ({"effect": {"type": "percent_off", "percent": "1.00001"}}, "effect.percent"),
    ({"effect": {"type": "percent_off"}}, "effect.percent"),
    ({"effect": {"type": "percent_off", "percent": 10, "amount_cents": 5}}, "effect.amount_cents"),
    ({"effect": {"type": "amount_off", "amount_cents": 0}}, "effect.amount_cents"),
    ({"effect": {"type": "amount_off", "amount_cents": 1.5}}, "effect.amount_cents"),
    ({"effect": {"type": "fixed_price", "unit_price_cents": -1}}, "effect.unit_price_cents"),
    ({"effect": {"type": "buy_x_get_y", "buy": 0, "get": 1}}, "effect.buy"),
    ({"effect": {"type": "buy_x_get_y", "buy": 2, "get": True}}, "effect.get"),
    ({"starts_on": "2026-05-01", "ends_on": "2026-04-30"}, "ends_on"),
    ({"starts_on": "2026-13-01"}, "starts_on"),
    ({"ends_on": "tomorrow"}, "ends_on"),
    ({"windows": [{"days": [], "start": "16:00", "end": "18:00"}]}, "windows[0].days"),
    ({"windows": [{"days": ["funday"], "start": "16:00", "end": "18:00"}]}, "windows[0].days[0]"),
    ({"windows": [{"days": ["mon"], "start": "25:00", "end": "18:00"}]}, "windows[0].start"),
    ({"windows": [{"days": ["mon"], "start": "16:00", "end": "6pm"}]}, "windows[0].end"),
    ({"windows": [{"days": ["mon"], "start": "16:00", "end": "16:00"}]}, "windows[0].end"),
    ({"windows": ["always"]}, "windows[0]"),
    ({"windows": "always"}, "windows"),
    ({"target": {"skus": ["x"]}}, "target.skus"),
    ({"target": {"categories": [""]}}, "target.categories[0]"),
    ({"target": {"tags": "bar"}}, "target.tags"),
    ({"min_quantity": 0}, "min_quantity"),
    ({"priority": 10**9}, "priority"),
    ({"exclusive": "yes"}, "exclusive"),
])
def test_a_bad_rule_is_refused_naming_the_field(changes, field):
    with pytest.raises(InvalidInput) as error:
        build(**changes)
    assert error.value.field == field


def test_a_revision_needs_the_current_version():
    made = build()
    revised = revise(made, RuleInput("Renamed", {"type": "amount_off", "amount_cents": 5}), expected_version=1,
                     location_id=None)
    assert (revised.rule_id, revised.name, revised.version) == ("r", "Renamed", 2)
    with pytest.raises(StaleVersion) as error:
        revise(revised, RuleInput("Again", {"type": "amount_off", "amount_cents": 5}), expected_version=1,
               location_id=None)
    assert error.value.http_status == 412 and error.value.field == "version"
    assert deactivated(revised).active is False and deactivated(revised).version == 3


@pytest.mark.parametrize(("data", "field"), [
    ({"percent": 10}, "m.reason"), ({"reason": "x"}, "m.percent"), ({"reason": "x", "percent": 5, "amount_cents": 5}, "m.percent"),
    ({"reason": "x", "percent": 101}, "m.percent"), ({"reason": "x", "amount_cents": 0}, "m.amount_cents"),
    ({"reason": "x", "amount_cents": 5, "line_ref": 3}, "m.line_ref")])
def test_a_bad_manager_discount_names_the_field(data, field):
    with pytest.raises(InvalidInput) as error:
        build_manager_discount(data, "m")
    assert error.value.field == field
