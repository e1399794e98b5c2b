"""The Clover adapter against the fake Clover (a real HTTP server on loopback): orders, changes and
the menu mapped onto the common model; the single-use refresh token; the per-connection cap of 5 in
flight and 16 per second; 429s retried after Retry-After; the webhook auth code and handshake."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from pos_bridge.adapters.clover.provider import CloverProvider
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import Money
from posfakes.clover.server import DEFAULT_MERCHANT, DEFAULT_TOKEN


def connection(url: str, **credentials) -> ProviderConnection:
    return ProviderConnection(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "clover", DEFAULT_MERCHANT, DEFAULT_MERCHANT,
                              url, {"access_token": DEFAULT_TOKEN} | credentials, None, "app-auth-code")


def provider(**kwargs) -> CloverProvider:
    waits: list[float] = []
    adapter = CloverProvider(httpx.Client(timeout=kwargs.pop("timeout", 5.0)), retry=RetryPolicy(**kwargs),
                             sleep=waits.append)
    adapter.waits = waits
    return adapter


def test_fetch_an_order_one_line_per_unit_becomes_a_quantity(clover):
    made = clover.create_order([{"name": "Fries", "price": 399, "quantity": 3, "item_id": "ITEM000000002",
                                 "tax_rate_ids": ["TAX0000000001"],
                                 "modifications": [{"name": "Cheese", "amount": 100, "modifier_id": "MOD0000000001"}]}],
                               external_reference_id="table-3")
    order = provider().fetch_order(connection(clover.url), made["id"])
    [line] = order.line_items
    assert (line.quantity, line.unit_price, line.catalog_ref) == (Decimal(3), Money(399, "USD"), "ITEM000000002")
    assert line.modifiers[0].unit_price == Money(100, "USD") and order.taxes[0].rate_percent == Decimal("7.975")
    assert order.version == made["modifiedTime"] and order.external_ref == "table-3"
    assert order.totals.total == Money(made["total"], "USD")
    sent = clover.requests[-1]
    assert sent["headers"]["user-agent"].startswith("AuraConnect") and "lineItems" in sent["query"]["expand"]


def test_changes_since_a_cursor_and_the_menu(clover):
    old = clover.create_order([{"name": "Tea", "price": 250}])
    clover.orders[old["id"]]["modifiedTime"] -= 3_600_000
    new = clover.create_order([{"name": "Coffee", "price": 300}])
    since = str(new["modifiedTime"] - 1000)
    page = provider().list_changes(connection(clover.url), since)
    assert [o.provider_order_id for o in page.orders] == [new["id"]] and int(page.cursor) >= int(since)
    first = provider().list_changes(connection(clover.url), None)   # the first poll looks back a day
    assert {o.provider_order_id for o in first.orders} == {old["id"], new["id"]}
    menu = provider().pull_menu(connection(clover.url))
    burger = next(i for i in menu.items if i.name == "Cheeseburger")
    assert burger.variations[0].price == Money(1099, "USD") and burger.modifier_group_ids == ("MODGRP0000001",)
    fish = next(i for i in menu.items if i.name == "Market fish")
    assert fish.variations[0].price is None and not fish.available
    assert menu.taxes[0].rate_percent == Decimal("7.975")


def test_refresh_tokens_are_single_use(clover):
    clover.add_refresh_token("rt-first", "app-client")
    old = connection(clover.url, access_token="expired", refresh_token="rt-first", client_id="app-client",
                     access_token_expiration="1")
    adapter = provider()
    assert adapter.credentials_due(old, datetime.now(UTC))
    fresh = adapter.refresh_credentials(old)
    assert fresh["refresh_token"] != "rt-first" and fresh["client_id"] == "app-client"
    assert not adapter.credentials_due(connection(clover.url, **fresh), datetime.now(UTC))
    renewed = connection(clover.url, **fresh)
    made = clover.create_order([{"name": "Tea", "price": 250}])
    assert adapter.fetch_order(renewed, made["id"]).provider_order_id == made["id"]
    with pytest.raises(ProviderError) as spent:
        adapter.refresh_credentials(old)   # the old refresh token was used once already
    assert spent.value.kind == "AUTH" and clover.refreshes == 1
    assert adapter.refresh_credentials(connection(clover.url)) == connection(clover.url).credentials


def test_at_most_five_in_flight_per_connection(clover):
    made = clover.create_order([{"name": "Tea", "price": 250}])
    clover.latency_s = 0.15
    adapter, conn = provider(attempts=1), connection(clover.url)
    with ThreadPoolExecutor(12) as pool:
        fetched = list(pool.map(lambda _: adapter.fetch_order(conn, made["id"]), range(12)))
    assert len(fetched) == 12 and clover.limited == 0
    assert clover.stats()["max_in_flight"][DEFAULT_TOKEN] == 5


def test_without_the_cap_clover_refuses(clover):
    """The test above can fail: an adapter allowed more in flight meets Clover's 429."""
    made = clover.create_order([{"name": "Tea", "price": 250}])
    clover.latency_s = 0.15
    adapter = CloverProvider(httpx.Client(timeout=5), retry=RetryPolicy(attempts=1), concurrent=12)
    conn = connection(clover.url)

    def fetch(_):
        try:
            return adapter.fetch_order(conn, made["id"])
        except ProviderError as error:
            return error

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(fetch, range(12)))
    assert any(isinstance(r, ProviderError) and r.kind == "RATE_LIMIT" for r in results)


