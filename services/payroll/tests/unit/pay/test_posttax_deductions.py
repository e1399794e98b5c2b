"""Post-tax deductions (garnishment, loan): parsed naming the field, taken after taxes from the net pay only."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from payroll.domain.pay.deductions import PosttaxDeduction, take_posttax, total_taken
from payroll.domain.pay.errors import PayInputError

D = Decimal


def deductions(*pairs):
    return tuple(PosttaxDeduction(t, D(a)) for t, a in pairs)


def test_parsed_from_the_request():
    assert PosttaxDeduction.list_from({"posttax_deductions": [{"type": "loan", "amount": "25.00"}]}) == (
        PosttaxDeduction("loan", D("25.00")),)
    assert PosttaxDeduction.list_from({}) == ()


@pytest.mark.parametrize(("raw", "field"), [
    ([{"type": "401k", "amount": "1.00"}], "posttax_deductions[0].type"),
    ([{"type": "loan"}], "posttax_deductions[0].amount"),
    ([{"type": "loan", "amount": "-1.00"}], "posttax_deductions[0].amount"),
    ([{"type": "loan", "amount": "1.001"}], "posttax_deductions[0].amount"),
    ([{"type": "loan", "amount": 1.5}], "posttax_deductions[0].amount"),
    ([{"type": "loan", "amount": "1.00", "payee": "x"}], "posttax_deductions[0].payee"),
    ({"type": "loan"}, "posttax_deductions"),
    (["loan"], "posttax_deductions[0]"),
])
def test_bad_input_names_the_field(raw, field):
    with pytest.raises(PayInputError) as e:
        PosttaxDeduction.list_from({"posttax_deductions": raw})
    assert e.value.field == field


def test_garnishments_come_before_loans_and_net_never_goes_below_zero():
    taken = take_posttax(D("100.00"), deductions(("loan", "60.00"), ("garnishment", "70.00")))
    assert [(t.type, t.taken, t.short) for t in taken] == [("garnishment", D("70.00"), D("0.00")),
                                                            ("loan", D("30.00"), D("30.00"))]
    assert [t.index for t in taken] == [1, 0] and taken[-1].net_left == 0


def test_nothing_left_means_nothing_taken():
    taken = take_posttax(D("0.00"), deductions(("garnishment", "10.00")))
    assert taken[0].taken == 0 and taken[0].short == D("10.00")


amounts = st.decimals(min_value=0, max_value=5000, places=2)


@given(net=amounts, items=st.lists(st.tuples(st.sampled_from(["garnishment", "loan"]), amounts), max_size=6))
def test_taken_never_exceeds_the_net_or_the_order(net, items):
    ds = tuple(PosttaxDeduction(t, a) for t, a in items)
    taken = take_posttax(net, ds)
    assert total_taken(taken) == min(net, sum((d.amount for d in ds), D(0)))
    assert all(0 <= t.taken <= t.ordered for t in taken)
    assert sorted(t.index for t in taken) == list(range(len(ds)))
