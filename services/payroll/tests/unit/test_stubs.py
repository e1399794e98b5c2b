"""Pay stubs: the pure stub model (lines, YTD, masking, totals that add up) and the PDF read back with pypdf."""
from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from chassis.errors import InvalidInput
from chassis.identity import Identity
from chassis.rbac import role_permissions
from payroll.adapters.stub_pdf import render_stub_pdf
from payroll.domain.stubs import StubEmployee, StubParty, build_stub, mask_ssn
from payroll.service_layer.paychecks import preview_paycheck
from payroll_fakes import FakeTax
from pypdf import PdfReader

D = Decimal
ISSUE_REQUEST = json.loads((Path(__file__).parents[1] / "data" / "preview_issue_example.json").read_text())
EMPLOYER = StubParty("Aura Bistro LLC", "1 Market St\nPhiladelphia PA 19103", "12-3456789")
EMPLOYEE = StubEmployee("Dana Cruz", ssn_last4="1234", employee_id="E-17")
LOCATION = StubParty("Aura Bistro Center City")


def admin() -> Identity:
    return Identity(subject=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), permissions=role_permissions("admin"))


def paycheck(**changes):
    raw = copy.deepcopy(ISSUE_REQUEST)
    raw.update(changes)
    return preview_paycheck(raw, admin(), tax=FakeTax())


def stub_of(pc, **kw):
    kw.setdefault("period_start", date(2026, 2, 23))
    kw.setdefault("period_end", date(2026, 3, 1))
    return build_stub(pc, employer=EMPLOYER, employee=EMPLOYEE, location=LOCATION, **kw)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------- the model


def test_stub_of_the_issue_example_adds_up_line_by_line():
    pc = paycheck()
    stub = stub_of(pc)
    out = stub.to_dict()
    assert out["net_pay"] == "633.89" == pc.to_dict()["net_pay"]
    assert sum(D(e["current"]) for e in out["earnings"]) == D(pc.to_dict()["cash_wages"]) == D("850.12")
    assert [e["key"] for e in out["earnings"]][:1] == ["earnings.regular"]
    assert all(e["hours"] is not None and e["rate"] is not None for e in out["earnings"]
               if e["key"] in ("earnings.regular", "earnings.overtime"))
    assert all(e["text"] for e in out["earnings"])  # every line says which rule
    taxes = {x["key"]: x["current"] for x in out["employee_taxes"]}
    assert taxes["employee_taxes.federal_income_tax"] == "92.01" and taxes["employee_taxes.medicare"] == "14.07"
    assert {x["key"]: x["current"] for x in out["employer_taxes"]}["employer_taxes.social_security"] == "60.15"
    assert out["pretax_deductions"] == [{"key": "pretax.401k", "label": "401(k)", "hours": None, "rate": None,
                                         "current": "50.00", "ytd": "50.00", "text": ""}]
    assert out["totals"]["gross_wages"]["current"] == "970.12"
    assert out["employee"] == {"name": "Dana Cruz", "ssn": "***-**-1234", "employee_id": "E-17", "address": ""}
    assert out["pay_date"] == "2026-03-06" and out["period"] == {"start": "2026-02-23", "end": "2026-03-01"}
    assert any("paid by customers" in n for n in out["notes"])
    json.dumps(out)


def test_ytd_is_the_year_before_plus_this_stub_and_chains_from_current_amounts():
    pc = paycheck()
    first = stub_of(pc)
    second = stub_of(pc, ytd_before=first.current_amounts())
    for key, amount in first.current_amounts().items():
        assert second.ytd()[key] == 2 * amount, key
    assert second.totals["net_pay"].ytd == D("1267.78")
    assert second.totals["net_pay"].current == D("633.89")


def test_two_lines_of_one_kind_show_the_kind_ytd_once():
    raw = {"earnings": [{"kind": "regular", "hours": "10", "rate": "15", "amount": "150.00", "text": "a"},
                        {"kind": "regular", "hours": "5", "rate": "12", "amount": "60.00", "text": "b"}],
           "cash_wages": "210.00", "reported_tips": "0.00", "gross_wages": "210.00", "net_pay": "200.00",
           "employee_taxes": {"federal_income_tax": "10.00"}, "employer_taxes": {"futa": "1.26"},
           "pay_date": "2026-03-06"}
    stub = stub_of(raw, ytd_before={"earnings.regular": "1000.00"})
    assert [x.ytd for x in stub.earnings] == [None, D("1210.00")]
    assert stub.current_amounts()["earnings.regular"] == D("210.00")


