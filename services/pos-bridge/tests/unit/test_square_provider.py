"""The Square adapter against the fake Square (a real HTTP server on loopback): every call the port
makes, the headers Square needs, and each failure classified and retried as it should be."""
from __future__ import annotations

import uuid

import httpx
import pytest
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.adapters.square.provider import SquareProvider
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import Money, OrderState
from posfakes.square.server import DEFAULT_TOKEN
from posfakes.square.signing import sign


def connection(url: str, token: str = DEFAULT_TOKEN) -> ProviderConnection:
    return ProviderConnection(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "square", "M1", "LOC1", url,
                              {"access_token": token}, "https://aura.example/hook", "sig-key")


def provider(**kwargs) -> SquareProvider:
    waits: list[float] = []
    adapter = SquareProvider(httpx.Client(timeout=kwargs.pop("timeout", 2.0)),
                             retry=RetryPolicy(**kwargs), sleep=waits.append)
    adapter.waits = waits
    return adapter


def test_fetch_an_order_with_squares_headers(square):
    made = square.create_order("LOC1", reference_id="t-4")
    order = provider().fetch_order(connection(square.url), made["id"])
    assert order.provider_order_id == made["id"] and order.external_ref == "t-4" and order.version == 1
    assert order.totals.total == Money(6176, "USD")
    sent = square.requests[-1]["headers"]
    assert sent["square-version"] == "2025-08-20" and sent["authorization"] == "Bearer ***"


def test_menu_status_push_and_changes(square):
    menu = provider().pull_menu(connection(square.url))
    assert {i.name for i in menu.items} == {"New York Steak", "New York Strip Steak"}
    assert menu.items[0].variations[0].price == Money(2200, "USD")
    made = square.create_order("LOC1")
    done = provider().push_order_status(connection(square.url), made["id"], OrderState.COMPLETED, 1, "key-1")
    assert done.state is OrderState.COMPLETED and done.version == 2
    page = provider().list_changes(connection(square.url), None)
    assert [o.provider_order_id for o in page.orders] == [made["id"]]


@pytest.mark.parametrize(("call", "kind"), [
    (lambda p, c: p.fetch_order(c, "NOPE"), "NOT_FOUND"),
    (lambda p, c: p.fetch_order(replace_token(c), "X"), "AUTH"),
])
def test_failures_are_classified(square, call, kind):
    with pytest.raises(ProviderError) as failed:
        call(provider(), connection(square.url))
    assert failed.value.kind == kind and not failed.value.retryable


def replace_token(c: ProviderConnection) -> ProviderConnection:
    return ProviderConnection(c.connection_id, c.tenant_id, c.location_id, c.provider, c.external_merchant_id,
                              c.external_location_id, c.api_base_url, {"access_token": "revoked"})


def test_a_stale_version_is_a_conflict(square):
    made = square.create_order("LOC1")
    with pytest.raises(ProviderError) as failed:
        provider().push_order_status(connection(square.url), made["id"], OrderState.COMPLETED, 9, "key-2")
    assert failed.value.kind == "CONFLICT" and "VERSION_MISMATCH" in str(failed.value)


def test_429_is_retried_after_what_square_asked(square):
    made = square.create_order("LOC1")
    square.inject(429, count=1, retry_after=1)
    adapter = provider()
    assert adapter.fetch_order(connection(square.url), made["id"]).provider_order_id == made["id"]
    assert adapter.waits and adapter.waits[0] >= 1


def test_a_long_retry_after_goes_back_to_the_queue(square):
    square.inject(429, count=1, retry_after=120)
    with pytest.raises(ProviderError) as failed:
        provider().fetch_order(connection(square.url), "X")
    assert failed.value.kind == "RATE_LIMIT" and failed.value.retry_after == 120


def test_an_outage_and_a_timeout_are_transient(square):
    square.inject(503, count=5)
    with pytest.raises(ProviderError) as failed:
        provider(attempts=3).fetch_order(connection(square.url), "X")
    assert failed.value.kind == "TRANSIENT" and failed.value.retryable
    square.clear_faults()
    square.inject(200, count=1, delay_s=1.0)
    with pytest.raises(ProviderError) as slow:
        provider(attempts=1, timeout=0.2).fetch_order(connection(square.url), "X")
    assert slow.value.kind == "TRANSIENT" and "timeout" in str(slow.value)
    with pytest.raises(ProviderError) as down:
        provider(attempts=1).fetch_order(connection("http://127.0.0.1:1"), "X")
    assert down.value.kind == "TRANSIENT"


def test_webhooks_the_fake_signs_verify_here():
    adapter, conn = SquareProvider(), connection("http://unused")
    body = b'{"event_id":"e1","type":"order.created","merchant_id":"M1","data":{"id":"O1","object":{}}}'
    signature = sign("sig-key", "https://aura.example/hook", body)
    assert adapter.verify_webhook(conn, {"X-Square-HmacSha256-Signature": signature}, body)
    assert not adapter.verify_webhook(conn, {"x-square-hmacsha256-signature": signature}, body + b"\n")
    assert not adapter.verify_webhook(conn, {}, body)
    [parsed] = adapter.parse_webhook({}, body)
    assert parsed.provider_event_id == "e1" and parsed.object_id == "O1"
