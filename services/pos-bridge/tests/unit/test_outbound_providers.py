"""The outbound half of each adapter against its fake (real HTTP): what Square, Clover and Toast accept
of our status changes and 86s, and what they cannot take (NOT_SUPPORTED, never pretended)."""
from __future__ import annotations

import uuid

import httpx
import pytest
from pos_bridge.adapters.clover.provider import CloverProvider
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.adapters.square.provider import SquareProvider, status_update
from pos_bridge.adapters.toast.provider import ToastProvider
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import MenuChange, Money
from pos_bridge.domain.outbound import StatusPush
from posfakes.clover.server import DEFAULT_MERCHANT
from posfakes.clover.server import DEFAULT_TOKEN as CLOVER_TOKEN
from posfakes.square.server import DEFAULT_TOKEN as SQUARE_TOKEN


def square_connection(url: str) -> ProviderConnection:
    return ProviderConnection(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "square", "M1", "LOC1", url,
                              {"access_token": SQUARE_TOKEN}, None, None)


def clover_connection(url: str) -> ProviderConnection:
    return ProviderConnection(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "clover", DEFAULT_MERCHANT, DEFAULT_MERCHANT,
                              url, {"access_token": CLOVER_TOKEN}, None, None)


def square_provider() -> SquareProvider:
    return SquareProvider(httpx.Client(timeout=2.0), retry=RetryPolicy(attempts=1), sleep=lambda s: None)


def test_square_reads_the_version_and_retries_once_after_a_version_race(square):
    made = square.create_order("LOC1")
    real_order = square._order

    def racing(order_id):   # someone edits the order on the POS between our read and our write
        answer = real_order(order_id)
        if not getattr(racing, "raced", False):
            racing.raced = True
            square.update_order(order_id)
        return answer

    square._order = racing
    done = square_provider().push_order_status(square_connection(square.url), made["id"], StatusPush.COMPLETED,
                                               None, "change-1")
    assert done.state.value == "COMPLETED" and square.orders[made["id"]]["version"] == 3
    statuses = [r["status"] for r in square.requests if r["method"] == "PUT"]
    assert statuses == [409, 200]


def test_square_leaves_an_order_already_there_alone_and_refuses_to_reopen_a_closed_one(square):
    made = square.create_order("LOC1")
    square.update_order(made["id"], state="CANCELED")
    adapter, connection = square_provider(), square_connection(square.url)
    adapter.push_order_status(connection, made["id"], StatusPush.CANCELED, None, "c-1")
    assert [r for r in square.requests if r["method"] == "PUT"] == []
    with pytest.raises(ProviderError) as refused:
        adapter.push_order_status(connection, made["id"], StatusPush.COMPLETED, None, "c-2")
    assert refused.value.kind == "VALIDATION"
    assert status_update({"state": "OPEN", "fulfillments": [{"uid": "F", "state": "PREPARED"}]}, "READY") is None


def test_square_price_and_86_through_the_catalog(square):
    adapter, connection = square_provider(), square_connection(square.url)
    item = "XSTRIP0ITEM00000000000002"
    adapter.push_menu_change(connection, MenuChange(item, available=False, price=Money(1799, "USD")))
    stored = next(o for o in square.catalog if o["id"] == item)
    assert stored["absent_at_location_ids"] == ["LOC1"]
    assert stored["item_data"]["variations"][0]["item_variation_data"]["price_money"] == {"amount": 1799,
                                                                                          "currency": "USD"}
    adapter.push_menu_change(connection, MenuChange(item, available=False))   # already so: no write
    assert len([r for r in square.requests if r["path"] == "/v2/catalog/object"]) == 1


def test_clover_86_and_locking_a_completed_order_the_rest_not_supported(clover):
    adapter = CloverProvider(httpx.Client(timeout=5.0), retry=RetryPolicy(attempts=1), sleep=lambda s: None)
    connection = clover_connection(clover.url)
    item_id = clover.items[0]["id"]
    adapter.push_menu_change(connection, MenuChange(item_id, available=False))
    assert clover.items[0]["available"] is False
    made = clover.create_order([{"name": "Tea", "price": 250}])
    adapter.push_order_status(connection, made["id"], StatusPush.COMPLETED, None, "k")
    assert clover.orders[made["id"]]["state"] == "locked"
    for status in (StatusPush.READY, StatusPush.CANCELED):
        with pytest.raises(ProviderError) as refused:
            adapter.push_order_status(connection, made["id"], status, None, "k")
        assert refused.value.kind == "NOT_SUPPORTED"


def test_toast_takes_no_status_and_no_86():
    adapter = ToastProvider()
    connection = ProviderConnection(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "toast", "", "R1",
                                    "http://127.0.0.1:9", {}, None, None)
    for act in (lambda: adapter.push_order_status(connection, "g", StatusPush.COMPLETED, None, "k"),
                lambda: adapter.push_menu_change(connection, MenuChange("i", available=False))):
        with pytest.raises(ProviderError) as refused:
            act()
        assert refused.value.kind == "NOT_SUPPORTED"
