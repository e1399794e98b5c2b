"""TaxService over gRPC for peers: sales tax for orders; withholding and the tax ledger for payroll."""
from __future__ import annotations

import asyncio
import uuid

from auraconnect.tax.v1 import payroll_tax_pb2 as payroll_pb
from auraconnect.tax.v1 import sales_tax_pb2 as sales_pb
from auraconnect.tax.v1 import tax_ledger_pb2 as ledger_pb
from auraconnect.tax.v1 import tax_service_pb2 as pb
from auraconnect.tax.v1 import tax_service_pb2_grpc as pb_grpc
from chassis.config import load_settings
from chassis.errors import InvalidInput
from chassis.grpc_server import authorized, authorized_any, handle_errors
from chassis.runtime import run_grpc, start

from tax.adapters.paycheck_codec import paycheck_to_dict
from tax.adapters.withholding_codec import ProtoRequests, add_results, result_to_proto
from tax.bootstrap import TaxContainer, bootstrap
from tax.config import SERVICE, Settings
from tax.domain.payroll.engine import _gc_paused as pause_gc  # the engine's own, shared depth count
from tax.entrypoints.access import CALCULATE
from tax.service_layer import ledger, withholding
from tax.service_layer.sales import calculate_for_location

# REDIS_URL is required (the rule caches use it); the gRPC health service reports SERVING without
# checking Redis, which the caches fall back from (see http_api.REQUIRED).
REQUIRED = ("redis_url",)
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


class TaxService(pb_grpc.TaxServiceServicer):
    def __init__(self, container: TaxContainer) -> None:
        self.container = container

    @handle_errors
    async def CalculateSalesTax(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:create")
        body = request_to_dict(request)
        c = self.container
        result = await asyncio.to_thread(calculate_for_location, c.uow, c.sales_rates, identity.tenant_uuid, body)
        return result_to_proto_sales(result)

    def _withholding(self, tenant_id: uuid.UUID, messages, batch: bool):
        # A unit of work is opened only if some request needs the ledger or the employer settings.
        c = self.container
        return withholding.calculate(c.uow, c.payroll_rules, tenant_id, ProtoRequests(messages, c.parser),
                                     batch).results

    @handle_errors
    async def CalculateWithholding(self, request, context):  # noqa: N802
        identity = authorized_any(context, *CALCULATE)
        results = await asyncio.to_thread(self._withholding, identity.tenant_uuid, [request.request], False)
        return payroll_pb.CalculateWithholdingResponse(result=result_to_proto(results[0]))

    @handle_errors
    async def CalculateWithholdingBatch(self, request, context):  # noqa: N802
        identity = authorized_any(context, *CALCULATE)
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

        recorded = await asyncio.to_thread(ledger.record_paycheck, self.container.uow, record, "rpc")
        return ledger_pb.RecordPaycheckResponse(paycheck_id=record.paycheck_id, recorded=recorded)


def register(container: TaxContainer):
    def add(server) -> list[str]:
        pb_grpc.add_TaxServiceServicer_to_server(TaxService(container), server)
        return [pb.DESCRIPTOR.services_by_name["TaxService"].full_name]

    return add


if __name__ == "__main__":
    config = load_settings(Settings, require=REQUIRED)
    start(SERVICE, "grpc", config)
    run_grpc(SERVICE, config, register(bootstrap(config)))
