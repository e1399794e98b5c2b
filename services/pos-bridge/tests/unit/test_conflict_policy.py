"""The menu sync's per-field conflict policy and the per-connection circuit breaker (pure)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chassis.errors import InvalidInput
from hypothesis import given
from hypothesis import strategies as st
from pos_bridge.domain.circuit import FAILURE_THRESHOLD, Circuit, allows, record_failure, record_success
from pos_bridge.domain.conflict_policy import DEFAULT_POLICY, Outcome, Rule, decide, decide_all, parse_policy

T0 = datetime(2026, 11, 29, 12, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)


def test_pos_wins_price_and_name_whatever_the_times():
    assert decide("price_cents", 1200, 1100, T0, LATER).outcome is Outcome.TAKE_POS
    assert decide("name", "Steak", "steak", None, None).outcome is Outcome.TAKE_POS


def test_aura_wins_kitchen_routing():
    for field in ("kitchen_tags", "prep_time_seconds", "course"):
        decision = decide(field, "pos", "ours", LATER, T0)
        assert decision.outcome is Outcome.KEEP_AURA and decision.rule is Rule.AURA


def test_last_writer_wins_by_modification_time_otherwise():
    assert decide("description", "pos", "ours", LATER, T0).outcome is Outcome.TAKE_POS
    assert decide("description", "pos", "ours", T0, LATER).outcome is Outcome.KEEP_AURA
    assert decide("some_new_field", "pos", "ours", LATER, T0).rule is Rule.LWW   # unnamed fields: LWW


def test_what_the_policy_cannot_decide_goes_to_review():
    assert decide("description", "pos", "ours", None, T0).outcome is Outcome.REVIEW       # time unknown
    assert decide("description", "pos", "ours", T0, T0).outcome is Outcome.REVIEW         # simultaneous
    assert decide("category", "Mains", "Grill", LATER, T0).outcome is Outcome.REVIEW      # policy: review


def test_equal_values_are_no_conflict_and_one_sided_fields_are_skipped():
    assert decide("price_cents", 1200, 1200, None, None).outcome is Outcome.SAME
    decisions = decide_all({"name": "A", "price_cents": 1}, {"name": "A", "kitchen_tags": ["grill"]}, T0, T0)
    assert [(d.field, d.outcome) for d in decisions] == [("name", Outcome.SAME)]


def test_policy_overrides_are_data_and_checked():
    policy = parse_policy({"price_cents": "aura"})
    assert policy["price_cents"] is Rule.AURA and policy["name"] is DEFAULT_POLICY["name"]
    assert decide("price_cents", 1200, 1100, LATER, T0, policy).outcome is Outcome.KEEP_AURA
    with pytest.raises(InvalidInput) as refused:
        parse_policy({"price_cents": "coin-toss"})
    assert refused.value.field == "policy.price_cents"


@given(st.sampled_from(sorted(DEFAULT_POLICY)), st.integers(), st.integers(),
       st.none() | st.datetimes(timezones=st.just(UTC)), st.none() | st.datetimes(timezones=st.just(UTC)))
def test_every_decision_is_one_outcome_and_an_older_pos_value_never_overwrites_under_lww(field, pos, ours, pos_at,
                                                                                         aura_at):
    decision = decide(field, pos, ours, pos_at, aura_at)
    assert decision.outcome in Outcome
    if decision.rule is Rule.LWW and decision.outcome is Outcome.TAKE_POS:
        assert pos_at is not None and aura_at is not None and pos_at > aura_at


def test_the_circuit_opens_after_repeated_failures_and_half_opens_after_the_cool_down():
    circuit = Circuit()
    for _ in range(FAILURE_THRESHOLD - 1):
        record_failure(circuit, T0, rand=lambda: 1.0)
        assert allows(circuit, T0)
    record_failure(circuit, T0, rand=lambda: 1.0)
    assert circuit.state == "open" and not allows(circuit, T0)
    assert allows(circuit, circuit.retry_at) and circuit.state == "half_open"
    record_failure(circuit, circuit.retry_at, rand=lambda: 1.0)   # one failure when half-open opens it again
    assert circuit.state == "open" and circuit.openings == 2
    record_success(circuit)
    assert circuit == Circuit()


def test_the_cool_down_honours_retry_after():
    circuit = Circuit(failures=FAILURE_THRESHOLD - 1)
    record_failure(circuit, T0, retry_after=120, rand=lambda: 0.0)
    assert circuit.retry_at == T0 + timedelta(seconds=120)
