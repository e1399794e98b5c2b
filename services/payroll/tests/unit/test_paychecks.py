"""Paycheck preview: the use case on a fake tax port, the REST route over FastAPI's TestClient, the
wiring (bootstrap, settings, readiness) and the gRPC client's message encoding (no network)."""
from __future__ import annotations

import copy
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from chassis.errors import DependencyUnavailable, InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.internal_token import bearer_for_tests
from chassis.rbac import role_permissions
from payroll.adapters.tax_client import from_message, to_message
from payroll.bootstrap import bootstrap
from payroll.config import Settings, settings
from payroll.domain.pay.taxes import EMPLOYEE_TAXES, EMPLOYER_TAXES, TaxLine
from payroll.entrypoints.http_api import build_app, readiness_checks
from payroll.service_layer.paychecks import preview_paycheck
from payroll_fakes import FakeTax

D = Decimal
DB = {"database_url": "postgresql+psycopg://u:p@127.0.0.1:1/db", "db_schema": "payroll"}
# The issue's example request, word for word (one copy, shared by the unit and e2e tests).
ISSUE_REQUEST = json.loads((Path(__file__).parents[1] / "data" / "preview_issue_example.json").read_text())
CONTRACT_KEYS = {"hours", "regular_rate", "earnings", "cash_wages", "reported_tips", "tip_credit_top_up",
                 "gross_wages", "employee_taxes", "employer_taxes", "uncollected", "net_pay", "explanation"}


def who(role: str) -> Identity:
    return Identity(subject=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), permissions=role_permissions(role))


def body(**changes) -> dict:
    raw = copy.deepcopy(ISSUE_REQUEST)
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


# ---------------------------------------------------------------- the use case


def test_issue_example_asks_the_tax_service_once_for_wages_plus_tips_and_wages_alone():
    tax, manager = FakeTax(), who("manager")
    out = preview_paycheck(body(), manager, tax=tax).to_dict()
    assert len(tax.calls) == 1 and tax.calls[0][0] is manager  # one batch call, as the caller
    full, wages_only = tax.calls[0][1]
    assert (full["wages"], full["tips"], wages_only["wages"], wages_only["tips"]) == ("850.12", "120.00", "850.12", "0.00")
    assert full["pretax_deductions"] == [{"type": "401k", "amount": "50.00"}]
    assert full["state"] == ISSUE_REQUEST["state"] and full["locality"] == ISSUE_REQUEST["locality"]
    # FIT 10 % x (970.12 - 50) = 92.012 -> 92.01; SS 6.2 % x 970.12 = 60.147 -> 60.15; Medicare 14.0667 -> 14.07
    assert out["employee_taxes"] == dict.fromkeys(EMPLOYEE_TAXES, "0.00") | {
        "federal_income_tax": "92.01", "social_security": "60.15", "medicare": "14.07"}
    assert out["employer_taxes"] == {"social_security": "60.15", "medicare": "14.07", "futa": "0.00", "suta": "0.00"}
    # 850.12 - (92.01 + 60.15 + 14.07) - 50.00 = 633.89; the 120.00 tips are not in the check.
    assert out["net_pay"] == "633.89" and out["uncollected"] == {"social_security": "0.00", "medicare": "0.00"}
    assert CONTRACT_KEYS <= set(out)
    lines = [x["line"] for x in out["explanation"]]
    assert "taxes.federal_income_tax.1a" in lines and lines[-1] == "net_pay"
    json.dumps(out)


def test_without_tips_one_request_is_enough():
    tax = FakeTax()
    preview_paycheck(body(reported_tips=None), who("admin"), tax=tax)
    assert len(tax.calls[0][1]) == 1 and tax.calls[0][1][0]["tips"] == "0.00"


