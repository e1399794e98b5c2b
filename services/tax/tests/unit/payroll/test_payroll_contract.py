"""The result's public shape (field names are a contract) and the explanation behind each amount."""

from __future__ import annotations

import json
import re

from payroll_testkit import calc

PHL = {"code": "PHILADELPHIA", "resident": True}


def test_to_dict_shape_and_two_decimal_strings():
    d = calc(work_state="PA", locality=PHL, employer={"suta_rate": "0.0307", "suta_wage_base": "10000.00"}).to_dict()
    assert set(d) == {"employee", "employer", "taxable_wages", "explanation", "rules_version"}
    assert list(d["employee"]) == ["federal_income_tax", "social_security", "medicare", "additional_medicare",
                                   "state_income_tax", "state_disability", "state_unemployment", "local_income_tax"]
    assert list(d["employer"]) == ["social_security", "medicare", "futa", "suta"]
    assert list(d["taxable_wages"])[:5] == ["federal_income_tax", "social_security", "medicare", "state", "local"]
    for group in ("employee", "employer", "taxable_wages"):
        for value in d[group].values():
            assert re.fullmatch(r"\d+\.\d\d", value), value
    assert d["rules_version"].startswith("payroll-")
    json.dumps(d)  # plain JSON types only


def test_every_amount_carries_its_lines():
    r = calc(work_state="CA", employer={"suta_rate": "0.034", "suta_wage_base": "7000.00"})
    taxes = {e.tax for e in r.explanation}
    assert {"federal_income_tax", "social_security", "medicare", "additional_medicare", "state_income_tax",
            "state_disability", "futa", "suta"} <= taxes
    for tax, amount in (("federal_income_tax", r.employee.federal_income_tax),
                        ("state_income_tax", r.employee.state_income_tax),
                        ("futa", r.employer.futa), ("suta", r.employer.suta)):
        assert r.lines_for(tax)[-1].amount == amount  # the last line of each tax is the amount itself
    lines = [e["line"] for e in r.to_dict()["explanation"] if e["tax"] == "federal_income_tax"]
    assert lines == ["1a", "1b", "1c", "1d", "1e", "1f", "1g", "1h", "1i", "2a", "2b", "2c", "2d", "2e", "2f", "2g",
                     "2h", "3a", "3b", "3c", "4a", "4b"]


def test_pre2020_and_supplemental_explanations():
    pre = calc(federal={"form_version": "pre2020", "filing_status": "single", "allowances": 2})
    assert [e.line for e in pre.lines_for("federal_income_tax")][3:6] == ["1j", "1k", "1l"]
    supp = calc(payment_type="supplemental", wages="5000.00")
    assert supp.lines_for("federal_income_tax")[-1].line == "supp.total"