def test_at_most_sixteen_a_second(clover):
    made = clover.create_order([{"name": "Tea", "price": 250}])
    adapter, conn = provider(attempts=1), connection(clover.url)
    for _ in range(20):
        adapter.fetch_order(conn, made["id"])
    assert clover.limited == 0


def test_a_429_waits_for_retry_after_then_succeeds(clover):
    made = clover.create_order([{"name": "Tea", "price": 250}])
    clover.inject(429, retry_after=1)
    adapter = provider()
    assert adapter.fetch_order(connection(clover.url), made["id"]).provider_order_id == made["id"]
    assert adapter.waits and adapter.waits[0] >= 1
    clover.inject(429, retry_after=60)
    with pytest.raises(ProviderError) as long_wait:
        provider().fetch_order(connection(clover.url), made["id"])
    assert long_wait.value.kind == "RATE_LIMIT" and long_wait.value.retry_after == 60


def test_failures_are_classified(clover):
    with pytest.raises(ProviderError) as missing:
        provider().fetch_order(connection(clover.url), "NOSUCHORDER00")
    assert missing.value.kind == "NOT_FOUND"
    with pytest.raises(ProviderError) as denied:
        provider().fetch_order(connection(clover.url, access_token="revoked"), "X")
    assert denied.value.kind == "AUTH"
    clover.inject(503, count=3)
    with pytest.raises(ProviderError) as down:
        provider(attempts=3).connect(connection(clover.url))
    assert down.value.kind == "TRANSIENT"


def test_webhook_auth_code_and_handshake():
    adapter, conn = CloverProvider(), connection("http://unused")
    body = b'{"appId":"A","merchants":{"FAKEMERCHANT1":[{"objectId":"O:ORDER0000001","type":"CREATE","ts":5}]}}'
    assert adapter.verify_webhook(conn, {"X-Clover-Auth": "app-auth-code"}, body)
    assert not adapter.verify_webhook(conn, {"X-Clover-Auth": "other"}, body)
    assert not adapter.verify_webhook(conn, {}, body)
    [event] = adapter.parse_webhook({}, body)
    assert (event.object_id, event.object_version) == ("ORDER0000001", 5)
    assert adapter.webhook_handshake({}, b'{"verificationCode":"v-123"}') == "v-123"
    assert adapter.webhook_handshake({"x-clover-auth": "x"}, b'{"verificationCode":"v-123"}') is None
    assert adapter.webhook_handshake({}, body) is None