def test_a_tipped_employee_whose_taxes_outrun_the_cash_wages():
    # TX tipped, 30 h x 2.13 = 63.90 cash, tips 1,200: fake FIT 126.39 (wages alone 6.39), SS 78.36 (3.96),
    # Medicare 18.33 (0.93). Wages first: 3.96 + 0.93 + 6.39 = 11.28 -> 52.62 left; SS on tips 74.40: 52.62
    # withheld, 21.78 uncollected; Medicare on tips 17.40 uncollected; FIT on tips 120.00 not withheld.
    raw = body(work_state="TX", locality=None, state=None, pretax_deductions=None, bonuses=None,
               pay={"type": "tipped", "cash_wage_rate": "2.13"}, reported_tips="1200.00",
               workweeks=[{"daily_hours": ["6", "6", "6", "6", "6"]}])
    out = preview_paycheck(raw, who("admin"), tax=FakeTax()).to_dict()
    assert out["cash_wages"] == "63.90" and out["gross_wages"] == "1263.90"
    assert out["employee_taxes"]["social_security"] == "56.58" and out["employee_taxes"]["medicare"] == "0.93"
    assert out["employee_taxes"]["federal_income_tax"] == "6.39"
    assert out["uncollected"] == {"social_security": "21.78", "medicare": "17.40"}
    assert out["taxes_not_withheld"]["federal_income_tax"] == "120.00"
    assert out["net_pay"] == "0.00"
    assert out["employer_taxes"]["social_security"] == "78.36"  # the employer's share is owed in full


@pytest.mark.parametrize("role", ["staff", "kitchen"])
def test_who_may_preview(role):
    with pytest.raises(PermissionDenied):
        preview_paycheck(body(), who(role), tax=FakeTax())
    creator = Identity(subject="s", tenant_id=str(uuid.uuid4()), permissions=frozenset({"payroll:create"}))
    preview_paycheck(body(), creator, tax=FakeTax())


def test_tax_service_field_errors_come_back_in_the_previews_terms():
    for tax_field, ours in (("requests[0].federal.filing_status", "federal.filing_status"),
                            ("requests[1].tips", "reported_tips"), ("requests[0].ytd", "ytd")):
        with pytest.raises(InvalidInput) as raised:
            preview_paycheck(body(), who("admin"), tax=FakeTax(InvalidInput("is required", field=tax_field)))
        assert raised.value.field == ours


def test_pay_errors_are_found_before_the_tax_service_is_asked():
    tax = FakeTax()
    with pytest.raises(InvalidInput) as raised:
        preview_paycheck(body(pay={"type": "hourly"}), who("admin"), tax=tax)
    assert raised.value.field == "pay.rate" and tax.calls == []


def test_without_a_tax_service_the_preview_is_unavailable():
    with pytest.raises(DependencyUnavailable):
        preview_paycheck(body(), who("admin"), tax=None)


# ---------------------------------------------------------------- REST over fakes


def rest_client(app, **kwargs):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, **kwargs)


@pytest.fixture
def client_for():
    def make(role: str = "admin", tax=None):
        container = bootstrap(Settings(**DB), uow=lambda: None, tax=tax or FakeTax())
        headers = {"authorization": bearer_for_tests(who(role), "payroll")}
        return rest_client(build_app(container), headers=headers)
    return make


def test_the_route_answers_the_contract(client_for):
    response = client_for("manager").post("/api/payroll/v1/paychecks:preview", json=ISSUE_REQUEST)
    assert response.status_code == 200, response.text
    out = response.json()
    assert CONTRACT_KEYS <= set(out)
    assert set(out["employee_taxes"]) == set(EMPLOYEE_TAXES) and set(out["employer_taxes"]) == set(EMPLOYER_TAXES)
    assert set(out["uncollected"]) == {"social_security", "medicare"}
    for e in out["earnings"]:
        assert {"kind", "hours", "rate", "amount"} <= set(e)
    for x in out["explanation"]:
        assert set(x) == {"line", "text", "amount"}
    assert D(out["gross_wages"]) == D(out["cash_wages"]) + D(out["reported_tips"])
    withheld = sum(D(v) for v in out["employee_taxes"].values())
    assert D(out["net_pay"]) == D(out["cash_wages"]) - withheld - D("50.00")


