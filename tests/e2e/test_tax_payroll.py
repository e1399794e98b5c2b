"""Payroll tax through the gateway, as payroll and an integrator see it: REST withholding, the tax ledger
fed by PaycheckFinalized events on Kafka, YTD, W-2 (JSON and PDF), and the gRPC pay-run batch."""
from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, datetime

import grpc
import pytest
from auraconnect.payroll.v1 import events_pb2 as payroll_events
from auraconnect.tax.v1 import payroll_tax_pb2, tax_service_pb2_grpc
from google.protobuf.json_format import MessageToDict, ParseDict
from kafka import KafkaProducer

from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e

CALCULATE = "/api/tax/v1/payroll/withholding:calculate"

# A Philadelphia server paid biweekly: wages plus reported tips, a 401(k) deferral, a 2020 W-4 with a
# child, resident city wage tax, and year-to-date figures from earlier paychecks.
EXAMPLE = {
    "pay_date": "2026-03-06",
    "pay_frequency": "biweekly",
    "payment_type": "regular",
    "wages": "1240.00",
    "tips": "612.40",
    "pretax_deductions": [{"type": "401k", "amount": "74.40"}],
    "ytd": {"wages": "7408.00", "supplemental_wages": "0.00"},
    "work_state": "PA",
    "locality": {"code": "PHILADELPHIA", "resident": True},
    "federal": {"form_version": "2020", "filing_status": "single", "dependents_amount": "2200.00"},
    "state": None,
    "employer": {"suta_rate": "0.0307", "suta_wage_base": "10000.00"},
}


def calculate(admin, body: dict):
    return admin.post(CALCULATE, json=body)


def test_rest_calculation_of_the_example(admin):
    response = calculate(admin, EXAMPLE)
    assert response.status_code == 200, response.text
    result = response.json()
    assert set(result) == {"employee", "employer", "taxable_wages", "explanation", "rules_version"}
    assert result["rules_version"].startswith("payroll-")
    # Gross 1,852.40 (wages + tips); the 401(k) is excluded from income tax only.
    assert result["taxable_wages"]["federal_income_tax"] == "1778.00"
    assert result["taxable_wages"]["social_security"] == result["taxable_wages"]["medicare"] == "1852.40"
    assert result["employee"]["social_security"] == "114.85"  # 1,852.40 x 6.2 % = 114.8488
    assert result["employee"]["medicare"] == "26.86"  # x 1.45 % = 26.8598
    assert result["employee"]["state_income_tax"] == "56.87"  # PA 3.07 % of 1,852.40 = 56.8687
    assert result["employer"]["suta"] == "56.87"  # 3.07 % of 1,852.40 (under the 10,000 base)
    lines = [line["line"] for line in result["explanation"] if line["tax"] == "federal_income_tax"]
    assert lines[:3] == ["1a", "1b", "1c"] and lines[-1] == "4b"
    assert response.headers["x-tax-ytd-source"] == "request"


def test_reference_paycheck_weekly_1000_single(admin):
    body = EXAMPLE | {"pay_frequency": "weekly", "wages": "1000.00", "tips": "0.00", "pretax_deductions": [],
                      "work_state": "TX", "locality": None, "federal": {"form_version": "2020",
                                                                         "filing_status": "single"}}
    assert calculate(admin, body).json()["employee"]["federal_income_tax"] == "78.08"  # Pub 15-T 2026 check


@pytest.mark.parametrize(("change", "field"), [
    ({"work_state": "ZZ"}, "work_state"),
    ({"federal": {"form_version": "2020"}}, "federal.filing_status"),
    ({"wages": 1240.0}, "wages"),
    ({"pay_date": "2031-01-10"}, "pay_date"),  # no rules in force that year
    ({"ytd": None}, "ytd"),
    ({"ytd": None, "employee_id": "not-a-uuid"}, "employee_id"),
])
def test_invalid_requests_are_422_naming_the_field(admin, change, field):
    response = calculate(admin, EXAMPLE | change)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_a_non_object_body_is_422(admin):
    assert calculate(admin, [EXAMPLE]).status_code == 422