def test_post_tax_deductions_are_lines_of_their_own():
    stub = stub_of(paycheck(posttax_deductions=[{"type": "garnishment", "amount": "100.00"},
                                                {"type": "loan", "amount": "25.00"}]))
    assert [(x.key, x.current) for x in stub.posttax_deductions] == [("posttax.garnishment", D("100.00")),
                                                                     ("posttax.loan", D("25.00"))]
    assert stub.net_pay == D("508.89")  # 633.89 - 125.00


def test_a_paycheck_that_does_not_add_up_is_refused():
    raw = paycheck().to_dict()
    raw["net_pay"] = "700.00"
    with pytest.raises(InvalidInput) as e:
        stub_of(raw)
    assert e.value.field == "net_pay"


@pytest.mark.parametrize(("given", "shown"), [("1234", "***-**-1234"), ("123-45-6789", "***-**-6789"),
                                              (None, None), ("", None)])
def test_ssn_is_masked(given, shown):
    assert mask_ssn(given) == shown


def test_an_ssn_without_four_digits_is_refused():
    with pytest.raises(InvalidInput):
        mask_ssn("12a")


# ---------------------------------------------------------------- the PDF, read back


def test_pdf_reads_back_with_the_stubs_totals():
    stub = stub_of(paycheck(posttax_deductions=[{"type": "loan", "amount": "25.00"}]),
                   ytd_before={"totals.net_pay": "1000.00"})
    pdf = render_stub_pdf(stub)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "NET PAY 608.89" in text
    for needle in ("Aura Bistro LLC", "Dana Cruz", "***-**-1234", "Pay date: 2026-03-06",
                   "2026-02-23 to 2026-03-01", "850.12", "970.12", "92.01", "60.15", "14.07", "401(k)",
                   "Loan repayment", "25.00", "1,608.89", "Aura Bistro Center City"):
        assert needle in text, needle
    assert "123-45" not in text


def test_pdf_lines_carry_hours_rates_and_the_rule():
    stub = stub_of(paycheck())
    text = pdf_text(render_stub_pdf(stub))
    regular = stub.earnings[0]
    assert f"{regular.hours}" in text and f"{regular.rate}" in text
    assert "How each earnings line was computed" in text


def test_pdf_transliterates_text_outside_latin1():
    stub = build_stub(paycheck(), employer=StubParty("Łódź Café – Bar"), employee=StubEmployee("Zoë Nguyễn"),
                      location=LOCATION)
    text = pdf_text(render_stub_pdf(stub))
    assert "Lódz Café - Bar" in text and "Zoë Nguyen" in text


# ---------------------------------------------------------------- post-tax deductions in the preview


def test_post_tax_deductions_lower_the_net_pay_only():
    plain = paycheck().to_dict()
    out = paycheck(posttax_deductions=[{"type": "garnishment", "amount": "100.00"}]).to_dict()
    assert out["employee_taxes"] == plain["employee_taxes"] and out["taxable_wages"] == plain["taxable_wages"]
    assert out["employer_taxes"] == plain["employer_taxes"]
    assert out["net_pay"] == "533.89"
    assert out["deductions"]["posttax_lines"] == [{"type": "garnishment", "amount": "100.00", "taken": "100.00"}]
    lines = {x["line"]: x for x in out["explanation"]}
    assert lines["posttax_deductions[0]"]["amount"] == "100.00"
    assert "post-tax deductions 100.00" in lines["net_pay"]["text"]


def test_the_tax_service_never_sees_post_tax_deductions():
    tax = FakeTax()
    raw = copy.deepcopy(ISSUE_REQUEST) | {"posttax_deductions": [{"type": "loan", "amount": "5.00"}]}
    preview_paycheck(raw, admin(), tax=tax)
    assert all("posttax_deductions" not in r for r in tax.calls[0][1])


def test_a_deduction_larger_than_the_net_is_taken_as_far_as_it_goes():
    out = paycheck(posttax_deductions=[{"type": "loan", "amount": "900.00"},
                                       {"type": "garnishment", "amount": "600.00"}]).to_dict()
    assert out["net_pay"] == "0.00"
    assert out["deductions"]["posttax_lines"] == [{"type": "loan", "amount": "900.00", "taken": "33.89"},
                                                  {"type": "garnishment", "amount": "600.00", "taken": "600.00"}]
    assert "866.11 not taken" in {x["line"]: x for x in out["explanation"]}["posttax_deductions[0]"]["text"]


