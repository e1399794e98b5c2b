"""Rule tables and employer settings through the gateway: the platform operator adds an effective-dated
row, the version moves, and every tax process (REST and gRPC, separate processes) calculates with it.
The tables are shared by every tenant: a tenant's admin reads them but cannot change them."""
from __future__ import annotations

import json
import uuid

import grpc
import httpx
import pytest
from auraconnect.tax.v1 import payroll_tax_pb2, sales_tax_pb2, tax_service_pb2_grpc
from google.protobuf.json_format import ParseDict

from tests.e2e.auth_support import client, login, run_auth_command, strong_password
from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e

@pytest.fixture(scope="module")
def operator_account(platform) -> dict:
    """The platform operator's own tenant, made by the operator's command (its first admin is the
    platform operator): the only kind of account that may change the shared tables."""
    slug = f"ops-{uuid.uuid4().hex[:8]}"
    password = strong_password()
    out = run_auth_command(platform, "create_tenant", "--slug", slug, "--name", "Platform operations",
                           "--admin-email", f"operator@{slug}.example.com", "--location-name", "Operations",
                           "--time-zone", "UTC", "--state", "NY", "--platform-operator",
                           env={"TENANT_ADMIN_PASSWORD": password}).stdout
    return json.loads(out.strip().splitlines()[-1]) | {"password": password}


@pytest.fixture(scope="module")
def operator(gateway, operator_account) -> httpx.Client:
    signed = login(gateway, operator_account["tenant_slug"], operator_account["admin_email"],
                   operator_account["password"])
    assert signed.status_code == 200, signed.text
    assert "platform:rules:update" in _claims(signed.json()["access_token"])["permissions"]
    with client(gateway, signed.json()["access_token"]) as http:
        yield http


def _claims(token: str) -> dict:
    import base64

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


PHILLY = {"pay_date": "2026-07-10", "pay_frequency": "weekly", "payment_type": "regular", "wages": "1000.00",
          "tips": "0.00", "ytd": {"wages": "20000.00"}, "work_state": "PA",
          "locality": {"code": "PHILADELPHIA", "resident": True},
          "federal": {"form_version": "2020", "filing_status": "single"}}


def test_payroll_rules_list_with_version(admin):
    response = admin.get("/api/tax/v1/payroll/rules", params={"as_of": "2026-03-06", "key": "ss_wage_base"})
    assert response.status_code == 200, response.text
    listed = response.json()
    assert [(r["value"], r["effective_from"]) for r in listed["rows"]] == [("184500", "2026-01-01")]
    assert listed["rows"][0]["source"].startswith("IRS-PUB15-2026")
    calc = admin.post("/api/tax/v1/payroll/withholding:calculate",
                      json=PHILLY | {"pay_date": "2026-03-06", "locality": None}).json()
    assert calc["rules_version"] == listed["rules_version"]


def test_new_rate_row_reaches_rest_and_grpc(platform, admin, admin_token, operator):
    before = admin.post("/api/tax/v1/payroll/withholding:calculate", json=PHILLY).json()
    assert before["employee"]["local_income_tax"] == "37.40"  # FY2026 resident 3.74 %
    response = operator.post("/api/tax/v1/payroll/rules", json={
        "jurisdiction": "PA-PHILADELPHIA", "tax": "local_income_tax", "key": "resident_rate",
        "effective_from": "2026-07-01", "effective_to": None, "value": "0.0370",
        "source": "e2e: Philadelphia FY2027 resident rate"})
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["closed"][0]["effective_to"] == "2026-06-30"

    after = admin.post("/api/tax/v1/payroll/withholding:calculate", json=PHILLY).json()  # same process: at once
    assert after["employee"]["local_income_tax"] == "37.00"
    assert after["rules_version"] != before["rules_version"]
    march = admin.post("/api/tax/v1/payroll/withholding:calculate", json=PHILLY | {"pay_date": "2026-03-06"}).json()
    assert march["employee"]["local_income_tax"] == "37.40"  # earlier pay dates keep their rate

    metadata = [("authorization", f"Bearer {admin_token}")]
    with grpc.insecure_channel(f"127.0.0.1:{platform.layout.envoy_port}") as channel:
        stub = tax_service_pb2_grpc.TaxServiceStub(channel)
        request = payroll_tax_pb2.CalculateWithholdingRequest(request=ParseDict(PHILLY,
                                                                                payroll_tax_pb2.WithholdingRequest()))

        def grpc_sees_it():  # the gRPC process learns the new revision through Redis
            result = stub.CalculateWithholding(request, metadata=metadata, timeout=10).result
            return result.employee.local_income_tax == "37.00" and result

        result = eventually(grpc_sees_it, timeout=15)
    assert result.rules_version == after["rules_version"]


