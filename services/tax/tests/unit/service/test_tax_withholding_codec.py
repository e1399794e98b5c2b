"""gRPC codec: the fast proto -> engine path must build exactly the request the canonical JSON path
builds, or step aside; results encode to the same strings as the REST JSON."""
from __future__ import annotations

import copy

from auraconnect.tax.v1 import payroll_tax_pb2 as pb
from google.protobuf.json_format import ParseDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tax.adapters.withholding_codec import FastParser, result_from_proto, result_to_proto, to_dict
from tax.domain.payroll import EmployerOptions, ValidationError, WithholdingRequest, YearToDate, calculate_withholding
from tax.rules import load_rulebook

money = st.decimals(min_value=0, max_value=250_000, places=2, allow_nan=False, allow_infinity=False).map(str)
# Spellings the engine accepts (or refuses) that the fast path leaves to it.
odd_amounts = st.sampled_from(["0", "1000", "12.5", " 10.00", "-1.00", "1e3", "0.001", "abc", "", "1000000000.00",
                               "007.00"])
w4_2020 = st.fixed_dictionaries(
    {"form_version": st.just("2020"),
     "filing_status": st.sampled_from(["single", "married_filing_jointly", "head_of_household",
                                       "married_filing_separately"])},
    optional={"multiple_jobs": st.booleans(), "exempt": st.booleans(), "dependents_amount": money,
              "other_income": money, "deductions": money, "extra_withholding": money})
w4_pre2020 = st.fixed_dictionaries({"form_version": st.just("pre2020"),
                                    "filing_status": st.sampled_from(["single", "married_filing_jointly"]),
                                    "allowances": st.integers(0, 9)})
de4 = st.fixed_dictionaries({"filing_status": st.sampled_from(["single", "married", "head_of_household"]),
                             "regular_allowances": st.integers(0, 12)},
                            optional={"estimated_deduction_allowances": st.integers(0, 3), "extra_withholding": money})


@st.composite
def valid_requests(draw):
    state = draw(st.sampled_from(["CA", "PA", "TX", "FL", "WA"]))
    body = {"pay_date": draw(st.sampled_from(["2026-03-06", "2025-11-14", "2026-07-10"])),
            "pay_frequency": draw(st.sampled_from(["weekly", "biweekly", "semimonthly", "monthly"])),
            "payment_type": "regular", "wages": draw(money), "work_state": state,
            "federal": draw(st.one_of(w4_2020, w4_pre2020)),
            "ytd": draw(st.fixed_dictionaries({"wages": money}, optional={
                "ss_wages": money, "medicare_wages": money, "state_wages": money, "supplemental_wages": money,
                "ss_tax": money}))}
    if draw(st.booleans()):
        body["tips"] = draw(money)
    if draw(st.booleans()):
        body["pretax_deductions"] = draw(st.lists(st.fixed_dictionaries(
            {"type": st.sampled_from(["401k", "403b", "section_125", "hsa"]), "amount": money}), max_size=2))
    if state == "CA":
        body["state"] = draw(de4)
    elif state == "PA" and draw(st.booleans()):
        body["state"] = {"extra_withholding": draw(money)}
        if draw(st.booleans()):
            body["locality"] = {"code": "PHILADELPHIA", "resident": draw(st.booleans())}
    if draw(st.booleans()):
        body["employer"] = draw(st.fixed_dictionaries({}, optional={"round_federal_to_whole_dollars": st.booleans()})
                                | st.just({"suta_rate": "0.034", "suta_wage_base": "7000.00"}))
    if draw(st.integers(0, 9)) == 0:
        body |= {"payment_type": "supplemental", "supplemental_kind": draw(st.sampled_from(["bonus", "other"]))}
    return body


MUTATIONS = [("wages", odd_amounts), ("tips", odd_amounts), ("work_state", st.sampled_from(["ZZ", "", "ca"])),
             ("pay_date", st.sampled_from(["2026-02-30", "20260306", "", "2026-3-6"])),
             ("pay_frequency", st.just("daily")), ("supplemental_kind", st.just("bonus")),
             ("locality", st.just({"code": "PITTSBURGH", "resident": True})),
             ("state", st.just({"filing_status": "single"})), ("employer", st.just({"suta_rate": "0.02"})),
             ("ytd", st.fixed_dictionaries({"wages": odd_amounts})), ("federal", st.just({"form_version": "2020"}))]