def test_pretax_explanation_says_per_tax_treatment_and_shows_taxable_wages():
    lines = {x["line"]: x for x in paycheck().to_dict()["explanation"]}
    assert "still wages for social security" in lines["pretax_deductions[0]"]["text"]
    assert "federal income tax 920.12" in lines["taxable_wages"]["text"]


# ---------------------------------------------------------------- REST: preview PDF and preview stub


@pytest.fixture
def client():
    import warnings

    from chassis.internal_token import bearer_for_tests
    from payroll.bootstrap import bootstrap
    from payroll.config import Settings
    from payroll.entrypoints.http_api import build_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    container = bootstrap(Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="payroll"),
                          uow=lambda: None, tax=FakeTax())
    return TestClient(build_app(container), headers={"authorization": bearer_for_tests(admin(), "payroll")})


def test_preview_with_accept_pdf_answers_the_stub_as_pdf(client):
    r = client.post("/api/payroll/v1/paychecks:preview", json=ISSUE_REQUEST, headers={"accept": "application/pdf"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = pdf_text(r.content)
    assert "NET PAY 633.89" in text and "PREVIEW" in text
    assert client.post("/api/payroll/v1/paychecks:preview", json=ISSUE_REQUEST).json()["net_pay"] == "633.89"


def test_preview_pdf_bad_input_is_still_422_json(client):
    r = client.post("/api/payroll/v1/paychecks:preview", json=ISSUE_REQUEST | {"pay_date": "x"},
                    headers={"accept": "application/pdf"})
    assert r.status_code == 422 and r.json()["field"] == "pay_date"


def test_preview_stub_with_header_as_json_and_pdf(client):
    body = {"paycheck": ISSUE_REQUEST | {"posttax_deductions": [{"type": "loan", "amount": "10.00"}]},
            "employer": {"name": "Aura Bistro LLC", "id": "12-3456789"},
            "employee": {"name": "Dana Cruz", "ssn_last4": "6789"}, "location": {"name": "Center City"},
            "period": {"start": "2026-02-23", "end": "2026-03-01"}, "ytd_before": {"totals.net_pay": "100.00"}}
    out = client.post("/api/payroll/v1/paychecks:preview-stub", json=body).json()
    assert out["employee"]["ssn"] == "***-**-6789" and out["net_pay"] == "623.89"
    assert out["totals"]["net_pay"]["ytd"] == "723.89" and out["preview"] is True
    r = client.post("/api/payroll/v1/paychecks:preview-stub", json=body, headers={"accept": "application/pdf"})
    text = pdf_text(r.content)
    assert "NET PAY 623.89" in text and "***-**-6789" in text and "Center City" in text and "723.89" in text


@pytest.mark.parametrize(("change", "field"), [
    ({"paycheck": ISSUE_REQUEST | {"pay": {"type": "hourly"}}}, "paycheck.pay.rate"),
    ({"employee": {"name": "A", "ssn_last4": "12"}}, "employee.ssn_last4"),
    ({"employee": {"ssn_last4": "1234"}}, "employee.name"),
    ({"period": {"start": "2026-13-01"}}, "period.start"),
    ({"period": {"start": "2026-03-02", "end": "2026-03-01"}}, "period.start"),
    ({"ytd_before": {"totals.net_pay": "abc"}}, "ytd_before.totals.net_pay"),
    ({"ytd_before": {"totals.net_pay": "1e999999"}}, "ytd_before.totals.net_pay"),
    ({"ytd_before": {"totals.net_pay": "NaN"}}, "ytd_before.totals.net_pay"),
    ({"ytd_before": 5}, "ytd_before"),
    ({"period": {"start": 7}}, "period.start"),
    ({"employee": {"name": "x" * 501}}, "employee.name"),
    ({"employer": "Aura"}, "employer"),
    ({"signature": "x"}, "request.signature"),
    ({"paycheck": ISSUE_REQUEST | {"posttax_deductions": [{"type": "tip", "amount": "1.00"}]}},
     "paycheck.posttax_deductions[0].type"),
])
def test_preview_stub_bad_input_is_422_naming_the_field(client, change, field):
    r = client.post("/api/payroll/v1/paychecks:preview-stub", json={"paycheck": ISSUE_REQUEST} | change)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
