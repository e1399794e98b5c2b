"""The tax service over gRPC: implements the service layer's SalesTaxPort.

The tax of a basket is a pure function of (tenant, location, business date, each active line's
category, quantity, unit price and discount) and of the location's rate table: the client remembers
the answer to a basket for `cache_s` seconds (bounded staleness: a rate change reaches orders at most
that late; rates are effective-dated and entered ahead, so a date's rates rarely change on the day).
Line ids are not part of the key: the answer is kept by line position and mapped back onto the next
order's line ids. A refusal (unknown location, no rate in force) is never remembered."""
from __future__ import annotations

import threading
import time

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
CACHE_SECONDS = 60.0
MAX_REMEMBERED = 10_000


class TaxClient:
    def __init__(self, address: str, timeout_s: float = 5.0, cache_s: float = CACHE_SECONDS,
                 clock=time.monotonic) -> None:
        self.stub = tax_service_pb2_grpc.TaxServiceStub(peer_channel(address))
        self.timeout_s, self.cache_s, self.clock = timeout_s, cache_s, clock
        # basket key -> (expires at, subtotal, tax, tax per line position, rules version)
        self._answers: dict[tuple, tuple[float, int, int, tuple[int, ...], str]] = {}
        self._lock = threading.Lock()

    def sales_tax(self, identity: Identity, order: Order) -> SalesTax:
        lines = order.active_lines
        as_of = (order.business_date or order.placed_at.date()).isoformat()  # the location's local day
        key = (identity.tenant_id, str(order.location_id), as_of,
               tuple((line.category, line.quantity, line.unit_price_cents, line.discount_cents) for line in lines))
        now = self.clock()
        with self._lock:
            hit = self._answers.get(key)
        # Only for callers the tax service itself would answer (it requires orders:create).
        if hit is None or hit[0] <= now or not identity.has("orders:create"):
            hit = self._ask(identity, order, lines, as_of, now)
            with self._lock:
                if len(self._answers) >= MAX_REMEMBERED:
                    self._answers.clear()
                self._answers[key] = hit
        _, subtotal, tax, per_line, version = hit
        return SalesTax(subtotal, tax, {str(line.line_id): cents for line, cents in zip(lines, per_line)}, version)

    def _ask(self, identity: Identity, order: Order, lines, as_of: str, now: float):
        request = sales_tax_pb2.CalculateSalesTaxRequest(
            location_id=str(order.location_id), as_of=as_of,
            lines=[sales_tax_pb2.SalesTaxLine(
                line_id=str(index), category=CATEGORIES[line.category], quantity=line.quantity,
                unit_price_cents=line.unit_price_cents, discount_cents=line.discount_cents)
                for index, line in enumerate(lines)],
        )
        try:
            response = self.stub.CalculateSalesTax(request, metadata=call_metadata(identity),
                                                   timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise peer_error("tax", error) from None
        by_position = {line.line_id: line.tax_cents for line in response.lines}
        return (now + self.cache_s, response.subtotal_cents, response.total_tax_cents,
                tuple(by_position.get(str(index), 0) for index in range(len(lines))), response.rules_version)
