"""W-2 / 1099-NEC boxes and YTD from ledger records (pure), worked by hand."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from tax.domain.ledger import build_1099_nec, build_w2, paycheck_from_dict, year_to_date
from tax.domain.payroll import ValidationError

TENANT, EMPLOYEE = str(uuid.uuid4()), str(uuid.uuid4())


def taxes(**amounts):
    zero = "0.00"
    ee = {k: amounts.get(k, zero) for k in ("federal_income_tax", "social_security", "medicare", "additional_medicare",
                                             "state_income_tax", "state_disability", "state_unemployment",
                                             "local_income_tax")}
    er = {k: amounts.get(f"er_{k}", zero) for k in ("social_security", "medicare", "futa", "suta")}
    tw = {k: amounts.get(f"tw_{k}", zero) for k in ("federal_income_tax", "social_security", "medicare", "state",
                                                    "local", "futa", "suta")}
    return {"employee": ee, "employer": er, "taxable_wages": tw}


def paycheck(n, wages, tips="0.00", state="PA", locality="", pretax=(), payment_type="regular", uncollected=None,
             **amounts):
    body = {
        "tenant_id": TENANT, "employee_id": EMPLOYEE, "paycheck_id": f"pc-{n}", "pay_date": f"2026-{n:02d}-15",
        "tax_year": 2026, "worker_type": "employee", "employee_display_name": f"Name {n}", "ssn_last4": "0042",
        "rules_version": "payroll-x",
        "earnings": {"pay_frequency": "monthly", "payment_type": payment_type, "wages": wages, "tips": tips,
                     "work_state": state, "locality_code": locality, "locality_resident": True,
                     "pretax_deductions": [{"type": t, "amount": a} for t, a in pretax]},
        "taxes": taxes(**amounts)}
    if uncollected is not None:
        body["taxes"]["uncollected"] = uncollected
    return paycheck_from_dict(body)


def test_w2_splits_social_security_wages_and_tips_at_the_wage_base():
    """Paycheck 1: 170,000 wages + 4,000 tips, all under the base (ss taxable 174,000).
    Paycheck 2: 9,000 wages + 3,000 tips, only 10,500 left under 184,500: wages fill it first
    (9,000 in box 3), tips take the rest (1,500 in box 7). Box 3 + 7 = 184,500 exactly."""
    records = [
        paycheck(1, "170000.00", "4000.00", tw_federal_income_tax="174000.00", tw_social_security="174000.00",
                 tw_medicare="174000.00", tw_state="174000.00", federal_income_tax="40000.00",
                 social_security="10788.00", medicare="2523.00", state_income_tax="5341.80"),
        paycheck(2, "9000.00", "3000.00", tw_federal_income_tax="12000.00", tw_social_security="10500.00",
                 tw_medicare="12000.00", tw_state="12000.00", federal_income_tax="2640.00",
                 social_security="651.00", medicare="174.00", additional_medicare="54.00", state_income_tax="368.40"),
    ]
    w2 = build_w2(records, 2026, {"legal_name": "Aura Diner LLC", "ein": "12-3456789",
                                  "state_employer_ids": {"PA": "1234-5678"}})
    b = w2["boxes"]
    assert (b["1"], b["2"]) == ("186000.00", "42640.00")
    assert (b["3"], b["7"]) == ("179000.00", "5500.00")
    assert Decimal(b["3"]) + Decimal(b["7"]) == Decimal("184500.00")
    assert (b["4"], b["5"], b["6"]) == ("11439.00", "186000.00", "2751.00")  # 6 = 2,523 + 174 + 54
    assert b["15_17"] == [{"state": "PA", "employer_state_id": "1234-5678", "state_wages": "186000.00",
                           "state_income_tax": "5710.20"}]
    assert b["12"] == [] and b["13"]["retirement_plan"] is False
    assert w2["employee"] == {"name": "Name 2", "ssn": "XXX-XX-0042", "address": ""}  # the latest paycheck's name
    assert w2["employer"]["ein"] == "12-3456789"


def test_w2_box_12_14_and_locals():
    records = [paycheck(1, "3000.00", state="CA", pretax=[("401k", "150.00"), ("hsa", "50.00"), ("section_125", "80.00")],
                        tw_federal_income_tax="2720.00", tw_social_security="2870.00", tw_medicare="2870.00",
                        tw_state="2770.00", state_disability="37.70", state_income_tax="60.00"),
               paycheck(2, "3000.00", state="PA", locality="PHILADELPHIA", pretax=[("401k", "150.00")],
                        tw_federal_income_tax="2850.00", tw_social_security="3000.00", tw_medicare="3000.00",
                        tw_state="3000.00", tw_local="3000.00", state_unemployment="2.10",
                        state_income_tax="92.10", local_income_tax="112.20")]
    b = build_w2(records, 2026, {})["boxes"]
    assert b["12"] == [{"code": "D", "amount": "300.00"}, {"code": "W", "amount": "50.00"}]
    assert b["13"]["retirement_plan"] is True
    assert b["14"] == [{"label": "CA SDI", "amount": "37.70"}, {"label": "PA SUI", "amount": "2.10"}]
    assert [s["state"] for s in b["15_17"]] == ["CA", "PA"]
    assert b["18_20"] == [{"local_wages": "3000.00", "local_income_tax": "112.20", "locality_name": "PHILADELPHIA"}]
    assert build_w2(records, 2025, {}) is None


def test_w2_box_12_codes_a_and_b_add_up_the_uncollected_tip_taxes():
    """Two weeks of tips the cash wages could not cover: what payroll could not withhold of social
    security (A) and Medicare (B) is reported in box 12, before the 401(k) (D); a paycheck without any
    (or from before the field existed) adds nothing."""
    records = [paycheck(1, "113.20", tips="3000.00", pretax=[("401k", "10.00")],
                        uncollected={"social_security": "80.82", "medicare": "45.15"}),
               paycheck(2, "113.20", tips="2000.00", uncollected={"social_security": "17.50"}),
               paycheck(3, "500.00", uncollected={"social_security": "0.00", "medicare": "0.00"}),
               paycheck(4, "500.00")]
    b = build_w2(records, 2026, {})["boxes"]
    assert b["12"] == [{"code": "A", "amount": "98.32"}, {"code": "B", "amount": "45.15"},
                       {"code": "D", "amount": "10.00"}]
    assert records[3].amounts["uc_social_security"] == 0
    # Zero uncollected hashes as a paycheck recorded before the field existed: a re-sent one still matches.
    same = paycheck(4, "500.00", uncollected={"social_security": "0.00", "medicare": "0.00"})
    assert same.content_hash() == records[3].content_hash()


def test_uncollected_tip_taxes_are_checked():
    with pytest.raises(ValidationError) as error:
        paycheck(1, "100.00", uncollected={"social_security": "-1.00"})
    assert error.value.field == "taxes.uncollected.social_security"
    with pytest.raises(ValidationError) as error:
        paycheck(1, "100.00", uncollected={"income_tax": "1.00"})
    assert error.value.field.startswith("taxes.uncollected")


def test_1099_nec_adds_up_contractor_payments():
    def pay(n, amount, withheld="0.00", state=None):
        body = {"tenant_id": TENANT, "employee_id": EMPLOYEE, "paycheck_id": f"inv-{n}", "pay_date": f"2026-0{n}-01",
                "worker_type": "contractor", "employee_display_name": "DJ Sam", "ssn_last4": "4321",
                "contractor_payment": {"nonemployee_compensation": amount, "federal_income_tax_withheld": withheld}}
        if state:
            body["contractor_payment"] |= {"state": state, "state_income": amount, "state_tax_withheld": "10.00"}
        return paycheck_from_dict(body)
    nec = build_1099_nec([pay(1, "600.00", "144.00", "CA"), pay(2, "400.00", state="CA")], 2026,
                         {"legal_name": "Aura", "state_employer_ids": {"CA": "111"}})
    assert nec["boxes"]["1"] == "1000.00" and nec["boxes"]["4"] == "144.00"
    assert nec["boxes"]["5_7"] == [{"state_tax_withheld": "20.00", "state": "CA", "payer_state_id": "111",
                                    "state_income": "1000.00"}]
    assert build_w2([pay(1, "600.00")], 2026, {}) is None


def test_year_to_date_sums_federal_bases_and_the_work_states_own():
    by_state = {"CA": {"wages": Decimal("5000"), "ss_wages": Decimal("5000"), "medicare_wages": Decimal("5000"),
                       "futa_wages": Decimal("5000"), "suta_wages": Decimal("5000"), "state_wages": Decimal("4800"),
                       "supplemental_wages": Decimal("0"), "ss_tax": Decimal("310")},
                "PA": {"wages": Decimal("2000"), "ss_wages": Decimal("2000"), "medicare_wages": Decimal("2000"),
                       "futa_wages": Decimal("2000"), "suta_wages": Decimal("2000"), "state_wages": Decimal("2000"),
                       "supplemental_wages": Decimal("500"), "ss_tax": Decimal("124")}}
    ytd = year_to_date(by_state, "PA")
    assert (ytd.wages, ytd.futa_wages, ytd.suta_wages, ytd.state_wages) == (7000, 7000, 2000, 2000)
    assert (ytd.supplemental_wages, ytd.ss_tax) == (500, 434)
    assert year_to_date(by_state, "TX").suta_wages == 0
    assert year_to_date({}, "TX").wages == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"earnings": {"wages": "10.00"}}, "earnings.work_state"),
    ({"earnings": {"wages": "10.00", "work_state": "TX"}}, "earnings.pay_frequency"),
    ({"contractor_payment": {"nonemployee_compensation": "1.00"}}, "contractor_payment"),
    ({"taxes": {}}, "taxes.employee"),
])
def test_paycheck_validation_names_the_field(change, field):
    body = {"tenant_id": TENANT, "employee_id": EMPLOYEE, "paycheck_id": "x", "pay_date": "2026-01-02",
            "worker_type": "employee", "earnings": {"pay_frequency": "weekly", "payment_type": "regular",
                                                    "wages": "1.00", "work_state": "TX"}, "taxes": taxes()}
    with pytest.raises(ValidationError) as error:
        paycheck_from_dict(body | change)
    assert error.value.field == field
