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
