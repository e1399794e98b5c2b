"""The tax service over gRPC: implements the service layer's SalesTaxPort."""
from __future__ import annotations

import grpc
from auraconnect.tax.v1 import sales_tax_pb2, tax_service_pb2_grpc
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity

from orders.domain.order import Order, SalesTax

CATEGORIES = {
    "general": sales_tax_pb2.ITEM_CATEGORY_GENERAL,
    "prepared_food": sales_tax_pb2.ITEM_CATEGORY_PREPARED_FOOD,
    "alcohol": sales_tax_pb2.ITEM_CATEGORY_ALCOHOL,
    "grocery": sales_tax_pb2.ITEM_CATEGORY_GROCERY,
    "non_taxable": sales_tax_pb2.ITEM_CATEGORY_NON_TAXABLE,
}


class TaxClient:
    def __init__(self, address: str, timeout_s: float = 5.0) -> None:
        self.stub = tax_service_pb2_grpc.TaxServiceStub(peer_channel(address))
        self.timeout_s = timeout_s

    def sales_tax(self, identity: Identity, order: Order) -> SalesTax:
        request = sales_tax_pb2.CalculateSalesTaxRequest(
            location_id=str(order.location_id),
            as_of=(order.business_date or order.placed_at.date()).isoformat(),  # the location's local day
            lines=[sales_tax_pb2.SalesTaxLine(
                line_id=str(line.line_id), category=CATEGORIES[line.category], quantity=line.quantity,
                unit_price_cents=line.unit_price_cents, discount_cents=line.discount_cents)
                for line in order.active_lines],
        )
        try:
            response = self.stub.CalculateSalesTax(request, metadata=call_metadata(identity),
                                                   timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise peer_error("tax", error) from None
        return SalesTax(response.subtotal_cents, response.total_tax_cents,
                        {line.line_id: line.tax_cents for line in response.lines}, response.rules_version)
