"""Tip pools, pure: the legal limits on who may share (rules file 5.2, 5.3), hours x points, and the
properties: a pool never creates or loses a cent, excluded roles get nothing, shares follow the weights."""
from __future__ import annotations

from decimal import Decimal

import pytest
from chassis.errors import InvalidInput
from hypothesis import given
from hypothesis import strategies as st
from payroll.domain.tip_pools import (
    BACK_OF_HOUSE,
    FRONT_OF_HOUSE,
    MANAGER,
    PoolPolicy,
    WorkedHours,
    distribute,
    pool_week,
)

D = Decimal


def policy(credit=False, state="PA", percent="100", roles=None):
    return PoolPolicy.from_dict({"work_state": state, "tip_credit_taken": credit, "contribution_percent": percent,
                                 "roles": roles if roles is not None else [
                                     {"job_code": "server", "category": FRONT_OF_HOUSE, "points": "10"},
                                     {"job_code": "busser", "category": FRONT_OF_HOUSE, "points": "5"},
                                     {"job_code": "cook", "category": BACK_OF_HOUSE, "points": "3"},
                                     {"job_code": "manager", "category": MANAGER, "points": "0"}]})


def test_hours_times_points():
    # server A 30 h x 10 = 300, busser B 20 h x 5 = 100, cook C 20 h x 3 = 60: 460 points share 460.00
    result = pool_week(policy(), [WorkedHours("a", "server", D(30)), WorkedHours("b", "busser", D(20)),
                                  WorkedHours("c", "cook", D(20))], {"a": 40000, "b": 6000})
    got = {s.staff_id: s for s in result.shares}
    assert result.pool_cents == 46000
    assert (got["a"].received, got["b"].received, got["c"].received) == (30000, 10000, 6000)
    assert (got["a"].net, got["b"].net, got["c"].net) == (-10000, 4000, 6000)


def test_manager_keeps_own_tips_pays_nothing_in_and_gets_nothing():
    result = pool_week(policy(), [WorkedHours("a", "server", D(10)), WorkedHours("m", "manager", D(40))],
                       {"a": 1000, "m": 5000})
    m = next(s for s in result.shares if s.staff_id == "m")
    assert (m.contributed, m.received, m.tips_before) == (0, 0, 5000)
    assert "203(m)(2)(B)" in m.excluded[0]
    assert result.pool_cents == 1000


def test_a_server_who_also_works_the_host_stand_shares_for_both_roles():
    p = policy(roles=[{"job_code": "server", "category": FRONT_OF_HOUSE, "points": "10"},
                      {"job_code": "host", "category": FRONT_OF_HOUSE, "points": "4"}])
    result = pool_week(p, [WorkedHours("a", "server", D(20)), WorkedHours("a", "host", D(10)),
                           WorkedHours("b", "server", D(24))], {"a": 10000, "b": 34000})
    got = {s.staff_id: s for s in result.shares}
    assert got["a"].weight == D(240) and got["b"].weight == D(240)
    assert got["a"].received == got["b"].received == 22000


def test_contribution_percent_rounds_per_person_half_up():
    result = pool_week(policy(percent="12.5"), [WorkedHours("a", "server", D(1)), WorkedHours("b", "server", D(1))],
                       {"a": 1004, "b": 1003})
    assert [s.contributed for s in result.shares] == [126, 125]  # 125.5 -> 126, 125.375 -> 125
    assert sum(s.received for s in result.shares) == result.pool_cents == 251


