"""The orders client: a POS order as orders' CreateOrder request, and orders' failures as ours."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import grpc
import pytest
from chassis.errors import DependencyUnavailable, InvalidInput
from chassis.identity import service_identity
from pos_bridge.adapters.orders_client import OrdersClient, create_order_request
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.model import LineItem, Modifier, Money, Order, OrderState, Totals

LOCATION = uuid.uuid4()
STAMP = datetime(2026, 11, 29, 11, tzinfo=UTC)


def connection() -> ProviderConnection:
    return ProviderConnection(connection_id=uuid.uuid4(), tenant_id=uuid.uuid4(), location_id=LOCATION, provider="square",
                              external_merchant_id="M1", external_location_id="L1",
                              api_base_url="https://connect.squareup.com", credentials={"access_token": "t"})


def usd(cents: int) -> Money:
    return Money(cents, "USD")


def order() -> Order:
    return Order("square", "SQ-1", "L1", OrderState.OPEN, STAMP, STAMP, version=1, external_ref="table-12",
                 line_items=(
                     LineItem("l1", "V1", "Burger", Decimal(2), usd(1000),
                              modifiers=(Modifier("m1", "C1", "Cheese", Decimal(1), usd(150)),), note="no onion"),
                     LineItem("l2", None, "Coffee beans", Decimal("0.5"), usd(2399))),
                 totals=Totals(total=usd(3500), tip=usd(200)))


def test_a_pos_order_becomes_a_create_order_request_with_the_pos_prices():
    request = create_order_request(connection(), order())
    assert (request.location_id, request.channel, request.external_id) == (str(LOCATION), "pos:square", "SQ-1")
    assert request.tip_cents == 200 and request.notes == "table-12"
    burger, beans = request.lines
    assert (burger.name, burger.quantity, burger.unit_price_cents, burger.notes) == ("Burger", 2, 1150,
                                                                                  "Cheese; no onion")
    assert not burger.item_id   # an open-price line: the POS's price, not the menu's
    assert (beans.name, beans.quantity, beans.unit_price_cents) == ("Coffee beans (0.5)", 1, 1200)


class Failing(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


class Stub:
    def __init__(self, error: grpc.RpcError | None = None) -> None:
        self.error, self.calls = error, []

    def CreateOrder(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
        self.calls.append((request, dict(metadata)))
        if self.error:
            raise self.error
        from auraconnect.orders.v1 import orders_pb2, orders_service_pb2

        return orders_service_pb2.CreateOrderResponse(order=orders_pb2.Order(order_id="A1"), created=True)


def client(stub: Stub) -> OrdersClient:
    made = OrdersClient("127.0.0.1:1")
    made.stub = stub
    return made


def test_create_order_answers_the_aura_order_id_and_signs_the_call():
    stub = Stub()
    identity = service_identity("pos-bridge", str(uuid.uuid4()), frozenset({"orders:create"}))
    assert client(stub).create_order(identity, connection(), order()) == "A1"
    [(_, metadata)] = stub.calls
    assert metadata   # the internal token chassis.grpc_client signs for the identity


def test_orders_failures_become_ours():
    identity = service_identity("pos-bridge", str(uuid.uuid4()), frozenset({"orders:create"}))
    with pytest.raises(DependencyUnavailable):
        client(Stub(Failing(grpc.StatusCode.UNAVAILABLE, "down"))).create_order(identity, connection(), order())
    with pytest.raises(InvalidInput) as refused:
        client(Stub(Failing(grpc.StatusCode.INVALID_ARGUMENT, "lines[0].name: is required"))).create_order(
            identity, connection(), order())
    assert refused.value.field == "lines[0].name"


class StatusStub:
    def __init__(self, error: grpc.RpcError | None = None) -> None:
        self.error, self.calls = error, []

    def UpdateOrderStatus(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
        self.calls.append(request)
        if self.error:
            raise self.error


def test_update_status_refusals_are_conflicts_and_outages_are_unavailable():
    from chassis.errors import Conflict

    identity = service_identity("pos-bridge", str(uuid.uuid4()), frozenset({"orders:delete"}))
    ok = StatusStub()
    client(ok).update_status(identity, "A1", "cancelled", "canceled on the POS")
    assert (ok.calls[0].order_id, ok.calls[0].status, ok.calls[0].expected_version) == ("A1", "cancelled", 0)
    with pytest.raises(Conflict):   # orders' Conflict travels as ALREADY_EXISTS: a refusal, never retried
        client(StatusStub(Failing(grpc.StatusCode.ALREADY_EXISTS, "the order is open: cannot go to closed"))
               ).update_status(identity, "A1", "closed", "")
    with pytest.raises(DependencyUnavailable):
        client(StatusStub(Failing(grpc.StatusCode.UNAVAILABLE, "down"))).update_status(identity, "A1", "closed", "")


def test_record_payment_sends_the_pos_payment_id_as_the_external_reference():
    class PaymentStub:
        calls: list = []

        def RecordPayment(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
            self.calls.append(request)

    identity = service_identity("pos-bridge", str(uuid.uuid4()), frozenset({"orders:create"}))
    stub = PaymentStub()
    client(stub).record_payment(identity, "A1", {"payment_id": "P1", "amount_cents": 1500, "tip_cents": 300,
                                                 "tender": "card", "card_brand": "VISA", "card_last4": "4111111111"})
    [sent] = stub.calls
    assert (sent.order_id, sent.external_reference, sent.tender, sent.amount_cents, sent.tip_cents,
            sent.card_brand, sent.card_last4) == ("A1", "P1", "card", 1500, 300, "VISA", "1111")


def test_line_changes_go_by_the_pos_line_ids_priced_like_create_order():
    from auraconnect.orders.v1 import orders_service_pb2
    from chassis.errors import Conflict

    class LinesStub:
        def __init__(self, failure=None) -> None:
            self.calls, self.failure = [], failure

        def ApplyExternalOrderChange(self, request, metadata, timeout):  # noqa: N802 - gRPC naming
            self.calls.append(request)
            if self.failure:
                raise self.failure
            return orders_service_pb2.ApplyExternalOrderChangeResponse(
                added_external_line_ids=["l1"], voided_external_line_ids=[], unmatched_external_line_ids=["gone"])

    identity = service_identity("pos-bridge", str(uuid.uuid4()), frozenset({"orders:create", "orders:update"}))
    stub = LinesStub()
    done = client(stub).apply_line_changes(identity, "A1", [order().line_items[0]], ["gone"], "changed on the POS")
    assert done == {"added": ["l1"], "voided": [], "unmatched": ["gone"]}
    [sent] = stub.calls
    [line] = sent.lines
    created = create_order_request(connection(), order()).lines[0]
    assert (line.external_line_id, line.name, line.unit_price_cents, line.quantity, line.notes) == (
        "l1", created.name, created.unit_price_cents, created.quantity, created.notes)
    assert created.external_line_id == "l1" and list(sent.void_external_line_ids) == ["gone"]
    with pytest.raises(Conflict):
        client(LinesStub(Failing(grpc.StatusCode.FAILED_PRECONDITION, "order_id: not a POS order"))
               ).apply_line_changes(identity, "A1", [], ["x"], "")
    with pytest.raises(InvalidInput):
        client(LinesStub(Failing(grpc.StatusCode.INVALID_ARGUMENT, "lines[0].name: is required"))
               ).apply_line_changes(identity, "A1", [], ["x"], "")
    with pytest.raises(DependencyUnavailable):
        client(LinesStub(Failing(grpc.StatusCode.UNAVAILABLE, "down"))).apply_line_changes(identity, "A1", [], ["x"], "")
