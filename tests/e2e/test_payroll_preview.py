"""Paycheck preview through Envoy (issue 11): the issue's own request, hand-worked paychecks whose federal and
FICA amounts are checked against figures worked out here from the rules file (never read back from the
service), a tipped employee whose taxes outrun the cash wages, bad input, and who may call it.

Payroll computes the hours and pay; the taxes come from the tax service over gRPC (CalculateWithholdingBatch).
"""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

D = Decimal
PREVIEW = "/api/payroll/v1/paychecks:preview"
EMPLOYEE_TAXES = {"federal_income_tax", "social_security", "medicare", "additional_medicare", "state_income_tax",
                  "state_disability", "state_unemployment", "local_income_tax"}
EMPLOYER_TAXES = {"social_security", "medicare", "futa", "suta"}
KINDS = {"regular", "overtime", "double_time", "bonus", "overtime_bonus_adjustment", "tip_credit_top_up",
         "break_premium"}

# The issue's example request, word for word (one copy, shared by the unit and e2e tests).
ISSUE_REQUEST = json.loads((Path(__file__).parents[2] / "services" / "payroll" / "tests" / "data" / "preview_issue_example.json").read_text())

# A Texas paycheck: no state income tax, no locality, a 2020 W-4 single.
TEXAS = {"pay_date": "2026-03-06", "pay_frequency": "weekly", "work_state": "TX",
         "pay": {"type": "hourly", "rate": "27.00"}, "workweeks": [{"daily_hours": ["8", "8", "8", "8", "8"]}],
         "ytd": {"wages": "0.00"}, "federal": {"form_version": "2020", "filing_status": "single"},
         "employer": {"suta_rate": "0.027", "suta_wage_base": "9000.00"}}


def money(x) -> Decimal:
    return D(x).quantize(D("0.01"))


def preview(client, body: dict):
    return client.post(PREVIEW, json=body)


def check_consistent(out: dict, deductions: Decimal) -> None:
    """The documented fields are all there, money has two places, and the totals add up."""
    assert {"hours", "regular_rate", "earnings", "cash_wages", "reported_tips", "tip_credit_top_up", "gross_wages",
            "employee_taxes", "employer_taxes", "uncollected", "net_pay", "explanation"} <= set(out)
    assert set(out["hours"]) >= {"total", "regular", "overtime", "double_time"}
    assert set(out["employee_taxes"]) == EMPLOYEE_TAXES and set(out["employer_taxes"]) == EMPLOYER_TAXES
    assert set(out["uncollected"]) == {"social_security", "medicare"}
    for amount in (out["cash_wages"], out["reported_tips"], out["tip_credit_top_up"], out["gross_wages"],
                   out["net_pay"], *out["employee_taxes"].values(), *out["employer_taxes"].values(),
                   *out["uncollected"].values()):
        assert isinstance(amount, str) and amount == str(money(amount)), amount
    for e in out["earnings"]:
        assert {"kind", "hours", "rate", "amount"} <= set(e) and e["kind"] in KINDS
    assert sum(D(e["amount"]) for e in out["earnings"]) == D(out["cash_wages"])
    assert D(out["gross_wages"]) == D(out["cash_wages"]) + D(out["reported_tips"])
    hours = out["hours"]
    assert D(hours["total"]) == D(hours["regular"]) + D(hours["overtime"]) + D(hours["double_time"])
    withheld = sum(D(v) for v in out["employee_taxes"].values())
    # Reported tips were paid by customers in cash: wages for taxes, not part of the check.
    assert D(out["net_pay"]) == D(out["cash_wages"]) - withheld - deductions
    for x in out["explanation"]:
        assert set(x) == {"line", "text", "amount"} and x["text"]
    assert out["explanation"][-1]["line"] == "net_pay" and out["explanation"][-1]["amount"] == out["net_pay"]


