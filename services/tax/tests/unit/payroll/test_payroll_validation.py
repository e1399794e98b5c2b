"""WithholdingRequest.from_dict: every rejection names the field path; nothing is guessed."""

from __future__ import annotations

import pytest
from payroll_testkit import req
from tax.domain.payroll import ValidationError, WithholdingRequest


def reject(d: dict) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        WithholdingRequest.from_dict(d)
    return err.value


def test_unsupported_state_names_work_state():
    err = reject(req(work_state="ZZ"))
    assert (err.field, err.message) == ("work_state", "unsupported state 'ZZ'")
    assert str(err) == "work_state: unsupported state 'ZZ'"
    assert reject(req(work_state="NY")).field == "work_state"  # a real state that is not supported yet
    assert reject(req(work_state=None)).field == "work_state"


def test_validation_error_is_a_value_error():
    assert issubclass(ValidationError, ValueError)


@pytest.mark.parametrize("changes, field", [
    ({"federal": {"filing_status": None}}, "federal.filing_status"),
    ({"federal": {"form_version": None}}, "federal.form_version"),
    ({"federal": None}, "federal"),
    ({"federal": {"filing_status": "married"}}, "federal.filing_status"),
    ({"federal": {"filing_stauts": "single"}}, "federal.filing_stauts"),  # typo: unknown field, not a default
    ({"federal": {"multiple_jobs": "yes"}}, "federal.multiple_jobs"),
    ({"federal": {"dependents_amount": "-2200"}}, "federal.dependents_amount"),
    ({"federal": {"extra_withholding": 12.5}}, "federal.extra_withholding"),  # float refused
    ({"federal": {"allowances": 2}}, "federal.allowances"),  # allowances on a 2020+ form
    ({"federal": {"form_version": "pre2020"}}, "federal.allowances"),  # required on pre-2020
    ({"federal": {"form_version": "pre2020", "allowances": 1, "dependents_amount": "2200"}}, "federal.dependents_amount"),
    ({"federal": {"form_version": "pre2020", "allowances": 1, "multiple_jobs": True}}, "federal.multiple_jobs"),
    ({"federal": {"form_version": "pre2020", "allowances": 1, "filing_status": "head_of_household"}}, "federal.filing_status"),
    ({"federal": {"form_version": "2019"}}, "federal.form_version"),
])
def test_missing_or_malformed_w4_fields(changes, field):
    assert reject(req(**changes)).field == field


@pytest.mark.parametrize("state, field", [
    (None, "state"),
    ({"filing_status": "single"}, "state.regular_allowances"),
    ({"regular_allowances": 1}, "state.filing_status"),
    ({"filing_status": "married_filing_jointly", "regular_allowances": 1}, "state.filing_status"),
    ({"filing_status": "single", "regular_allowances": True}, "state.regular_allowances"),
    ({"filing_status": "single", "regular_allowances": "1"}, "state.regular_allowances"),
    ({"filing_status": "single", "regular_allowances": -1}, "state.regular_allowances"),
    ({"filing_status": "single", "regular_allowances": 1, "estimated_deduction_allowances": 1.5},
     "state.estimated_deduction_allowances"),
    ({"filing_status": "single", "regular_allowances": 1, "allowances": 2}, "state.allowances"),
])
def test_california_de4_fields(state, field):
    d = req(work_state="CA")
    d["state"] = state
    assert reject(d).field == field


@pytest.mark.parametrize("changes, field", [
    ({"wages": None}, "wages"),
    ({"wages": "abc"}, "wages"),
    ({"wages": 1000.5}, "wages"),
    ({"wages": "10.005"}, "wages"),
    ({"wages": "-1.00"}, "wages"),
    ({"wages": "NaN"}, "wages"),
    ({"tips": "1e3000"}, "tips"),
    ({"pay_date": "2026-02-30"}, "pay_date"),
    ({"pay_date": None}, "pay_date"),
    ({"pay_frequency": "daily"}, "pay_frequency"),
    ({"payment_type": "bonus"}, "payment_type"),
    ({"payment_type": None}, "payment_type"),
    ({"pretax_deductions": [{"type": "roth", "amount": "10.00"}]}, "pretax_deductions[0].type"),
    ({"pretax_deductions": [{"type": "401k", "amount": "1", "x": 1}]}, "pretax_deductions[0].x"),
    ({"pretax_deductions": [{"type": "401k"}]}, "pretax_deductions[0].amount"),
    ({"pretax_deductions": {"type": "401k"}}, "pretax_deductions"),
    ({"ytd": None}, "ytd"),
    ({"ytd": {"wages": None, "ss_wages": "1.00"}}, "ytd.wages"),
    ({"ytd": {"wages": "1.00", "ss_wage": "1.00"}}, "ytd.ss_wage"),
    ({"employer": {"suta_rate": "3.4", "suta_wage_base": "7000.00"}}, "employer.suta_rate"),
    ({"employer": {"round_federal_to_whole_dollars": "no"}}, "employer.round_federal_to_whole_dollars"),
    ({"locality": {"code": "PHILADELPHIA"}}, "locality.resident"),
    ({"locality": {"resident": True}}, "locality.code"),
    ({"supplemental_kind": "bonus"}, "supplemental_kind"),  # regular pay
    ({"state": {"exemptions": 2}}, "state.exemptions"),  # TX has no form: generic DE 4-style fields pass, others do not
    ({"surprise": 1}, "surprise"),
])
def test_top_level_fields(changes, field):
    assert reject(req(**changes)).field == field


def test_defaults_for_optional_fields():
    d = req()
    for key in ("tips", "pretax_deductions", "locality", "state"):
        d.pop(key)
    r = WithholdingRequest.from_dict(d)
    assert (r.tips, r.pretax_deductions, r.locality, r.state) == (0, (), None, None)
    assert r.ytd.ss_wages == r.ytd.medicare_wages == r.ytd.futa_wages == r.ytd.suta_wages == r.ytd.wages
    assert r.federal.multiple_jobs is False and r.federal.extra_withholding == 0
    assert r.employer.round_federal_to_whole_dollars is False


def test_integers_are_accepted_as_amounts():
    assert WithholdingRequest.from_dict(req(wages=1000)).wages == 1000