@pytest.mark.parametrize(("change", "field"), [
    ({"workweeks": [{"daily_hours": ["9", "8", "8", "x", "8"]}]}, "workweeks[0].daily_hours[3]"),
    ({"workweeks": [{"daily_hours": ["9", "8", "8", "25", "8"]}]}, "workweeks[0].daily_hours[3]"),
    ({"pay": {"type": "hourly", "rate": 19.5}}, "pay.rate"),
    ({"pay": {"type": "hourly"}}, "pay.rate"),
    ({"pay_date": "06/03/2026"}, "pay_date"),
    ({"work_state": None}, "work_state"),
    ({"reported_tips": "-1.00"}, "reported_tips"),
    ({"federal": {**ISSUE_REQUEST["federal"], "multiple_jobs": "false"}}, "federal.multiple_jobs"),
    ({"pretax_deductions": [{"type": "401k", "amount": "5000.00"}]}, "pretax_deductions"),
])
def test_bad_input_is_422_naming_the_field(client_for, change, field):
    response = client_for().post("/api/payroll/v1/paychecks:preview", json=body(**change))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_a_refused_tax_field_is_422_in_the_previews_terms(client_for):
    tax = FakeTax(InvalidInput("is required", field="requests[0].federal.filing_status"))
    response = client_for(tax=tax).post("/api/payroll/v1/paychecks:preview", json=ISSUE_REQUEST)
    assert response.status_code == 422 and response.json()["field"] == "federal.filing_status"


@pytest.mark.parametrize("payload", [None, [], "x", 7, {}, {"pay": []}, {"workweeks": {}}, body(federal=[]),
                                     body(workweeks=[None]), body(bonuses=[{"type": "x"}]), body(jobs="host"),
                                     body(locality={"code": None, "resident": None}), body(state=5)])
def test_garbage_is_never_a_500(client_for, payload):
    response = client_for().post("/api/payroll/v1/paychecks:preview", json=payload)
    assert response.status_code == 422, response.text


def test_staff_may_not_preview_payroll(client_for):
    assert client_for("staff").post("/api/payroll/v1/paychecks:preview", json=ISSUE_REQUEST).status_code == 403


# ---------------------------------------------------------------- wiring and the gRPC client


def test_http_requires_and_checks_the_tax_service(monkeypatch, capsys):
    for name, value in DB.items():
        monkeypatch.setenv(name.upper(), value)
    monkeypatch.setenv("AUTH_GRPC_ADDR", "127.0.0.1:1")
    monkeypatch.delenv("TAX_GRPC_ADDR", raising=False)
    with pytest.raises(SystemExit):
        settings("auth_grpc_addr", "tax_grpc_addr")
    assert "TAX_GRPC_ADDR: required by this process" in capsys.readouterr().err
    config = Settings(**DB, auth_grpc_addr="127.0.0.1:1", tax_grpc_addr="127.0.0.1:2")
    container = bootstrap(config, tax=FakeTax())
    assert set(readiness_checks(container)) == {"postgres", "auth", "tax"}


def test_bootstrap_builds_the_grpc_client_only_with_an_address():
    from payroll.adapters.tax_client import TaxClient

    assert bootstrap(Settings(**DB), uow=lambda: None).tax is None
    assert isinstance(bootstrap(Settings(**DB, tax_grpc_addr="127.0.0.1:1"), uow=lambda: None).tax, TaxClient)


def test_the_request_json_travels_as_the_grpc_message_and_results_come_back_as_decimals():
    from auraconnect.tax.v1 import payroll_tax_pb2
    from payroll.domain.pay import PayRequest
    from payroll.domain.pay.taxes import TaxFacts

    raw = body(federal={**ISSUE_REQUEST["federal"], "extra_withholding": 5})
    request_json = TaxFacts.from_dict(raw, PayRequest.from_dict(raw)).withholding_request(D("850.12"), D("120.00"))
    message = to_message(0, request_json)
    assert message.wages == "850.12" and message.tips == "120.00" and message.payment_type == "regular"
    assert message.federal.extra_withholding == "5" and message.federal.filing_status == "single"
    assert message.state.HasField("regular_allowances") and message.state.regular_allowances == 1
    assert message.locality.resident is True and message.pretax_deductions[0].type == "401k"

    result = payroll_tax_pb2.WithholdingResult(rules_version="payroll-1")
    result.employee.social_security = "60.15"
    result.explanation.add(tax="medicare", line="rate", text="rate", amount="0.0145")
    answer = from_message(result)
    assert answer.employee["social_security"] == D("60.15") and answer.employee["medicare"] == 0
    assert answer.explanation[0] == TaxLine("medicare", "rate", "rate", "0.0145")