def test_the_issues_example_request(admin):
    response = preview(admin, ISSUE_REQUEST)
    assert response.status_code == 200, response.text
    out = response.json()
    check_consistent(out, D("50.00"))
    # CA: 9 + 8 + 8 + 7.5 + 8 = 40.5 h. Monday's 9th hour is daily overtime; the other 39.5 h are regular and,
    # being under 40, give no weekly overtime (daily OT hours are not counted again toward 40).
    assert out["hours"] == {"total": "40.50", "regular": "39.50", "overtime": "1.00", "double_time": "0.00"}
    # Regular rate 19.50 + 50 / 40.5 = 20.734568; 39.5 x 19.50 = 770.25; 1 x 29.25; bonus 50.00;
    # bonus half-time on the OT hour 0.5 x 50 / 40.5 = 0.6173 -> 0.62. Cash 850.12; + tips 120 = 970.12.
    assert out["regular_rate"] == "20.734568"
    assert [(e["kind"], e["amount"]) for e in out["earnings"]] == [
        ("regular", "770.25"), ("overtime", "29.25"), ("bonus", "50.00"), ("overtime_bonus_adjustment", "0.62")]
    assert (out["cash_wages"], out["reported_tips"], out["tip_credit_top_up"], out["gross_wages"]) == (
        "850.12", "120.00", "0.00", "970.12")
    taxes = out["employee_taxes"]
    # FIT (Worksheet 1A): 970.12 - 401(k) 50 = 920.12 x 52 = 47,846.24 - 8,600 = 39,246.24;
    # 1,240 + 12 % x 19,346.24 = 3,561.5488; / 52 = 68.4913 -> 68.49.
    assert taxes["federal_income_tax"] == "68.49"
    # FICA on 970.12 (401(k) is FICA wages): SS 60.1474 -> 60.15; Medicare 14.0667 -> 14.07; YTD far from 200k.
    assert (taxes["social_security"], taxes["medicare"], taxes["additional_medicare"]) == ("60.15", "14.07", "0.00")
    # CA SDI 1.3 % of 970.12 = 12.6116 -> 12.61 (no wage cap, 401(k) included); Philadelphia resident wage
    # tax 3.74 % of 970.12 = 36.2825 -> 36.28 (compensation incl. tips, 401(k) not excluded).
    assert taxes["state_disability"] == "12.61" and taxes["local_income_tax"] == "36.28"
    assert D(taxes["state_income_tax"]) > 0  # CA Method B: the tax service's own tests cover its figures
    assert out["employer_taxes"]["social_security"] == "60.15" and out["employer_taxes"]["medicare"] == "14.07"
    assert out["employer_taxes"]["futa"] == "0.00"  # YTD 12,000 is past the 7,000 FUTA base
    assert out["uncollected"] == {"social_security": "0.00", "medicare": "0.00"}
    lines = {x["line"] for x in out["explanation"]}
    assert {"workweeks[0].split", "earnings[0]", "gross_wages", "taxes.federal_income_tax.1a",
            "taxes.social_security.wages", "employee_taxes.federal_income_tax", "net_pay"} <= lines


def test_texas_weekly_single_1080_is_pub_15t_87_68(admin):
    # 27.00 x 40 = 1,080.00. Rules file 1.4: Worksheet 1A gives 87.68 (the manual table would give 87.64):
    # 56,160 - 8,600 = 47,560; 1,240 + 12 % x 27,660 = 4,559.20; / 52 = 87.6769 -> 87.68.
    out = preview(admin, TEXAS).json()
    check_consistent(out, D("0"))
    assert out["cash_wages"] == "1080.00" and out["hours"]["overtime"] == "0.00"
    assert out["employee_taxes"] == {"federal_income_tax": "87.68", "social_security": "66.96", "medicare": "15.66",
                                     "additional_medicare": "0.00", "state_income_tax": "0.00",
                                     "state_disability": "0.00", "state_unemployment": "0.00",
                                     "local_income_tax": "0.00"}
    # Employer: SS 66.96, Medicare 15.66, FUTA 0.6 % x 1,080 = 6.48, SUTA 2.7 % x 1,080 = 29.16.
    assert out["employer_taxes"] == {"social_security": "66.96", "medicare": "15.66", "futa": "6.48", "suta": "29.16"}
    assert out["net_pay"] == "909.70"  # 1,080 - 87.68 - 66.96 - 15.66


def test_texas_overtime_with_401k_and_section_125(admin):
    # 9+9+9+9+6 = 42 h at 25.00 (FLSA): 40 x 25 = 1,000 + 2 x 37.50 = 75 -> 1,075.00.
    # FIT wages 1,075 - 401(k) 100 - s125 50 = 925 x 52 = 48,100 - 8,600 = 39,500; 1,240 + 12 % x 19,600
    # = 3,592 / 52 = 69.0769 -> 69.08. FICA wages 1,075 - s125 50 = 1,025 (401(k) stays in): SS 63.55,
    # Medicare 14.8625 -> 14.86. Net 1,075 - 69.08 - 63.55 - 14.86 - 150 = 777.51.
    body = TEXAS | {"pay": {"type": "hourly", "rate": "25.00"},
                    "workweeks": [{"daily_hours": ["9", "9", "9", "9", "6"]}],
                    "pretax_deductions": [{"type": "401k", "amount": "100.00"},
                                          {"type": "section_125", "amount": "50.00"}]}
    out = preview(admin, body).json()
    check_consistent(out, D("150.00"))
    assert out["hours"] == {"total": "42.00", "regular": "40.00", "overtime": "2.00", "double_time": "0.00"}
    assert [(e["kind"], e["hours"], e["rate"], e["amount"]) for e in out["earnings"]] == [
        ("regular", "40.00", "25.00", "1000.00"), ("overtime", "2.00", "37.50", "75.00")]
    taxes = out["employee_taxes"]
    assert (taxes["federal_income_tax"], taxes["social_security"], taxes["medicare"]) == ("69.08", "63.55", "14.86")
    assert out["net_pay"] == "777.51"