@st.composite
def requests_(draw):
    """Mostly valid requests; a third carry one change the engine may refuse (or accept: "1000", "007.00")."""
    body = draw(valid_requests())
    mutated = draw(st.integers(0, 2)) == 0
    if mutated:
        key, values = draw(st.sampled_from(MUTATIONS))
        body[key] = draw(values)
    return body, mutated


requests = requests_()


def canonical(msg: pb.WithholdingRequest):
    try:
        return WithholdingRequest.from_dict(to_dict(msg))
    except ValidationError as error:
        return error


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests)
def test_fast_path_builds_the_canonical_request_or_steps_aside(drawn):
    body, mutated = drawn
    msg = ParseDict(body, pb.WithholdingRequest())
    parser = FastParser()
    expected = canonical(msg)
    assert parser.parse(msg) is None  # nothing learnt yet: always the canonical path first
    if isinstance(expected, ValidationError):
        assert mutated
        return
    parser.learn(msg, expected)
    fast = parser.parse(msg)
    assert fast == expected if not mutated else fast in (None, expected)
    # A learnt W-4 is reused for other requests only where the canonical path agrees.
    for change in ({"wages": "1.00"}, {"ytd": {"wages": "5.5"}}, {"tips": "x"}, {"work_state": "TX"},
                   {"payment_type": "supplemental"}, {"supplemental_kind": "bonus"}):
        other = ParseDict(copy.deepcopy(body) | change, pb.WithholdingRequest())
        fast, slow = parser.parse(other), canonical(other)
        assert fast is None or fast == slow


def test_overrides_replace_ytd_and_employer():
    body = {"pay_date": "2026-03-06", "pay_frequency": "weekly", "payment_type": "regular", "wages": "900.00",
            "work_state": "TX", "federal": {"form_version": "2020", "filing_status": "single"}}
    msg = ParseDict(body, pb.WithholdingRequest())
    ytd = YearToDate(*([__import__("decimal").Decimal("100.00")] * 6), None, None)
    employer = EmployerOptions(round_federal_to_whole_dollars=True)
    parser = FastParser()
    parser.learn(msg, WithholdingRequest.from_dict(body | {"ytd": {"wages": "0"}}))
    fast = parser.parse(msg, ytd, employer)
    assert fast.ytd is ytd and fast.employer is employer


def test_results_encode_like_the_rest_json():
    body = {"pay_date": "2026-03-06", "pay_frequency": "biweekly", "payment_type": "regular", "wages": "2500",
            "tips": "412.35", "work_state": "PA", "locality": {"code": "PHILADELPHIA", "resident": True},
            "ytd": {"wages": "199500.00"}, "federal": {"form_version": "2020", "filing_status": "single"},
            "employer": {"suta_rate": "0.0307", "suta_wage_base": "10000"}}
    req = WithholdingRequest.from_dict(body)
    result = calculate_withholding(req, load_rulebook().for_date(req.pay_date))
    as_json = result.to_dict()
    assert result_from_proto(result_to_proto(result)) == as_json
    lean = result_from_proto(result_to_proto(result, include_explanation=False))
    assert lean == as_json | {"explanation": []}
    assert as_json["taxable_wages"]["federal_income_tax"] == "2912.35"  # "2500" arrives as 2500.00


def test_fast_constructors_build_what_init_builds():
    from tax.adapters.withholding_codec import _new_request

    body = {"pay_date": "2026-03-06", "pay_frequency": "weekly", "payment_type": "regular", "wages": "900.00",
            "tips": "55.10", "pretax_deductions": [{"type": "401k", "amount": "20.00"}, {"type": "401k", "amount": "5"}],
            "ytd": {"wages": "100.00"}, "work_state": "TX",
            "federal": {"form_version": "2020", "filing_status": "single"}}
    canonical = WithholdingRequest.from_dict(body)
    values = [getattr(canonical, f.name) for f in __import__("dataclasses").fields(WithholdingRequest) if f.init]
    fast = _new_request(*values)
    assert fast == canonical
    assert (fast.gross, dict(fast.pretax_by_type)) == (canonical.gross, dict(canonical.pretax_by_type))
