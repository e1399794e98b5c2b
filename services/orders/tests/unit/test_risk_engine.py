"""The risk rules engine (pure): every rule at, below and above its threshold, the shifts on the
location's wall clock, the rules as data (defaults, tenant overrides, bad settings naming the field),
and a case's scoring and decisions."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from chassis.errors import Conflict, InvalidInput
from orders.domain import risk as model
from orders.domain.risk import Facts, Observation, ShiftKey, discount_percent, evaluate, shift_of
from orders.domain.risk_case import CONFIRMED, DISMISSED, OPEN, WATCHING, RiskCase, StaleCase
from orders.domain.risk_rules import Shift, check_overrides, default_document, effective_rules

TENANT = uuid.UUID(int=1)
LOCATION = uuid.UUID(int=2)
ORDER = uuid.UUID(int=3)
STAFF = uuid.UUID(int=4)
AT = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)  # 19:30 in New York (EDT)
SHIFT = ShiftKey(date(2026, 3, 14), "night")
RULES = effective_rules()


def observe(kind: str, **changes) -> Observation:
    return replace(Observation(kind, TENANT, LOCATION, ORDER, STAFF, "manager-1", AT), **changes)


def facts(**changes) -> Facts:
    return replace(Facts(SHIFT), **changes)


def rules_fired(observation: Observation, known: Facts, rules=RULES) -> list[str]:
    return [hit.rule for hit in evaluate(observation, known, rules)]


# ---------------------------------------------------------------- shifts
NY = "America/New_York"
DEFAULT_SHIFTS = RULES.shifts  # day 05:00-16:00, night 16:00-05:00


@pytest.mark.parametrize(("utc", "expected"), [
    (datetime(2026, 3, 14, 9, 0, tzinfo=UTC), ShiftKey(date(2026, 3, 14), "day")),     # 05:00 EDT: day starts
    (datetime(2026, 3, 14, 8, 59, tzinfo=UTC), ShiftKey(date(2026, 3, 13), "night")),  # 04:59: yesterday's night
    (datetime(2026, 3, 14, 19, 59, tzinfo=UTC), ShiftKey(date(2026, 3, 14), "day")),   # 15:59
    (datetime(2026, 3, 14, 20, 0, tzinfo=UTC), ShiftKey(date(2026, 3, 14), "night")),  # 16:00
    (datetime(2026, 3, 15, 5, 30, tzinfo=UTC), ShiftKey(date(2026, 3, 14), "night")),  # 01:30 next day, same night
])
def test_shifts_are_read_on_the_locations_wall_clock(utc, expected):
    assert shift_of(utc, NY, DEFAULT_SHIFTS) == expected


def test_the_same_instant_is_another_shift_in_another_zone():
    instant = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    assert shift_of(instant, "UTC", DEFAULT_SHIFTS) == ShiftKey(date(2026, 3, 13), "night")  # 03:00 UTC
    assert shift_of(instant, "Asia/Tokyo", DEFAULT_SHIFTS) == ShiftKey(date(2026, 3, 14), "day")  # 12:00 JST


def test_outside_every_shift_the_whole_local_day_is_one():
    lunch_only = (Shift("lunch", time(11), time(15)),)
    assert shift_of(datetime(2026, 3, 14, 20, 0, tzinfo=UTC), NY, lunch_only) == ShiftKey(date(2026, 3, 14), "day")
    assert shift_of(datetime(2026, 3, 14, 16, 0, tzinfo=UTC), NY, lunch_only) == ShiftKey(date(2026, 3, 14), "lunch")
    assert shift_of(AT, NY, ()) == ShiftKey(date(2026, 3, 14), "day")


def test_daylight_saving_moves_the_shift_boundary_with_the_wall_clock():
    # 2026-03-08: New York goes from EST (-5) to EDT (-4). 16:00 local is 21:00 UTC before, 20:00 after.
    assert shift_of(datetime(2026, 3, 7, 20, 30, tzinfo=UTC), NY, DEFAULT_SHIFTS).name == "day"   # 15:30 EST
    assert shift_of(datetime(2026, 3, 9, 20, 30, tzinfo=UTC), NY, DEFAULT_SHIFTS).name == "night"  # 16:30 EDT


# ---------------------------------------------------------------- voids per shift
@pytest.mark.parametrize(("voids", "fires"), [(1, False), (2, False), (3, True), (7, True)])
def test_voids_per_shift_fire_above_the_threshold(voids, fires):
    fired = rules_fired(observe(model.VOID_ORDER), facts(shift_voids=voids))
    assert ("voids_per_shift" in fired) is fires


def test_voids_per_shift_count_against_the_staff_members_shift():
    [hit] = [h for h in evaluate(observe(model.VOID_LINE, line_id="l1"), facts(shift_voids=3), RULES)
             if h.rule == "voids_per_shift"]
    assert hit.subject == model.Subject(model.STAFF_SHIFT, f"{STAFF}/2026-03-14/night")
    assert hit.score == 60 and "3 voids" in hit.reason and "2026-03-14/night" in hit.reason


def test_a_pos_order_without_a_server_counts_against_nobody():
    assert rules_fired(observe(model.VOID_ORDER, staff_id=model.NIL), facts(shift_voids=9)) == []


def test_a_tenant_threshold_replaces_the_default():
    strict = effective_rules({"rules": {"voids_per_shift": {"max_count": 0}}})
    assert "voids_per_shift" in rules_fired(observe(model.VOID_ORDER), facts(shift_voids=1), strict)
    off = effective_rules({"rules": {"voids_per_shift": {"enabled": False}}})
    assert rules_fired(observe(model.VOID_ORDER), facts(shift_voids=99), off) == []


# ---------------------------------------------------------------- discounts
@pytest.mark.parametrize(("discounted", "fires"), [(10, False), (11, True)])
def test_discounts_per_shift(discounted, fires):
    step = observe(model.DISCOUNTS, discounted_lines=1, gross_cents=1000, discount_cents=100)
    assert ("discounts_per_shift" in rules_fired(step, facts(shift_discounts=discounted))) is fires


@pytest.mark.parametrize(("discount", "gross", "fires"), [(500, 1000, False), (501, 1000, True), (0, 0, False)])
def test_discount_percentage_above_the_threshold(discount, gross, fires):
    step = observe(model.DISCOUNTS, discounted_lines=1, gross_cents=gross, discount_cents=discount)
    assert ("discount_percent" in rules_fired(step, facts())) is fires


def test_discount_percent_is_exact_to_the_cent():
    assert str(discount_percent(1, 3)) == "33.33" and str(discount_percent(2, 3)) == "66.67"


# ---------------------------------------------------------------- money
@pytest.mark.parametrize(("kind", "paid", "refunded", "fires"), [
    (model.VOID_ORDER, 1000, 0, True), (model.VOID_LINE, 1, 0, True), (model.CANCEL, 500, 0, True),
    (model.VOID_ORDER, 0, 0, False), (model.VOID_ORDER, 1000, 1000, False), (model.CLOSE, 1000, 0, False)])
def test_void_after_payment(kind, paid, refunded, fires):
    assert ("void_after_payment" in rules_fired(observe(kind), facts(paid_cents=paid, refunded_cents=refunded))) is fires


def test_a_cancel_is_not_a_void_of_the_shift():
    assert "voids_per_shift" not in rules_fired(observe(model.CANCEL), facts(shift_voids=9))


@pytest.mark.parametrize(("kind", "amount", "paid", "refunded", "fires"), [
    (model.REFUND, 1000, 1000, 0, False), (model.REFUND, 1001, 1000, 0, True),
    (model.REFUND, 600, 1000, 500, True), (model.REFUND_REFUSED, 2000, 1000, 0, True)])
def test_refund_above_the_amount_paid(kind, amount, paid, refunded, fires):
    fired = rules_fired(observe(kind, amount_cents=amount), facts(paid_cents=paid, refunded_cents=refunded))
    assert ("refund_over_paid" in fired) is fires


@pytest.mark.parametrize("kind", [model.PAID, model.CLOSE])
@pytest.mark.parametrize(("total", "usual", "orders", "fires"), [
    (10_000, 2_000, 20, False), (10_001, 2_000, 20, True), (50_000, 2_000, 19, False), (50_000, None, 0, False)])
def test_order_total_far_above_the_locations_usual(kind, total, usual, orders, fires):
    step = observe(kind, order_total_cents=total)
    assert ("order_total_outlier" in rules_fired(step, facts(usual_total_cents=usual, usual_orders=orders))) is fires


@pytest.mark.parametrize(("uses", "card", "fires"), [(3, "visa:4242", False), (4, "visa:4242", True), (9, "", False)])
def test_the_same_card_many_times_in_a_short_window(uses, card, fires):
    hits = evaluate(observe(model.PAYMENT, card_ref=card, amount_cents=500), facts(card_uses=uses), RULES)
    assert any(h.rule == "card_velocity" for h in hits) is fires
    if fires:
        assert hits[0].subject == model.Subject(model.CARD, "visa:4242/2026-03-14")


@pytest.mark.parametrize(("kind", "closed", "fires"), [
    (model.EDIT, True, True), (model.VOID_LINE, True, True), (model.EDIT, False, False), (model.REFUND, True, False)])
def test_orders_edited_after_close(kind, closed, fires):
    assert ("edited_after_close" in rules_fired(observe(kind), facts(closed=closed))) is fires


def test_nothing_unusual_scores_nothing():
    assert evaluate(observe(model.EDIT), facts(), RULES) == []
    assert evaluate(observe(model.PAYMENT, amount_cents=500), facts(paid_cents=0), RULES) == []


# ---------------------------------------------------------------- rules as data
def test_the_defaults_are_data_with_a_version():
    document = default_document()
    assert document["version"] == RULES.version and RULES.flag_threshold == document["flag_threshold"]
    assert set(RULES.rules) == set(document["rules"])


@pytest.mark.parametrize(("overrides", "field"), [
    ({"flag_threshold": 0}, "flag_threshold"),
    ({"flag_threshold": "50"}, "flag_threshold"),
    ({"hold_flagged_orders": "yes"}, "hold_flagged_orders"),
    ({"rules": {"voids_per_shift": {"max_count": -1}}}, "rules.voids_per_shift.max_count"),
    ({"rules": {"voids_per_shift": {"max_cont": 3}}}, "rules.voids_per_shift.max_cont"),
    ({"rules": {"discount_percent": {"max_percent": "101"}}}, "rules.discount_percent.max_percent"),
    ({"rules": {"discount_percent": {"max_percent": "NaN"}}}, "rules.discount_percent.max_percent"),
    ({"rules": {"card_velocity": {"score": True}}}, "rules.card_velocity.score"),
    ({"rules": {"no_such_rule": {}}}, "rules.no_such_rule"),
    ({"shifts": [{"name": "day", "start": "25:00", "end": "16:00"}]}, "shifts[0].start"),
    ({"shifts": [{"name": "a", "start": "05:00", "end": "16:00"}, {"name": "a", "start": "16:00", "end": "05:00"}]},
     "shifts[1].name"),
    ({"colour": "red"}, "colour"),
    ({"": 1}, "settings"),  # found by schemathesis: an empty key still names a field
])
def test_bad_settings_name_the_field(overrides, field):
    with pytest.raises(InvalidInput) as error:
        check_overrides(overrides)
    assert error.value.field == field


def test_overrides_merge_over_the_defaults_rule_by_rule():
    rules = effective_rules({"flag_threshold": 80, "rules": {"discount_percent": {"max_percent": "25.5"}}})
    assert rules.flag_threshold == 80 and str(rules.rules["discount_percent"].params["max_percent"]) == "25.5"
    assert rules.rules["discount_percent"].score == RULES.rules["discount_percent"].score  # kept from the defaults
    assert rules.rules["voids_per_shift"] == RULES.rules["voids_per_shift"]


# ---------------------------------------------------------------- cases
def new_case() -> RiskCase:
    return RiskCase.start(tenant_id=TENANT, location_id=LOCATION, subject=model.Subject(model.ORDER, str(ORDER)),
                          at=AT, new_id=lambda: uuid.UUID(int=99))


def hit(rule: str, score: int, evidence: str = "x") -> model.Hit:
    return model.Hit(rule, score, "why", model.Subject(model.ORDER, str(ORDER)), evidence, ORDER, AT)


def test_a_case_is_flagged_when_its_score_reaches_the_threshold_once():
    case = new_case()
    assert case.add([hit("void_after_payment", 30)], threshold=50, hold=False, at=AT) == ([hit("void_after_payment", 30)], False)
    assert case.status == WATCHING and case.order_id == ORDER
    new, flagged = case.add([hit("discount_percent", 30)], threshold=50, hold=True, at=AT)
    assert flagged and case.status == OPEN and case.score == 60 and case.held and case.flagged_at == AT
    assert case.add([hit("edited_after_close", 50)], threshold=50, hold=False, at=AT)[1] is False  # flagged already
    assert case.score == 110


def test_a_repeated_hit_scores_once():
    case = new_case()
    case.add([hit("void_after_payment", 30, "void_order")], threshold=50, hold=False, at=AT)
    assert case.add([hit("void_after_payment", 30, "void_order")], threshold=50, hold=False, at=AT) == ([], False)
    assert case.score == 30 and case.version == 2


@pytest.mark.parametrize(("decision", "status"), [("confirm", CONFIRMED), ("dismiss", DISMISSED)])
def test_a_manager_decides_an_open_case_with_a_reason(decision, status):
    case = new_case()
    case.add([hit("refund_over_paid", 100)], threshold=50, hold=True, at=AT)
    with pytest.raises(InvalidInput) as no_reason:
        case.resolve(decision, reason=" ", actor_id="m", at=AT)
    assert no_reason.value.field == "reason"
    with pytest.raises(StaleCase):
        case.resolve(decision, reason="seen", actor_id="m", at=AT, expected_version=1)
    case.resolve(decision, reason="seen on camera", actor_id="m", at=AT, expected_version=2)
    assert (case.status, case.held, case.resolved_by, case.resolution_reason) == (status, False, "m", "seen on camera")
    with pytest.raises(Conflict) as again:
        case.resolve("dismiss", reason="twice", actor_id="m", at=AT)
    assert again.value.field == "status"


def test_a_case_below_the_threshold_cannot_be_decided():
    with pytest.raises(Conflict):
        new_case().resolve("confirm", reason="why", actor_id="m", at=AT)
