"""Tax ledger, YTD, employer settings and withholding use cases against the real PostgreSQL and Redis."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from auraconnect.payroll.v1 import events_pb2
from auraconnect.tax.v1 import payroll_tax_pb2 as pb
from chassis.consumer import PermanentEventError
from chassis.errors import Conflict, InvalidInput, NotFound
from chassis.events import EventEnvelope
from google.protobuf.json_format import ParseDict
from tax.adapters.payroll_rules import PayrollRules
from tax.adapters.revisions import rule_revision
from tax.adapters.withholding_codec import FastParser, ProtoRequests, result_to_proto
from tax.entrypoints.consumer import record_finalized_paycheck
from tax.service_layer import employer_settings, ledger, withholding
from tax_testkit import engine_result, paycheck, request


@pytest.fixture
def rules(uow, redis):
    return PayrollRules(uow, redis, rule_revision(uow, redis, "payroll", 0.0))


def record(uow, body, source="api"):
    return ledger.record_paycheck(uow, ledger.parse_paycheck(body), source)


def calc(uow, rules, tenant, body, batch=False):
    return withholding.calculate(uow, rules, tenant, withholding.JsonRequests([body]), batch)


def test_a_paycheck_is_recorded_once_and_never_changed(uow, tenant):
    employee = uuid.uuid4()
    body = request()
    pc = paycheck(tenant, employee, body, engine_result(body), paycheck_id="run-1/emp-1")
    assert record(uow, pc) is True
    assert record(uow, pc | {"finalized_at": "2026-03-06T12:00:00Z"}) is False  # a retry
    changed = pc | {"taxes": {**pc["taxes"], "employee": {**pc["taxes"]["employee"], "federal_income_tax": "1.00"}}}
    with pytest.raises(Conflict) as error:
        record(uow, changed)
    assert error.value.field == "paycheck_id"
    report = ledger.ytd_report(uow, tenant, employee, 2026)
    with pytest.raises(NotFound):  # never paid here, or another tenant's employee: nothing to say
        ledger.ytd_report(uow, uuid.uuid4(), employee, 2026)
    assert report["paychecks"] == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"paycheck_id": ""}, "paycheck_id"),
    ({"employee_id": "emp-7"}, "employee_id"),
    ({"pay_date": "2026-02-30"}, "pay_date"),
    ({"tax_year": 2025}, "tax_year"),
    ({"worker_type": "volunteer"}, "worker_type"),
    ({"ssn_last4": "123-45-6789"}, "ssn_last4"),
])
def test_invalid_paychecks_name_the_field(uow, tenant, change, field):
    body = request()
    with pytest.raises(InvalidInput) as error:
        record(uow, paycheck(tenant, uuid.uuid4(), body, engine_result(body)) | change)
    assert error.value.field == field


def test_missing_taxes_name_the_amount(uow, tenant):
    body = request()
    pc = paycheck(tenant, uuid.uuid4(), body, engine_result(body))
    del pc["taxes"]["employee"]["medicare"]
    with pytest.raises(InvalidInput) as error:
        record(uow, pc)
    assert error.value.field == "taxes.employee.medicare"


def test_ledger_ytd_feeds_the_next_calculation_across_the_ss_wage_base(uow, rules, tenant):
    """Monthly $40,000 (single, TX): 4 paychecks reach $160,000; the 5th crosses the $184,500 base."""
    employee = uuid.uuid4()
    for month in (1, 2, 3, 4):
        body = request(pay_date=f"2026-0{month}-27", pay_frequency="monthly", wages="40000.00",
                       ytd={"wages": f"{40000 * (month - 1)}.00"})
        record(uow, paycheck(tenant, employee, body, engine_result(body)))
    report = ledger.ytd_report(uow, tenant, employee, 2026)
    assert report["ytd"]["wages"] == report["ytd"]["ss_wages"] == "160000.00"
    assert report["ytd"]["ss_tax"] == "9920.00"  # 4 x 2,480.00
    assert report["paychecks"] == 4

    body = request(pay_date="2026-05-29", pay_frequency="monthly", wages="40000.00", employee_id=str(employee))
    calculated = calc(uow, rules, tenant, body)
    assert calculated.ytd_from_ledger == [True]
    result = calculated.results[0].to_dict()
    # Only 184,500 - 160,000 = 24,500 of this paycheck is under the base: 6.2% = 1,519.00.
    assert result["taxable_wages"]["social_security"] == "24500.00"
    assert result["employee"]["social_security"] == "1519.00"
    # Same as sending the ledger's figures yourself.
    explicit = engine_result(request(pay_date="2026-05-29", pay_frequency="monthly", wages="40000.00",
                                     ytd=report["ytd"]))
    assert result == explicit

    # A paycheck dated before the last recorded one sees only the paychecks paid up to its date.
    early = calc(uow, rules, tenant, request(pay_date="2026-02-28", pay_frequency="monthly", wages="40000.00",
                                                 employee_id=str(employee))).results[0]
    assert early.lines_for("social_security")[2].amount == Decimal("80000.00")  # ytd.ss_wages


def test_state_unemployment_bases_are_per_state(uow, tenant):
    employee = uuid.uuid4()
    suta = {"suta_rate": "0.034", "suta_wage_base": "7000.00"}
    ca = request(work_state="CA", state={"filing_status": "single", "regular_allowances": 1}, wages="5000.00",
                 ytd={"wages": "0.00"}, employer=suta)
    record(uow, paycheck(tenant, employee, ca, engine_result(ca)))
    pa = request(work_state="PA", pay_date="2026-04-03", wages="5000.00", ytd={"wages": "5000.00", "suta_wages": "0.00"},
                 employer={"suta_rate": "0.0307", "suta_wage_base": "10000.00"})
    record(uow, paycheck(tenant, employee, pa, engine_result(pa)))
    both = ledger.ytd_report(uow, tenant, employee, 2026)
    in_pa = ledger.ytd_report(uow, tenant, employee, 2026, work_state="PA")
    assert both["ytd"]["wages"] == in_pa["ytd"]["wages"] == "10000.00"
    assert both["ytd"]["suta_wages"] == "10000.00"
    assert in_pa["ytd"]["suta_wages"] == "5000.00"
    assert [s["state"] for s in both["by_state"]] == ["CA", "PA"]


def test_no_ytd_and_no_employee_id_is_refused_naming_ytd(uow, rules, tenant):
    with pytest.raises(InvalidInput) as error:
        calc(uow, rules, tenant, request())
    assert error.value.field == "ytd" and "employee_id" in error.value.message
    with pytest.raises(InvalidInput) as error:
        calc(uow, rules, tenant, request(employee_id="emp-7"))
    assert error.value.field == "employee_id"


def test_a_new_employee_starts_from_zero(uow, rules, tenant):
    result = calc(uow, rules, tenant, request(employee_id=str(uuid.uuid4()))).results[0]
    assert result.to_dict() == engine_result(request(ytd={"wages": "0.00", "supplemental_wages": "0.00",
                                                          "ss_tax": "0.00"}))


def test_employer_settings_apply_when_the_request_has_no_employer(uow, rules, tenant):
    saved = employer_settings.put_settings(uow, tenant, {
        "round_federal_to_whole_dollars": True, "legal_name": "Aura Diner LLC", "ein": "12-3456789",
        "suta": [{"state": "TX", "effective_from": "2026-01-01", "rate": "0.027", "wage_base": "9000.00"},
                 {"state": "TX", "effective_from": "2025-01-01", "rate": "0.031", "wage_base": "9000.00"}]})
    assert [s["rate"] for s in saved["suta"]] == ["0.031", "0.027"]
    body = request(ytd={"wages": "0.00"})
    result = calc(uow, rules, tenant, body).results[0].to_dict()
    assert result["employer"]["suta"] == "54.00"  # 2,000.00 x 2.7 %
    assert result["employee"]["federal_income_tax"].endswith(".00")  # whole dollars
    assert result == engine_result(body | {"employer": {"suta_rate": "0.027", "suta_wage_base": "9000.00",
                                                        "round_federal_to_whole_dollars": True}})
    last_year = calc(uow, rules, tenant, body | {"pay_date": "2025-03-07"}).results[0]
    assert last_year.employer.suta == Decimal("62.00")  # the 2025 rate
    own = calc(uow, rules, tenant, body | {"employer": {"suta_rate": "0.01", "suta_wage_base": "9000.00"}})
    assert own.results[0].employer.suta == Decimal("20.00")  # the request's own object wins


@pytest.mark.parametrize(("body", "field"), [
    ({"ein": "123456789"}, "ein"),
    ({"suta": [{"state": "Texas", "effective_from": "2026-01-01", "rate": "0.027", "wage_base": "9000.00"}]},
     "suta[0].state"),
    ({"suta": [{"state": "TX", "effective_from": "2026-01-01", "rate": "2.7", "wage_base": "9000.00"}]},
     "suta[0].rate"),
    ({"round_federal_to_whole_dollars": "yes"}, "round_federal_to_whole_dollars"),
])
def test_employer_settings_errors_name_the_field(uow, tenant, body, field):
    with pytest.raises(InvalidInput) as error:
        employer_settings.put_settings(uow, tenant, body)
    assert error.value.field == field


def test_batch_of_protos_equals_one_by_one_and_rest(uow, rules, tenant):
    employee = uuid.uuid4()
    first = request(ytd={"wages": "0.00"})
    record(uow, paycheck(tenant, employee, first, engine_result(first)))
    bodies = [
        request(ytd={"wages": "12000.00"}),
        request(work_state="CA", state={"filing_status": "married", "regular_allowances": 2}, tips="310.55",
                pretax_deductions=[{"type": "401k", "amount": "120.00"}], ytd={"wages": "50000.00"}),
        request(work_state="PA", locality={"code": "PHILADELPHIA", "resident": False}, ytd={"wages": "199000.00"}),
        request(pay_date="2026-03-20", employee_id=str(employee)),  # YTD from the ledger
        request(payment_type="supplemental", supplemental_kind="bonus", wages="5000.00",
                ytd={"wages": "90000.00", "supplemental_wages": "0.00"}),
    ]
    messages = [ParseDict(b, pb.WithholdingRequest()) for b in bodies]
    parser = FastParser()
    for _ in range(2):  # cold (canonical path) then warm (fast path): same answers
        batch = withholding.calculate(uow, rules, tenant, ProtoRequests(messages, parser), True)
        for body, result in zip(bodies, batch.results):
            one = calc(uow, rules, tenant, body).results[0]
            assert result == one
            assert result_to_proto(result) == result_to_proto(one)


def test_batch_errors_name_the_request(uow, rules, tenant):
    messages = [ParseDict(request(ytd={"wages": "0.00"}), pb.WithholdingRequest()),
                ParseDict(request(ytd={"wages": "0.00"}, work_state="ZZ"), pb.WithholdingRequest())]
    with pytest.raises(InvalidInput) as error:
        withholding.calculate(uow, rules, tenant, ProtoRequests(messages, FastParser()), True)
    assert error.value.field == "requests[1].work_state"


def test_pay_dates_without_rules_are_a_client_error(uow, rules, tenant):
    with pytest.raises(InvalidInput) as error:
        calc(uow, rules, tenant, request(pay_date="2031-01-10", ytd={"wages": "0.00"}))
    assert error.value.field == "pay_date"


def test_w2_and_1099_nec_from_the_ledger(uow, tenant):
    employee, contractor = uuid.uuid4(), uuid.uuid4()
    body = request(work_state="PA", locality={"code": "PHILADELPHIA", "resident": True}, tips="150.00",
                   pretax_deductions=[{"type": "401k", "amount": "100.00"}], ytd={"wages": "0.00"})
    result = engine_result(body)
    record(uow, paycheck(tenant, employee, body, result))
    record(uow, {"tenant_id": str(tenant), "employee_id": str(contractor), "paycheck_id": "inv-1",
                      "pay_date": "2026-05-01", "worker_type": "contractor", "employee_display_name": "DJ Sam",
                      "ssn_last4": "4321", "contractor_payment": {"nonemployee_compensation": "1200.00",
                                                                  "federal_income_tax_withheld": "288.00"}})
    w2 = ledger.w2(uow, tenant, employee, 2026)
    nec = ledger.form_1099_nec(uow, tenant, contractor, 2026)
    with pytest.raises(NotFound, match="no wages"):
        ledger.w2(uow, tenant, contractor, 2026)
    boxes = w2["boxes"]
    assert boxes["1"] == result["taxable_wages"]["federal_income_tax"] == "2050.00"  # 2,000 + 150 - 100 401(k)
    assert boxes["3"] == "2000.00" and boxes["7"] == "150.00"
    assert boxes["5"] == "2150.00"
    assert boxes["12"] == [{"code": "D", "amount": "100.00"}] and boxes["13"]["retirement_plan"] is True
    assert boxes["15_17"][0]["state"] == "PA"
    assert boxes["18_20"][0]["locality_name"] == "PHILADELPHIA"
    assert w2["employee"] == {"name": "Rosa Diaz", "ssn": "XXX-XX-6789", "address": ""}
    assert nec["boxes"]["1"] == "1200.00" and nec["boxes"]["4"] == "288.00"
    assert nec["recipient"]["tin"] == "XXX-XX-4321"


def test_the_consumer_records_paycheck_events_and_parks_bad_ones(uow, tenant):
    body = request(ytd={"wages": "0.00"})
    event = ParseDict(paycheck(tenant, uuid.uuid4(), body, engine_result(body), paycheck_id="evt-1")
                      | {"worker_type": "WORKER_TYPE_EMPLOYEE"}, events_pb2.PaycheckFinalized())
    envelope = EventEnvelope(event_id=str(uuid.uuid4()), event_type="auraconnect.payroll.v1.PaycheckFinalized",
                             source="/auraconnect/payroll", time=datetime.now(UTC))
    def consume(message) -> None:
        """As the chassis consumer runs a handler: in its unit of work, which it commits."""
        with uow() as work:
            record_finalized_paycheck(work, message, envelope)
            work.commit()

    consume(event)
    consume(event)  # the same paycheck in another event: nothing changes
    assert ledger.ytd_report(uow, tenant, uuid.UUID(event.employee_id), 2026)["paychecks"] == 1
    event.taxes.employee.medicare = "0.01"
    with pytest.raises(PermanentEventError):
        consume(event)
    with pytest.raises(PermanentEventError):
        consume(events_pb2.PaycheckFinalized(tenant_id=str(tenant)))


def test_the_consumer_records_uncollected_tip_taxes_for_w2_box_12(uow, tenant):
    """PaycheckFinalized with taxes.uncollected (payroll could not withhold the FICA on large tips):
    the consumer keeps it, and the W-2 shows box 12 A and B; the YTD report totals it."""
    employee = uuid.uuid4()
    body = request(ytd={"wages": "0.00"}, wages="113.20", tips="3000.00")
    result = engine_result(body)
    event = ParseDict(paycheck(tenant, employee, body, result, paycheck_id="tips-1")
                      | {"worker_type": "WORKER_TYPE_EMPLOYEE"}, events_pb2.PaycheckFinalized())
    event.taxes.uncollected.social_security = "80.82"
    event.taxes.uncollected.medicare = "45.15"
    envelope = EventEnvelope(event_id=str(uuid.uuid4()), event_type="auraconnect.payroll.v1.PaycheckFinalized",
                             source="/auraconnect/payroll", time=datetime.now(UTC))
    for _ in range(2):  # redelivered: recorded once
        with uow() as work:
            record_finalized_paycheck(work, event, envelope)
            work.commit()
    w2 = ledger.w2(uow, tenant, employee, 2026)
    assert w2["boxes"]["12"][:2] == [{"code": "A", "amount": "80.82"}, {"code": "B", "amount": "45.15"}]
    report = ledger.ytd_report(uow, tenant, employee, 2026)
    assert report["paychecks"] == 1
    assert report["totals"]["uncollected"] == {"social_security": "80.82", "medicare": "45.15"}
