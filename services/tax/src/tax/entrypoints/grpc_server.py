"""TaxService over gRPC for peers: sales tax for orders; withholding and the tax ledger for payroll."""
from __future__ import annotations

import asyncio
import uuid

from auraconnect.tax.v1 import payroll_tax_pb2 as payroll_pb
from auraconnect.tax.v1 import sales_tax_pb2 as sales_pb
from auraconnect.tax.v1 import tax_ledger_pb2 as ledger_pb
from auraconnect.tax.v1 import tax_service_pb2 as pb
from auraconnect.tax.v1 import tax_service_pb2_grpc as pb_grpc
from chassis.db import session_scope
from chassis.errors import InvalidInput, PermissionDenied
from chassis.grpc_server import authorized, handle_errors, identity_of
from chassis.runtime import run_grpc, start

from tax import bootstrap
from tax.adapters.paycheck_codec import paycheck_to_dict
from tax.adapters.withholding_codec import ProtoRequests, add_results, result_to_proto
from tax.config import SERVICE, settings
from tax.domain.payroll.engine import _gc_paused as pause_gc  # the engine's own, shared depth count
from tax.entrypoints.access import CALCULATE
from tax.service_layer import ledger, withholding
from tax.service_layer.sales import calculate_for_location

MAX_BATCH = 10_000  # ~0.5 s of one core; the 4 MB default message limit allows ~25,000 requests anyway

CATEGORY_NAMES = {
    sales_pb.ITEM_CATEGORY_GENERAL: "general",
    sales_pb.ITEM_CATEGORY_PREPARED_FOOD: "prepared_food",
    sales_pb.ITEM_CATEGORY_ALCOHOL: "alcohol",
    sales_pb.ITEM_CATEGORY_GROCERY: "grocery",
    sales_pb.ITEM_CATEGORY_NON_TAXABLE: "non_taxable",
}


def request_to_dict(request: sales_pb.CalculateSalesTaxRequest) -> dict:
    lines = []
    for index, line in enumerate(request.lines):
        if line.category not in CATEGORY_NAMES:
            raise InvalidInput("must be set to a known ItemCategory", field=f"lines[{index}].category")
        lines.append({"line_id": line.line_id, "category": CATEGORY_NAMES[line.category],
                      "quantity": line.quantity, "unit_price_cents": line.unit_price_cents,
                      "discount_cents": line.discount_cents})
    body = {"location_id": request.location_id, "as_of": request.as_of, "lines": lines,
            "prices_include_tax": request.prices_include_tax, "tax_exempt": request.tax_exempt}
    if request.exemption_reason:
        body["exemption_reason"] = request.exemption_reason
    return body


def result_to_proto_sales(result: dict) -> sales_pb.CalculateSalesTaxResponse:
    return sales_pb.CalculateSalesTaxResponse(
        subtotal_cents=result["subtotal_cents"], total_tax_cents=result["total_tax_cents"],
        total_cents=result["total_cents"], rules_version=result["rules_version"],
        lines=[sales_pb.SalesTaxLineResult(**line) for line in result["lines"]],
        jurisdictions=[sales_pb.JurisdictionTax(**j) for j in result["jurisdictions"]],
    )


def calculator(context):
    identity = identity_of(context)
    if not any(identity.has(p) for p in CALCULATE):
        raise PermissionDenied(f"missing permission {' or '.join(CALCULATE)}")
    return identity


class TaxService(pb_grpc.TaxServiceServicer):
    def __init__(self, services: bootstrap.Services) -> None:
        self.services = services
        self.sessions = services.sessions

    @handle_errors
    async def CalculateSalesTax(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:create")
        body = request_to_dict(request)

        def calculate():
            with self.sessions() as session:
                return calculate_for_location(session, self.services.sales_rates.get(), identity.tenant_uuid, body)

        return result_to_proto_sales(await asyncio.to_thread(calculate))

    def _withholding(self, tenant_id: uuid.UUID, messages, batch: bool):
        requests = ProtoRequests(messages, self.services.parser)
        with self.sessions() as session:  # opens a connection only if the ledger or settings are needed
            return withholding.calculate(session, self.services.payroll_rules.book(), tenant_id, requests,
                                         batch).results

    @handle_errors
    async def CalculateWithholding(self, request, context):  # noqa: N802
        identity = calculator(context)
        results = await asyncio.to_thread(self._withholding, identity.tenant_uuid, [request.request], False)
        return payroll_pb.CalculateWithholdingResponse(result=result_to_proto(results[0]))

    @handle_errors
    async def CalculateWithholdingBatch(self, request, context):  # noqa: N802
        identity = calculator(context)
        if len(request.requests) > MAX_BATCH:
            # One call holds a worker thread for its whole run: larger pay runs go in several calls.
            raise InvalidInput(f"at most {MAX_BATCH} requests per call; send a larger pay run in chunks",
                               field="requests")

        def run() -> payroll_pb.CalculateWithholdingBatchResponse:
            # A pay run allocates only acyclic objects; pausing the cyclic collector for the whole call
            # (parse, calculate, encode) saves the repeated scans of everything built so far.
            with pause_gc():
                response = payroll_pb.CalculateWithholdingBatchResponse()
                results = self._withholding(identity.tenant_uuid, request.requests, True)
                add_results(response.results, results, request.include_explanation)
                return response

        return await asyncio.to_thread(run)

    @handle_errors
    async def RecordPaycheck(self, request, context):  # noqa: N802
        identity = authorized(context, "payroll:create")
        body = paycheck_to_dict(request.paycheck)
        body.setdefault("tenant_id", identity.tenant_id)
        record = ledger.parse_paycheck(body)
        ledger.same_tenant(record, identity)

        def record_it() -> bool:
            with session_scope(self.sessions) as session:
                return ledger.record_paycheck(session, record, "rpc")

        recorded = await asyncio.to_thread(record_it)
        return ledger_pb.RecordPaycheckResponse(paycheck_id=record.paycheck_id, recorded=recorded)


def register(services: bootstrap.Services):
    def add(server) -> list[str]:
        pb_grpc.add_TaxServiceServicer_to_server(TaxService(services), server)
        return [pb.DESCRIPTOR.services_by_name["TaxService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(bootstrap.build(config)))
