"""TaxService over gRPC for peers (orders asks for sales tax while placing an order)."""
from __future__ import annotations

import asyncio

from auraconnect.tax.v1 import sales_tax_pb2 as sales_pb
from auraconnect.tax.v1 import tax_service_pb2 as pb
from auraconnect.tax.v1 import tax_service_pb2_grpc as pb_grpc
from chassis.db import make_engine, make_session_factory
from chassis.errors import InvalidInput
from chassis.grpc_server import authorized, handle_errors
from chassis.runtime import run_grpc, start

from tax.adapters.sales_rates import CachedRates
from tax.config import SERVICE, settings
from tax.service_layer.sales import calculate_for_location

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


def result_to_proto(result: dict) -> sales_pb.CalculateSalesTaxResponse:
    return sales_pb.CalculateSalesTaxResponse(
        subtotal_cents=result["subtotal_cents"], total_tax_cents=result["total_tax_cents"],
        total_cents=result["total_cents"], rules_version=result["rules_version"],
        lines=[sales_pb.SalesTaxLineResult(**line) for line in result["lines"]],
        jurisdictions=[sales_pb.JurisdictionTax(**j) for j in result["jurisdictions"]],
    )


class TaxService(pb_grpc.TaxServiceServicer):
    def __init__(self, sessions, rates: CachedRates) -> None:
        self.sessions = sessions
        self.rates = rates

    @handle_errors
    async def CalculateSalesTax(self, request, context):  # noqa: N802 - gRPC naming
        identity = authorized(context, "orders:create")
        body = request_to_dict(request)

        def calculate():
            with self.sessions() as session:
                return calculate_for_location(session, self.rates.get(), identity.tenant_uuid, body)

        return result_to_proto(await asyncio.to_thread(calculate))


def register(sessions, rates):
    def add(server) -> list[str]:
        pb_grpc.add_TaxServiceServicer_to_server(TaxService(sessions, rates), server)
        return [pb.DESCRIPTOR.services_by_name["TaxService"].full_name]

    return add


if __name__ == "__main__":
    config = settings()
    start(SERVICE, "grpc", config)
    sessions = make_session_factory(make_engine(config.database_url, config.db_schema))
    run_grpc(SERVICE, config, register(sessions, CachedRates(sessions, config.rates_cache_seconds)))