def test_non_exempt_salary_with_a_401k_percent_matches_the_hourly_case(admin):
    # $52,000 a year, non-exempt, weekly: 1,000.00 a week pays the straight time; regular rate 1,000 / 40 =
    # 25.00, 2 overtime hours x 37.50 = 75.00: the same 1,075.00 as 25.00 an hour above, so the same taxes.
    # 401(k) 9.3023 % of 1,075 = 99.999725 -> 100.00 (a percent resolved against the cash wages).
    body = TEXAS | {"pay": {"type": "salary", "annual_salary": "52000.00", "exempt": False},
                    "workweeks": [{"daily_hours": ["9", "9", "9", "9", "6"]}],
                    "pretax_deductions": [{"type": "401k", "percent": "9.3023"},
                                          {"type": "section_125", "amount": "50.00"}]}
    response = preview(admin, body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert [(e["kind"], e["hours"], e["rate"], e["amount"]) for e in out["earnings"]] == [
        ("salary", "42.00", None, "1000.00"), ("overtime", "2.00", "37.50", "75.00")]
    assert out["deductions"]["pretax_lines"][0] == {"type": "401k", "amount": "100.00", "percent": "9.3023"}
    taxes = out["employee_taxes"]
    assert (taxes["federal_income_tax"], taxes["social_security"], taxes["medicare"]) == ("69.08", "63.55", "14.86")
    assert out["net_pay"] == "777.51"
    # Exempt, the same hours earn the salary alone.
    exempt = preview(admin, body | {"pay": {"type": "salary", "annual_salary": "52000.00"}}).json()
    assert [(e["kind"], e["amount"]) for e in exempt["earnings"]] == [("salary", "1000.00")]


def test_tipped_server_whose_taxes_outrun_the_cash_wages(admin):
    # TX tipped: 5 x 6 h = 30 h at the 2.13 cash wage = 63.90; tip credit claimed 5.12 x 30 = 153.60 < 1,200
    # tips, so no top-up. Gross 1,263.90.
    #   taxes on 1,263.90: FIT 65,722.80 - 8,600 = 57,122.80; 1,240 + 12 % x 37,222.80 = 5,706.736 / 52
    #                      = 109.7449 -> 109.74; SS 78.3618 -> 78.36; Medicare 18.3266 -> 18.33
    #   on the wages alone (63.90): FIT 0 (3,322.80 is below 8,600); SS 3.96; Medicare 0.93
    # Withholding order: taxes on wages 4.89 -> 59.01 left; SS on tips 74.40: 59.01 withheld, 15.39
    # uncollected (W-2 12 A); Medicare on tips 17.40 uncollected (12 B); FIT on tips 109.74 not withheld.
    body = TEXAS | {"pay": {"type": "tipped", "cash_wage_rate": "2.13"}, "reported_tips": "1200.00",
                    "workweeks": [{"daily_hours": ["6", "6", "6", "6", "6"]}]}
    body.pop("employer")
    out = preview(admin, body).json()
    check_consistent(out, D("0"))
    assert (out["cash_wages"], out["tip_credit_top_up"], out["gross_wages"]) == ("63.90", "0.00", "1263.90")
    taxes = out["employee_taxes"]
    assert (taxes["social_security"], taxes["medicare"], taxes["federal_income_tax"]) == ("62.97", "0.93", "0.00")
    assert out["uncollected"] == {"social_security": "15.39", "medicare": "17.40"}
    assert out["net_pay"] == "0.00"
    # The employer owes its share on all of it.
    assert out["employer_taxes"]["social_security"] == "78.36" and out["employer_taxes"]["medicare"] == "18.33"
    assert any(x["line"] == "withholding.tips.social_security" for x in out["explanation"])


def _changed(path: tuple, value) -> dict:
    body = copy.deepcopy(ISSUE_REQUEST)
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is None:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize(("path", "value", "field"), [
    (("workweeks", 0, "daily_hours", 3), "7,5", "workweeks[0].daily_hours[3]"),
    (("pay", "rate"), None, "pay.rate"),
    (("pay", "type"), "salaried", "pay.type"),
    (("pay_frequency",), None, "pay_frequency"),
    (("work_state",), "ZZ", "work_state"),
    (("reported_tips",), 120.0, "reported_tips"),
    # Judged by the tax service, answered in the preview's field names:
    (("federal", "filing_status"), None, "federal.filing_status"),
    (("federal", "filing_status"), "widowed", "federal.filing_status"),
    (("state", "filing_status"), "divorced", "state.filing_status"),
    (("locality", "code"), "GOTHAM", "locality.code"),
    (("ytd",), None, "ytd"),
    (("pretax_deductions", 0, "type"), "pension", "pretax_deductions[0].type"),
])
def test_bad_input_is_422_naming_the_field(admin, path, value, field):
    response = preview(admin, _changed(path, value))
    assert response.status_code == 422, response.text
    assert response.json().get("field") == field, response.json()


def test_garbage_is_422_never_500(admin):
    for payload in ([], "x", {}, {"pay": None}, {**ISSUE_REQUEST, "workweeks": [None]}):
        response = preview(admin, payload)
        assert response.status_code == 422, (payload, response.text)


def test_who_may_preview(gateway, demo_members):
    with demo_members["manager"].http(gateway) as manager:  # payroll:read
        assert preview(manager, ISSUE_REQUEST).status_code == 200
    with demo_members["staff"].http(gateway) as staff:  # payroll:read:own only
        assert preview(staff, ISSUE_REQUEST).status_code == 403
