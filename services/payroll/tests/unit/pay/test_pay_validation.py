"""Bad input raises PayInputError (chassis InvalidInput: 422) naming the field path as the JSON names it."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from chassis.errors import InvalidInput
from pay_testkit import bonus, hourly, request, tipped, week
from payroll.domain.pay import PayInputError, PayRequest, compute_pay


def _with(change) -> dict[str, Any]:
    raw = copy.deepcopy(request(state="CA", pay=hourly("19.50"), weeks=[week(8, 8, 8, 8, 8), week(8, 8)],
                                tips="10.00", bonuses=[bonus("nondiscretionary", "5.00")]))
    change(raw)
    return raw


def _set(path: list, value) -> Any:
    def change(raw):
        target = raw
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


_DELETE = object()

CASES = [
    ("negative hours", _set(["workweeks", 0, "daily_hours", 3], "-1"), "workweeks[0].daily_hours[3]"),
    ("more than 24 hours", _set(["workweeks", 1, "daily_hours", 1], "24.5"), "workweeks[1].daily_hours[1]"),
    ("hours not a number", _set(["workweeks", 0, "daily_hours", 0], "eight"), "workweeks[0].daily_hours[0]"),
    ("hours as a float", _set(["workweeks", 0, "daily_hours", 2], 8.5), "workweeks[0].daily_hours[2]"),
    ("hours NaN", _set(["workweeks", 0, "daily_hours", 2], "NaN"), "workweeks[0].daily_hours[2]"),
    ("hours finer than 6 decimals", _set(["workweeks", 0, "daily_hours", 4], "7.3333333"), "workweeks[0].daily_hours[4]"),
    ("eight days", _set(["workweeks", 0, "daily_hours"], ["8"] * 8), "workweeks[0].daily_hours"),
    ("daily_hours not a list", _set(["workweeks", 0, "daily_hours"], "8,8"), "workweeks[0].daily_hours"),
    ("daily_hours missing", _set(["workweeks", 0, "daily_hours"], _DELETE), "workweeks[0].daily_hours"),
    ("unknown key in a workweek", _set(["workweeks", 0, "dailyhours"], []), "workweeks[0].dailyhours"),
    ("no workweeks", _set(["workweeks"], []), "workweeks"),
    ("workweeks missing", _set(["workweeks"], _DELETE), "workweeks"),
    ("unknown bonus type", _set(["bonuses", 0, "type"], "spot"), "bonuses[0].type"),
    ("bonus amount negative", _set(["bonuses", 0, "amount"], "-5.00"), "bonuses[0].amount"),
    ("bonus amount fractions of a cent", _set(["bonuses", 0, "amount"], "5.001"), "bonuses[0].amount"),
    ("bonus workweek out of range", _set(["bonuses", 0, "workweek"], 2), "bonuses[0].workweek"),
    ("bonuses not a list", _set(["bonuses"], {"type": "flat_sum"}), "bonuses"),
    ("unknown state", _set(["work_state"], "ZZ"), "work_state"),
    ("state without pay rules", _set(["work_state"], "WA"), "work_state"),
    ("state missing", _set(["work_state"], _DELETE), "work_state"),
    ("rate not a decimal", _set(["pay", "rate"], "19,50"), "pay.rate"),
    ("rate as a float", _set(["pay", "rate"], 19.5), "pay.rate"),
    ("rate zero", _set(["pay", "rate"], "0"), "pay.rate"),
    ("rate missing", _set(["pay", "rate"], _DELETE), "pay.rate"),
    ("rate with 5 decimals", _set(["pay", "rate"], "19.50001"), "pay.rate"),
    ("unknown pay type", _set(["pay", "type"], "commission"), "pay.type"),
    ("pay missing", _set(["pay"], _DELETE), "pay"),
    ("cash wage on an hourly pay", _set(["pay", "cash_wage_rate"], "2.13"), "pay.cash_wage_rate"),
    ("tips with fractions of a cent", _set(["reported_tips"], "10.005"), "reported_tips"),
    ("tips negative", _set(["reported_tips"], "-1.00"), "reported_tips"),
    ("bad pay date", _set(["pay_date"], "2026-13-01"), "pay_date"),
    ("pay date missing", _set(["pay_date"], _DELETE), "pay_date"),
    ("no CA minimum wage loaded for 2027", _set(["pay_date"], "2027-01-08"), "pay_date"),
    ("break premiums negative", _set(["workweeks", 0, "break_premiums"], -1), "workweeks[0].break_premiums"),
    ("break premiums over 2 per day worked", _set(["workweeks", 1, "break_premiums"], 5), "workweeks[1].break_premiums"),
    ("policy flag not a bool", _set(["policy"], {"break_premiums": "yes"}), "policy.break_premiums"),
]


@pytest.mark.parametrize("name, change, field", CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_the_field(name, change, field):
    with pytest.raises(PayInputError) as info:
        compute_pay(PayRequest.from_dict(_with(change)))
    assert info.value.field == field
    assert isinstance(info.value, InvalidInput) and info.value.http_status == 422


def test_tipped_needs_cash_wage_rate():
    with pytest.raises(PayInputError) as info:
        PayRequest.from_dict(request(pay={"type": "tipped", "rate": "2.13"}))
    assert info.value.field == "pay.rate"
    with pytest.raises(PayInputError) as info:
        PayRequest.from_dict(request(pay={"type": "tipped"}))
    assert info.value.field == "pay.cash_wage_rate"


def test_break_premiums_outside_california():
    with pytest.raises(PayInputError) as info:
        PayRequest.from_dict(request(state="PA", weeks=[week(8, 8, break_premiums=1)]))
    assert info.value.field == "workweeks[0].break_premiums"


def test_break_premiums_when_the_employer_rule_is_off():
    raw = request(state="CA", weeks=[week(8, 8, break_premiums=1)], policy={"break_premiums": False})
    with pytest.raises(PayInputError) as info:
        PayRequest.from_dict(raw)
    assert info.value.field == "workweeks[0].break_premiums"


def test_tips_per_week_and_period_must_agree():
    raw = request(state="TX", pay=tipped("2.13"), weeks=[week(8, tips="10.00"), week(8, tips="5.00")], tips="20.00")
    with pytest.raises(PayInputError) as info:
        PayRequest.from_dict(raw)
    assert info.value.field == "reported_tips"


def test_tax_fields_of_the_preview_request_are_left_to_the_tax_layer():
    raw = request(pretax_deductions=[{"type": "401k", "amount": "50.00"}], ytd={"wages": "1"}, federal={},
                  locality=None, pay_frequency="weekly")
    raw["state"] = {"filing_status": "single"}  # the tax service's state form, not work_state
    assert PayRequest.from_dict(raw).work_state == "PA"


def test_fewer_than_seven_days_and_integers_accepted():
    raw = request(weeks=[{"daily_hours": [8, "7.25", 0, " 7.333333 "]}])
    assert PayRequest.from_dict(raw).workweeks[0].total_hours == Decimal("22.583333")
