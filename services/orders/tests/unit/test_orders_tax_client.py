"""The tax adapter: a basket's answer is remembered for a while and mapped onto new line ids (a fake
stub, no network)."""
from __future__ import annotations

import uuid

import grpc
import pytest
from auraconnect.tax.v1 import sales_tax_pb2 as pb
from chassis.errors import NotFound
from orders.adapters.tax_client import CACHE_SECONDS, TaxClient
from orders.domain.order import LineInput, Order

from services.orders.tests.unit.fakes import LOCATION, NOW, STAFF, TENANT, identity

pytestmark = pytest.mark.unit


class UnknownLocation(grpc.RpcError):
    def code(self):
        return grpc.StatusCode.NOT_FOUND

    def details(self):
        return "location_id: no sales-tax jurisdictions"


class FakeStub:
    """8 % on everything, per line; `refuse` answers NOT_FOUND."""

    def __init__(self) -> None:
        self.calls, self.refuse = 0, False

    def CalculateSalesTax(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
        self.calls += 1
        if self.refuse:
            raise UnknownLocation()
        lines = [pb.SalesTaxLineResult(line_id=line.line_id, tax_cents=(line.quantity * line.unit_price_cents
                                                                        - line.discount_cents) * 8 // 100)
                 for line in request.lines]
        subtotal = sum(line.quantity * line.unit_price_cents - line.discount_cents for line in request.lines)
        return pb.CalculateSalesTaxResponse(subtotal_cents=subtotal, total_tax_cents=sum(x.tax_cents for x in lines),
                                            lines=lines, rules_version=f"v{self.calls}")


@pytest.fixture
def tax():
    now = [0.0]
    adapter = TaxClient("127.0.0.1:1", clock=lambda: now[0])
    adapter.stub = FakeStub()
    return adapter, now


def order(*prices: int) -> Order:
    return Order.place(tenant_id=TENANT, location_id=LOCATION, server_staff_id=STAFF,
                       lines=[LineInput(f"Dish {p}", 1, p) for p in prices], tip_cents=0, placed_at=NOW,
                       new_id=uuid.uuid4)


def test_the_same_basket_is_asked_once_and_answered_for_the_new_line_ids(tax):
    adapter, now = tax
    first, second = order(1000, 500), order(1000, 500)
    a, b = adapter.sales_tax(identity(), first), adapter.sales_tax(identity(), second)
    assert adapter.stub.calls == 1 and (b.tax_cents, b.rules_version) == (a.tax_cents, "v1") == (120, "v1")
    assert b.line_tax == {str(second.lines[0].line_id): 80, str(second.lines[1].line_id): 40}
    now[0] = CACHE_SECONDS + 1  # stale: asked again
    assert adapter.sales_tax(identity(), second).rules_version == "v2"


def test_another_basket_tenant_or_day_is_asked_again(tax):
    adapter, _ = tax
    adapter.sales_tax(identity(), order(1000, 500))
    adapter.sales_tax(identity(), order(500, 1000))                     # other order of lines
    adapter.sales_tax(identity(tenant=uuid.uuid4()), order(1000, 500))  # other tenant
    later = order(1000, 500)
    later.business_date = NOW.date().replace(day=15)
    adapter.sales_tax(identity(), later)
    assert adapter.stub.calls == 4


def test_a_refusal_is_not_remembered(tax):
    adapter, _ = tax
    adapter.stub.refuse = True
    with pytest.raises(NotFound) as error:
        adapter.sales_tax(identity(), order(1000))
    assert error.value.field == "location_id"
    adapter.stub.refuse = False
    assert adapter.sales_tax(identity(), order(1000)).tax_cents == 80 and adapter.stub.calls == 2
