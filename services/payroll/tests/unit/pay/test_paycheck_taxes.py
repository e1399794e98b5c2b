"""The tax half of the preview request: shape checks (so every value can travel over gRPC), the tax
service's request built from it, the tax service's field names mapped back, and the paycheck's net pay."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from payroll.domain.pay import PayInputError, PayRequest, compute_pay
from payroll.domain.pay.paycheck import Paycheck
from payroll.domain.pay.taxes import EMPLOYEE_TAXES, TaxFacts, Withholding, preview_field
from payroll.domain.pay.withholding_order import withhold_in_order
from test_pay_contract import ISSUE_REQUEST

D = Decimal


def facts(**changes) -> TaxFacts:
    raw = copy.deepcopy(ISSUE_REQUEST)
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return TaxFacts.from_dict(raw, PayRequest.from_dict(raw))


def test_the_issue_example_becomes_the_tax_services_request():
    f = facts()
    body = f.withholding_request(D("850.12"), D("120.00"))
    assert body == {
        "pay_date": "2026-03-06", "pay_frequency": "weekly", "payment_type": "regular", "wages": "850.12",
        "tips": "120.00", "work_state": "CA", "pretax_deductions": [{"type": "401k", "amount": "50.00"}],
        "ytd": {"wages": "12000.00"}, "locality": {"code": "PHILADELPHIA", "resident": True},
        "federal": ISSUE_REQUEST["federal"], "state": ISSUE_REQUEST["state"]}
    assert f.pretax_total == D("50.00") and not f.state_defaulted


def test_california_without_a_de4_is_withheld_as_the_edd_default():
    f = facts(state=None)
    assert f.state_defaulted
    assert f.withholding_request(D("1"), D("0"))["state"] == {"filing_status": "single", "regular_allowances": 0}
    assert not facts(state=None, work_state="TX", locality=None).state_defaulted


def test_integers_travel_as_decimal_strings():
    f = facts(ytd={"wages": 12000}, federal={**ISSUE_REQUEST["federal"], "extra_withholding": 5})
    body = f.withholding_request(D("1"), D("0"))
    assert body["ytd"] == {"wages": "12000"} and body["federal"]["extra_withholding"] == "5"


@pytest.mark.parametrize(("change", "field"), [
    ({"pay_frequency": None}, "pay_frequency"),
    ({"pay_frequency": "daily"}, "pay_frequency"),
    ({"pay_frequncy": "weekly"}, "pay_frequncy"),  # a typo is an unknown field, not a silent default
    ({"workweeks": [{"daily_hours": ["8"]}, {"daily_hours": ["8"]}]}, "workweeks"),  # weekly: one workweek
    ({"federal": {**ISSUE_REQUEST["federal"], "multiple_jobs": "no"}}, "federal.multiple_jobs"),
    ({"federal": {**ISSUE_REQUEST["federal"], "filing_status": 1}}, "federal.filing_status"),
    ({"federal": {**ISSUE_REQUEST["federal"], "dependents_amount": 0.0}}, "federal.dependents_amount"),
    ({"federal": {**ISSUE_REQUEST["federal"], "allowances": 2**40}}, "federal.allowances"),
    ({"federal": {**ISSUE_REQUEST["federal"], "filling_status": "single"}}, "federal.filling_status"),
    ({"federal": "single"}, "federal"),
    ({"state": {"filing_status": "single", "regular_allowances": "1"}}, "state.regular_allowances"),
    ({"state": {"filing_status": "single", "regular_allowances": True}}, "state.regular_allowances"),
    ({"locality": {"code": "PHILADELPHIA", "resident": "yes"}}, "locality.resident"),
    ({"locality": {"code": "PHILADELPHIA"}}, "locality.resident"),  # proto would read a missing bool as false
    ({"ytd": {"wages": "1", "tips": "2"}}, "ytd.tips"),
    ({"ytd": []}, "ytd"),
    ({"employer": {"suta_rate": 0.034}}, "employer.suta_rate"),
    ({"employee_id": 7}, "employee_id"),
    ({"pretax_deductions": {"type": "401k"}}, "pretax_deductions"),
    ({"pretax_deductions": [{"amount": "5.00"}]}, "pretax_deductions[0].type"),
    ({"pretax_deductions": [{"type": "401k"}]}, "pretax_deductions[0].amount"),
    ({"pretax_deductions": [{"type": "401k", "amount": "-1.00"}]}, "pretax_deductions[0].amount"),
    ({"pretax_deductions": [{"type": "401k", "amount": "1.005"}]}, "pretax_deductions[0].amount"),
    ({"pretax_deductions": [{"type": "401k", "amount": "1", "plan": "x"}]}, "pretax_deductions[0].plan"),
])
def test_bad_shapes_name_the_field(change, field):
    with pytest.raises(PayInputError) as raised:
        facts(**change)
    assert raised.value.field == field


def test_deductions_cannot_exceed_the_cash_they_come_out_of():
    f = facts(pretax_deductions=[{"type": "401k", "amount": "600.00"}, {"type": "hsa", "amount": "300.00"}])
    f.check_deductions(D("900.00"))
    with pytest.raises(PayInputError) as raised:
        f.check_deductions(D("899.99"))
    assert raised.value.field == "pretax_deductions"


@pytest.mark.parametrize(("tax_field", "ours"), [
    ("requests[0].federal.filing_status", "federal.filing_status"),
    ("requests[1].tips", "reported_tips"),
    ("requests[0].wages", "workweeks"),
    ("requests[0].pretax_deductions[0].type", "pretax_deductions[0].type"),
    ("state.regular_allowances", "state.regular_allowances"),
    ("requests[0].ytd", "ytd"),
    ("pay_date", "pay_date"),
    ("requests[0]", None),
    ("requests[12].pretax_deductions[3].amount", "pretax_deductions[3].amount"),
    (None, None),
])
def test_tax_service_fields_map_onto_the_preview(tax_field, ours):
    assert preview_field(tax_field) == ours


def test_net_pay_is_cash_less_withheld_less_deductions_tips_are_not_in_the_check():
    raw = copy.deepcopy(ISSUE_REQUEST)
    request = PayRequest.from_dict(raw)
    f = TaxFacts.from_dict(raw, request)
    pay = compute_pay(request)
    due = {t: D(0) for t in EMPLOYEE_TAXES} | {"federal_income_tax": D("68.49"), "social_security": D("60.15"),
                                               "medicare": D("14.07")}
    taxes = Withholding(due, dict.fromkeys(("social_security", "medicare", "futa", "suta"), D(0)),
                        dict.fromkeys(("federal_income_tax", "social_security", "medicare", "state", "local", "futa",
                                       "suta"), D(0)))
    check = Paycheck(pay, f, taxes, withhold_in_order(pay.cash_wages - f.pretax_total, due, due))
    out = check.to_dict()
    # 850.12 - (68.49 + 60.15 + 14.07) - 50.00 = 657.41
    assert out["net_pay"] == "657.41" and out["gross_wages"] == "970.12"
    assert out["explanation"][-1]["line"] == "net_pay" and out["explanation"][-1]["amount"] == "657.41"
    assert out["uncollected"] == {"social_security": "0.00", "medicare": "0.00"}


@pytest.mark.parametrize(("frequency", "most"), [("weekly", 1), ("biweekly", 2), ("semimonthly", 4), ("monthly", 6)])
def test_workweeks_per_pay_period(frequency, most):
    week = {"daily_hours": ["8", "8", "8", "8", "8"]}
    facts(pay_frequency=frequency, workweeks=[week] * most)
    if most < 6:  # the engine itself refuses more than 6 workweeks (workweeks)
        with pytest.raises(PayInputError) as raised:
            facts(pay_frequency=frequency, workweeks=[week] * (most + 1))
        assert raised.value.field == "workweeks"