@pytest.mark.parametrize(("row", "status", "field"), [
    ({"jurisdiction": "US", "tax": "fica", "key": "ss_rate", "effective_from": "2026-09-01", "value": 0.063,
      "source": "e2e"}, 422, "value"),
    ({"jurisdiction": "US", "tax": "fica", "key": "ss_rate", "effective_from": "2026-09-01", "value": "lots",
      "source": "e2e"}, 422, "value"),
    ({"jurisdiction": "US", "tax": "fica", "key": "ss_wage_base", "effective_from": "2026-06-01",
      "effective_to": "2026-12-31", "value": "190000", "source": "e2e"}, 409, "effective_from"),
])
def test_bad_rule_rows_are_refused(operator, row, status, field):
    response = operator.post("/api/tax/v1/payroll/rules", json=row)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def test_sales_rate_row_changes_orders_tax_from_its_date(platform, admin, admin_token, operator):
    listed = admin.get("/api/tax/v1/sales-tax/rates", params={"jurisdiction_id": "us-pa"}).json()
    assert [r["rate"] for r in listed["rows"]] == ["0.06"]
    response = operator.post("/api/tax/v1/sales-tax/rates", json={
        "jurisdiction_id": "us-pa", "rate": "0.065", "effective_from": "2027-01-01", "source": "e2e: PA 6.5 %"})
    assert response.status_code == 201, response.text

    def tax_on(as_of: str) -> int:
        body = {"location_id": platform.demo["location_id"], "as_of": as_of,
                "lines": [{"line_id": "1", "category": "general", "quantity": 1, "unit_price_cents": 10000}]}
        answer = admin.post("/api/tax/v1/sales-tax:calculate", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()["total_tax_cents"]

    assert tax_on("2027-02-01") - tax_on("2026-12-31") == 50  # 0.5 % of $100.00

    metadata = [("authorization", f"Bearer {admin_token}")]
    with grpc.insecure_channel(f"127.0.0.1:{platform.layout.envoy_port}") as channel:
        stub = tax_service_pb2_grpc.TaxServiceStub(channel)

        def grpc_tax(as_of: str) -> int:
            return stub.CalculateSalesTax(sales_tax_pb2.CalculateSalesTaxRequest(
                location_id=platform.demo["location_id"], as_of=as_of, lines=[sales_tax_pb2.SalesTaxLine(
                    line_id="1", category=sales_tax_pb2.ITEM_CATEGORY_GENERAL, quantity=1, unit_price_cents=10000)]),
                metadata=metadata, timeout=10).total_tax_cents

        eventually(lambda: grpc_tax("2027-02-01") == tax_on("2027-02-01"), timeout=15)


def test_employer_settings_default_the_requests_employer(admin):
    settings = {"round_federal_to_whole_dollars": True, "legal_name": "Demo Restaurant Group LLC",
                "ein": "12-3456789", "address": "1 Market St\nPhiladelphia, PA 19107",
                "state_employer_ids": {"PA": "9876543"},
                "suta": [{"state": "PA", "effective_from": "2026-01-01", "rate": "0.0307", "wage_base": "10000.00"}]}
    response = admin.put("/api/tax/v1/employer-settings", json=settings)
    assert response.status_code == 200, response.text
    assert admin.get("/api/tax/v1/employer-settings").json() == settings
    body = PHILLY | {"pay_date": "2026-03-06", "ytd": {"wages": "5000.00"}}  # no "employer": the settings apply
    result = admin.post("/api/tax/v1/payroll/withholding:calculate", json=body).json()
    assert result["employer"]["suta"] == "30.70"  # 3.07 % of 1,000.00
    assert result["employee"]["federal_income_tax"] == "78.00"  # 78.08 rounded to whole dollars
    bad = admin.put("/api/tax/v1/employer-settings", json=settings | {"ein": "123"})
    assert bad.status_code == 422 and bad.json()["field"] == "ein"
    admin.put("/api/tax/v1/employer-settings", json={})  # back to defaults for the other tests


SHARED_WRITES = [
    ("/api/tax/v1/payroll/rules", {"jurisdiction": "US", "tax": "fica", "key": "ss_wage_base",
                                   "effective_from": "2031-01-01", "effective_to": None, "value": "250000",
                                   "source": "e2e: a tenant admin tries"}),
    ("/api/tax/v1/sales-tax/rates", {"jurisdiction_id": "us-pa", "rate": "0.099", "effective_from": "2031-01-01",
                                     "source": "e2e: a tenant admin tries"}),
]


@pytest.mark.parametrize(("path", "row"), SHARED_WRITES, ids=["payroll-rules", "sales-tax-rates"])
def test_a_tenant_admin_cannot_change_shared_tables(admin, path, row):
    """Shared tables are platform data (platform:rules:update): no tenant role holds that."""
    before = admin.get(path).json()
    response = admin.post(path, json=row)
    assert response.status_code == 403, response.text
    assert admin.get(path).json() == before  # same revision, same rows


def test_the_operator_role_is_not_grantable_through_the_api(gateway, admin, operator, operator_account):
    """Neither a tenant admin nor the operator itself hands out platform_operator through the API:
    only the operator's command does (auth.entrypoints.platform_operator)."""
    new_user = {"email": f"op-{uuid.uuid4().hex[:6]}@example.com", "password": strong_password(),
                "roles": ["admin", "platform_operator"]}
    assert admin.post("/api/auth/v1/users", json=new_user).status_code == 403
    assert operator.post("/api/auth/v1/users", json=new_user).status_code == 403
    own = admin.get("/api/auth/v1/me").json()
    assert admin.patch(f"/api/auth/v1/users/{own['user_id']}", json={"roles": ["admin", "platform_operator"]}
                       ).status_code == 403
    assert admin.post("/api/auth/v1/roles", json={"name": "platform_operator", "permissions": ["orders:read"]}
                      ).status_code == 422
    assert admin.post("/api/auth/v1/roles", json={"name": "rules-editor", "permissions": ["platform:rules:update"]}
                      ).status_code == 422


def test_the_operator_command_grants_the_role_in_an_operator_tenant_only(platform, gateway, operator,
                                                                          operator_account, second_tenant):
    email = f"second-op-{uuid.uuid4().hex[:6]}@example.com"
    password = strong_password()
    made = operator.post("/api/auth/v1/users", json={"email": email, "password": password, "roles": ["manager"]})
    assert made.status_code == 201, made.text
    run_auth_command(platform, "platform_operator", "grant", "--tenant", operator_account["tenant_slug"],
                     "--email", email)
    signed = login(gateway, operator_account["tenant_slug"], email, password).json()
    assert "platform:rules:update" in _claims(signed["access_token"])["permissions"]
    refused = run_auth_command(platform, "platform_operator", "grant", "--tenant", second_tenant.slug,
                               "--email", second_tenant.email, check=False)
    assert refused.returncode == 2 and "tenant" in refused.stderr