# ------------------------------------------------------------------ ledger from events


def publish_paycheck(bootstrap: str, paycheck: payroll_events.PaycheckFinalized) -> str:
    """What payroll's relay does: protobuf payload, CloudEvents binary-mode headers, key = employee_id."""
    event_id = str(uuid.uuid4())
    headers = [("ce_specversion", b"1.0"), ("ce_id", event_id.encode()),
               ("ce_type", paycheck.DESCRIPTOR.full_name.encode()), ("ce_source", b"/auraconnect/payroll"),
               ("ce_time", datetime.now(UTC).isoformat().replace("+00:00", "Z").encode()),
               ("ce_subject", paycheck.paycheck_id.encode()), ("content-type", b"application/protobuf")]
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send("payroll.paycheck.v1", key=paycheck.employee_id.encode(), value=paycheck.SerializeToString(),
                      headers=headers).get(timeout=20)
    finally:
        producer.close()
    return event_id


def finalized(demo: dict, employee_id: str, paycheck_id: str, body: dict, result: dict):
    return ParseDict({
        "tenant_id": demo["tenant_id"], "employee_id": employee_id, "paycheck_id": paycheck_id,
        "pay_date": body["pay_date"], "tax_year": int(body["pay_date"][:4]), "worker_type": "WORKER_TYPE_EMPLOYEE",
        "employee_display_name": "Jordan Lee", "ssn_last4": "2468", "rules_version": result["rules_version"],
        "earnings": {"pay_frequency": body["pay_frequency"], "payment_type": body["payment_type"],
                     "wages": body["wages"], "tips": body["tips"], "pretax_deductions": body["pretax_deductions"],
                     "work_state": body["work_state"], "locality_code": "", "locality_resident": False},
        "taxes": {"employee": result["employee"], "employer": result["employer"],
                  "taxable_wages": result["taxable_wages"]},
        "finalized_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }, payroll_events.PaycheckFinalized())


MANAGER_PAY = {"pay_frequency": "monthly", "payment_type": "regular", "wages": "90000.00", "tips": "0.00",
               "pretax_deductions": [{"type": "401k", "amount": "2000.00"}], "work_state": "TX",
               "federal": {"form_version": "2020", "filing_status": "married_filing_jointly"}}


def ytd_of(admin, employee_id: str) -> dict:
    response = admin.get(f"/api/tax/v1/employees/{employee_id}/ytd", params={"tax_year": 2026})
    assert response.status_code == 200, response.text
    return response.json()


def paychecks_of(admin, employee_id: str) -> int:
    """How many paychecks the ledger holds (0 while the tax service has never heard of the employee)."""
    response = admin.get(f"/api/tax/v1/employees/{employee_id}/ytd", params={"tax_year": 2026})
    assert response.status_code in (200, 404), response.text
    return response.json()["paychecks"] if response.status_code == 200 else 0


@pytest.fixture(scope="module")
def ledgered_employee(platform, admin) -> dict:
    """Two $90,000 monthly paychecks, each calculated by the tax service and then finalized by payroll
    as a PaycheckFinalized event; the second calculation already takes its YTD from the ledger."""
    employee_id = str(uuid.uuid4())
    bootstrap = platform.layout.kafka_bootstrap
    first = MANAGER_PAY | {"pay_date": "2026-01-30", "ytd": {"wages": "0.00"}}
    result1 = calculate(admin, first).json()
    assert paychecks_of(admin, employee_id) == 0  # before the event: the consumer may be quicker than us after it
    publish_paycheck(bootstrap, finalized(platform.demo, employee_id, "jan-run/1", first, result1))
    eventually(lambda: paychecks_of(admin, employee_id) == 1, timeout=30)

    second = MANAGER_PAY | {"pay_date": "2026-02-27", "employee_id": employee_id}
    response = calculate(admin, second)
    assert response.status_code == 200, response.text
    assert response.headers["x-tax-ytd-source"] == "ledger"
    result2 = response.json()
    publish_paycheck(bootstrap, finalized(platform.demo, employee_id, "feb-run/1", second, result2))
    eventually(lambda: paychecks_of(admin, employee_id) == 2, timeout=30)
    return {"employee_id": employee_id, "results": [result1, result2], "first": first}


def test_ledger_serves_ytd_from_the_events(ledgered_employee, admin):
    report = ytd_of(admin, ledgered_employee["employee_id"])
    assert report["ytd"]["wages"] == "180000.00"
    assert report["ytd"]["ss_wages"] == "180000.00"  # the 401(k) does not reduce FICA wages
    assert report["ytd"]["ss_tax"] == "11160.00"  # 2 x 5,580.00
    assert report["totals"]["pretax_deductions"]["401k"] == "4000.00"
    assert report["totals"]["taxable_wages"]["federal_income_tax"] == "176000.00"
    r1, r2 = ledgered_employee["results"]
    assert report["totals"]["employee"]["federal_income_tax"] == str(
        sum(__import__("decimal").Decimal(r["employee"]["federal_income_tax"]) for r in (r1, r2)))


def test_next_calculation_uses_the_ledger_and_crosses_the_ss_wage_base(ledgered_employee, admin):
    body = MANAGER_PAY | {"pay_date": "2026-03-27", "employee_id": ledgered_employee["employee_id"]}
    response = calculate(admin, body)
    assert response.status_code == 200, response.text
    result = response.json()
    # 184,500 - 180,000 = 4,500 left under the 2026 base: 6.2 % = 279.00 (not 5,580.00).
    assert result["taxable_wages"]["social_security"] == "4500.00"
    assert result["employee"]["social_security"] == "279.00"
    assert result["employer"]["social_security"] == "279.00"
    ytd_line = next(line for line in result["explanation"] if line["tax"] == "social_security"
                    and line["amount"] == "180000.00")
    assert ytd_line


def test_a_redelivered_paycheck_is_recorded_once(ledgered_employee, platform, admin):
    first = ledgered_employee["first"]
    publish_paycheck(platform.layout.kafka_bootstrap, finalized(
        platform.demo, ledgered_employee["employee_id"], "jan-run/1", first, ledgered_employee["results"][0]))
    marker = str(uuid.uuid4())  # a later event on the same partition shows the redelivery was consumed
    publish_paycheck(platform.layout.kafka_bootstrap, finalized(platform.demo, marker, "marker/1", first,
                                                                ledgered_employee["results"][0]))
    eventually(lambda: paychecks_of(admin, marker) == 1, timeout=30)
    assert ytd_of(admin, ledgered_employee["employee_id"])["paychecks"] == 2


def test_w2_json_boxes(ledgered_employee, admin):
    response = admin.get(f"/api/tax/v1/employees/{ledgered_employee['employee_id']}/w2", params={"tax_year": 2026})
    assert response.status_code == 200, response.text
    w2 = response.json()
    b = w2["boxes"]
    r1, r2 = ledgered_employee["results"]
    fit = __import__("decimal").Decimal(r1["employee"]["federal_income_tax"]) + \
        __import__("decimal").Decimal(r2["employee"]["federal_income_tax"])
    assert (b["1"], b["2"]) == ("176000.00", str(fit))
    assert (b["3"], b["4"], b["5"], b["6"], b["7"]) == ("180000.00", "11160.00", "180000.00", "2610.00", "0.00")
    assert b["12"] == [{"code": "D", "amount": "4000.00"}]
    assert b["13"]["retirement_plan"] is True
    assert b["15_17"] == [] and b["18_20"] == []  # Texas: no state or local income tax
    assert w2["employee"]["ssn"] == "XXX-XX-2468" and w2["employee"]["name"] == "Jordan Lee"
    missing = admin.get(f"/api/tax/v1/employees/{uuid.uuid4()}/w2", params={"tax_year": 2026})
    assert missing.status_code == 404


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (make bootstrap)")
def test_w2_pdf_reads_back(ledgered_employee, admin, tmp_path):
    response = admin.get(f"/api/tax/v1/employees/{ledgered_employee['employee_id']}/w2.pdf",
                         params={"tax_year": 2026})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    (tmp_path / "w2.pdf").write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "w2.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    w2 = admin.get(f"/api/tax/v1/employees/{ledgered_employee['employee_id']}/w2", params={"tax_year": 2026}).json()
    for value in (w2["boxes"]["1"], w2["boxes"]["2"], "180000.00", "11160.00", "2610.00", "D 4000.00",
                  "XXX-XX-2468", "Jordan Lee", "Wage and Tax Statement", "2026"):
        assert value in text, value


# ------------------------------------------------------------------ gRPC through the gateway


PAY_RUN = [
    EXAMPLE,
    EXAMPLE | {"work_state": "CA", "locality": None, "state": {"filing_status": "married", "regular_allowances": 2},
               "employer": None},
    EXAMPLE | {"work_state": "TX", "locality": None, "wages": "3900.00", "tips": "0.00", "pretax_deductions": [],
               "pay_frequency": "semimonthly", "ytd": {"wages": "196100.00"}},
    EXAMPLE | {"payment_type": "supplemental", "supplemental_kind": "bonus", "wages": "2500.00", "tips": "0.00"},
]


def as_message(body: dict) -> payroll_tax_pb2.WithholdingRequest:
    return ParseDict({k: v for k, v in body.items() if v is not None}, payroll_tax_pb2.WithholdingRequest())


def as_json(result: payroll_tax_pb2.WithholdingResult) -> dict:
    return MessageToDict(result, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def test_grpc_batch_equals_one_by_one_and_rest(platform, admin, admin_token):
    metadata = [("authorization", f"Bearer {admin_token}")]
    with grpc.insecure_channel(f"127.0.0.1:{platform.layout.envoy_port}") as channel:
        stub = tax_service_pb2_grpc.TaxServiceStub(channel)
        batch = stub.CalculateWithholdingBatch(payroll_tax_pb2.CalculateWithholdingBatchRequest(
            requests=[as_message(b) for b in PAY_RUN], include_explanation=True), metadata=metadata, timeout=20)
        singles = [stub.CalculateWithholding(payroll_tax_pb2.CalculateWithholdingRequest(request=as_message(b)),
                                             metadata=metadata, timeout=20).result for b in PAY_RUN]
        lean = stub.CalculateWithholdingBatch(payroll_tax_pb2.CalculateWithholdingBatchRequest(
            requests=[as_message(b) for b in PAY_RUN]), metadata=metadata, timeout=20)
        with pytest.raises(grpc.RpcError) as bad:
            stub.CalculateWithholdingBatch(payroll_tax_pb2.CalculateWithholdingBatchRequest(
                requests=[as_message(PAY_RUN[0]), as_message(PAY_RUN[1] | {"federal": {"form_version": "2020"}})]),
                metadata=metadata, timeout=20)
    assert list(batch.results) == singles
    for body, result in zip(PAY_RUN, batch.results):
        assert as_json(result) == admin.post(CALCULATE, json=body).json()
    for full, amounts_only in zip(batch.results, lean.results):
        assert not amounts_only.explanation
        assert (amounts_only.employee, amounts_only.employer, amounts_only.taxable_wages) == \
            (full.employee, full.employer, full.taxable_wages)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad.value.details().startswith("requests[1].federal.filing_status:")


def test_grpc_record_paycheck_is_idempotent(platform, admin, admin_token):
    metadata = [("authorization", f"Bearer {admin_token}")]
    body = MANAGER_PAY | {"pay_date": "2026-04-30", "ytd": {"wages": "0.00"}}
    result = calculate(admin, body).json()
    employee_id = str(uuid.uuid4())
    paycheck = finalized(platform.demo, employee_id, "apr-run/7", body, result)
    from auraconnect.tax.v1 import tax_ledger_pb2

    with grpc.insecure_channel(f"127.0.0.1:{platform.layout.envoy_port}") as channel:
        stub = tax_service_pb2_grpc.TaxServiceStub(channel)
        first = stub.RecordPaycheck(tax_ledger_pb2.RecordPaycheckRequest(paycheck=paycheck), metadata=metadata)
        again = stub.RecordPaycheck(tax_ledger_pb2.RecordPaycheckRequest(paycheck=paycheck), metadata=metadata)
        paycheck.taxes.employee.federal_income_tax = "0.00"
        with pytest.raises(grpc.RpcError) as changed:
            stub.RecordPaycheck(tax_ledger_pb2.RecordPaycheckRequest(paycheck=paycheck), metadata=metadata)
    assert (first.recorded, again.recorded) == (True, False)
    assert changed.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert ytd_of(admin, employee_id)["paychecks"] == 1


ISSUE_EXAMPLE = {
    "pay_date": "2026-03-06", "pay_frequency": "weekly", "payment_type": "regular",
    "wages": "1000.00", "tips": "0.00",
    "pretax_deductions": [{"type": "401k", "amount": "50.00"}, {"type": "section_125", "amount": "20.00"}],
    "ytd": {"wages": "20000.00"},
    "work_state": "PA", "locality": {"code": "PHILADELPHIA", "resident": False},
    "federal": {"form_version": "2020", "filing_status": "single", "multiple_jobs": False,
                "dependents_amount": "0.00", "other_income": "0.00", "deductions": "0.00",
                "extra_withholding": "0.00"},
    "state": {"filing_status": "single", "regular_allowances": 1, "estimated_deduction_allowances": 0,
              "extra_withholding": "0.00"},
}


def test_the_documented_example_request_is_accepted_with_the_documented_response_shape(admin):
    response = admin.post("/api/tax/v1/payroll/withholding:calculate", json=ISSUE_EXAMPLE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["employee"]) == {"federal_income_tax", "social_security", "medicare", "additional_medicare",
                                     "state_income_tax", "state_disability", "state_unemployment",
                                     "local_income_tax"}
    assert set(body["employer"]) >= {"social_security", "medicare", "futa", "suta"}
    assert set(body["taxable_wages"]) >= {"federal_income_tax", "social_security", "medicare", "state", "local"}
    # PA taxes 401(k) deferrals (only section 125 is excluded); FICA wages exclude section 125 only.
    assert body["taxable_wages"]["state"] == "980.00"
    assert body["taxable_wages"]["social_security"] == "980.00"
    assert body["taxable_wages"]["federal_income_tax"] == "930.00"
    assert body["employee"]["state_income_tax"] == "30.09"  # 3.07 % of 980.00
    assert any(line["tax"] == "federal_income_tax" and line["line"] == "1i" for line in body["explanation"])
    assert body["rules_version"]


def test_uncollected_tip_taxes_reach_w2_box_12_through_the_consumer(platform, admin):
    """A tipped server's week: $113.20 cash wages, $3,000 reported tips. Payroll could not withhold all the
    FICA on the tips and says so on PaycheckFinalized (taxes.uncollected); the tax service's consumer keeps
    it and the W-2 reports it as box 12 codes A and B."""
    employee_id = str(uuid.uuid4())
    body = {"pay_date": "2026-03-13", "pay_frequency": "weekly", "payment_type": "regular", "wages": "113.20",
            "tips": "3000.00", "pretax_deductions": [], "work_state": "TX", "ytd": {"wages": "0.00"},
            "federal": {"form_version": "2020", "filing_status": "single"}}
    response = calculate(admin, body)
    assert response.status_code == 200, response.text
    paycheck = finalized(platform.demo, employee_id, "tips-run/1", body, response.json())
    paycheck.taxes.uncollected.social_security = "80.82"
    paycheck.taxes.uncollected.medicare = "45.15"
    publish_paycheck(platform.layout.kafka_bootstrap, paycheck)
    eventually(lambda: paychecks_of(admin, employee_id) == 1, timeout=30)
    w2 = admin.get(f"/api/tax/v1/employees/{employee_id}/w2", params={"tax_year": 2026})
    assert w2.status_code == 200, w2.text
    assert w2.json()["boxes"]["12"] == [{"code": "A", "amount": "80.82"}, {"code": "B", "amount": "45.15"}]
    assert ytd_of(admin, employee_id)["totals"]["uncollected"] == {"social_security": "80.82", "medicare": "45.15"}