@pytest.mark.parametrize(("changes", "field"), [
    ({"roles": [{"job_code": "manager", "category": MANAGER, "points": "5"}]}, "roles[0].points"),
    ({"credit": True, "roles": [{"job_code": "cook", "category": BACK_OF_HOUSE, "points": "3"}]}, "roles[0].category"),
    ({"credit": True, "state": "CA", "roles": [{"job_code": "s", "category": FRONT_OF_HOUSE, "points": "3"}]},
     "tip_credit_taken"),
    ({"roles": [{"job_code": "m", "category": MANAGER, "points": "0"}]}, "roles"),
    ({"roles": []}, "roles"),
    ({"roles": [{"job_code": "s", "category": "chef", "points": "3"}]}, "roles[0].category"),
    ({"roles": [{"job_code": "s", "category": FRONT_OF_HOUSE, "points": "0"}]}, "roles[0].points"),
    ({"roles": [{"job_code": "s", "category": FRONT_OF_HOUSE, "points": 1.5}]}, "roles[0].points"),
    ({"roles": [{"job_code": "s", "category": FRONT_OF_HOUSE, "points": "1e400"}]}, "roles[0].points"),
    ({"roles": [{"job_code": "s", "category": FRONT_OF_HOUSE, "points": "1"},
                {"job_code": "s", "category": FRONT_OF_HOUSE, "points": "2"}]}, "roles[1].job_code"),
    ({"percent": "0"}, "contribution_percent"),
    ({"percent": "100.5"}, "contribution_percent"),
    ({"state": "California"}, "work_state"),
])
def test_policies_the_law_forbids_are_refused_naming_the_field(changes, field):
    with pytest.raises(InvalidInput) as e:
        policy(**changes)
    assert e.value.field == field


def test_california_back_of_house_may_share_without_a_tip_credit():
    p = policy(state="CA")
    assert p.exclusion("cook") is None and p.exclusion("manager") is not None


def test_nobody_to_share_with_is_refused():
    with pytest.raises(InvalidInput):
        distribute(100, {"a": D(0)})


# ---------------------------------------------------------------- properties

JOBS = ["server", "busser", "cook", "manager", "dishwasher"]
staff = st.sampled_from([f"s{i}" for i in range(8)])
worked = st.lists(st.builds(WorkedHours, staff, st.sampled_from(JOBS),
                            st.decimals(min_value=0, max_value=60, places=2)), max_size=16)
tips = st.dictionaries(staff, st.integers(min_value=0, max_value=500_000), max_size=8)


@given(worked=worked, tips=tips, credit=st.booleans(), percent=st.sampled_from(["100", "50", "33.33", "7.5"]))
def test_a_pool_never_creates_or_loses_a_cent(worked, tips, credit, percent):
    roles = [{"job_code": "server", "category": FRONT_OF_HOUSE, "points": "10"},
             {"job_code": "busser", "category": FRONT_OF_HOUSE, "points": "5"},
             {"job_code": "manager", "category": MANAGER, "points": "0"}]
    if not credit:
        roles.append({"job_code": "cook", "category": BACK_OF_HOUSE, "points": "3"})
    p = policy(credit=credit, percent=percent, roles=roles)
    result = pool_week(p, worked, tips)
    assert sum(s.received for s in result.shares) == sum(s.contributed for s in result.shares) == result.pool_cents
    # Tips before = tips after, over everybody.
    assert sum(s.tips_before + s.net for s in result.shares) == sum(tips.values())
    for s in result.shares:
        assert 0 <= s.contributed <= s.tips_before
        if s.weight == 0:  # only manager / non-pool hours: nothing in, nothing out
            assert s.received == 0 and s.contributed == 0


@given(pool=st.integers(min_value=0, max_value=10**9),
       weights=st.dictionaries(staff, st.decimals(min_value=0, max_value=1000, places=2), min_size=1))
def test_distribution_follows_the_weights_within_a_cent(pool, weights):
    total = sum(weights.values(), D(0))
    if total == 0:
        return
    parts = distribute(pool, weights)
    assert sum(parts.values()) == pool
    for k, w in weights.items():
        assert abs(D(parts[k]) - D(pool) * w / total) < 1
        if w == 0:
            assert parts[k] == 0


@given(pool=st.integers(min_value=0, max_value=10**7), hours=st.decimals(min_value=1, max_value=60, places=2))
def test_equal_hours_and_points_share_equally_within_a_cent(pool, hours):
    parts = distribute(pool, {"a": hours * 10, "b": hours * 10, "c": hours * 10})
    assert max(parts.values()) - min(parts.values()) <= 1
