"""The Toast adapter against the fake Toast (a real HTTP server on loopback): one login cached until
it expires, a 401 logs in again, the restaurant header, orders and ordersBulk pages and the menu on
the common model, 429s retried after Retry-After, and signed webhooks carrying the full order."""
from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal

import httpx
import pytest
from pos_bridge.adapters.http_retry import RetryPolicy
from pos_bridge.adapters.toast import provider as toast_provider
from pos_bridge.adapters.toast.provider import ToastProvider
from pos_bridge.domain.codec import order_from_json
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import EventKind, Money, OrderState
from posfakes.toast.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_RESTAURANT, FakeToast, sign


def connection(url: str, secret: str = DEFAULT_CLIENT_SECRET) -> ProviderConnection:
    return ProviderConnection(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "toast", "GROUP1", DEFAULT_RESTAURANT, url,
                              {"client_id": DEFAULT_CLIENT_ID, "client_secret": secret}, None, "whsec")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def provider(**kwargs) -> ToastProvider:
    waits: list[float] = []
    clock = kwargs.pop("clock", None) or Clock()
    adapter = ToastProvider(httpx.Client(timeout=5.0), retry=RetryPolicy(**kwargs), sleep=waits.append, clock=clock)
    adapter.waits = waits
    return adapter


def test_one_login_serves_many_calls_and_a_401_logs_in_again(toast):
    made = toast.create_order([{"name": "Crab cakes", "price": 5.0, "quantity": 2}], external_id="web-7")
    adapter, conn = provider(), connection(toast.url)
    for _ in range(3):
        order = adapter.fetch_order(conn, made["guid"])
    assert toast.logins == 1 and order.external_ref == "web-7"
    assert order.line_items[0].quantity == Decimal(2) and order.line_items[0].unit_price == Money(500, "USD")
    sent = toast.requests[-1]["headers"]
    assert sent["toast-restaurant-external-id"] == DEFAULT_RESTAURANT and sent["authorization"] == "Bearer ***"
    toast.expire_tokens()   # Toast no longer knows the token: one new login, the call succeeds
    assert adapter.fetch_order(conn, made["guid"]).provider_order_id == made["guid"] and toast.logins == 2


def test_the_token_is_renewed_before_it_expires(toast):
    clock = Clock()
    adapter = ToastProvider(httpx.Client(timeout=5.0), clock=clock)
    adapter.connect(connection(toast.url))
    clock.now += 86_400 - 30   # inside the last minute of the token's life
    adapter.connect(connection(toast.url))
    assert toast.logins == 2


def test_concurrent_first_calls_log_in_once(toast):
    adapter, conn = provider(), connection(toast.url)
    threads = [threading.Thread(target=adapter.connect, args=(conn,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert toast.logins == 1


def test_wrong_client_credentials_are_auth(toast):
    with pytest.raises(ProviderError) as denied:
        provider().connect(connection(toast.url, secret="wrong"))
    assert denied.value.kind == "AUTH" and not denied.value.retryable


def test_changes_page_through_orders_bulk(toast, monkeypatch):
    monkeypatch.setattr(toast_provider, "PAGE", 2)
    made = [toast.create_order([{"name": "Tea", "price": 2.5}]) for _ in range(3)]
    adapter = ToastProvider(httpx.Client(timeout=5.0))   # the real clock: the fake stamps real times
    page = adapter.list_changes(connection(toast.url), None)
    assert {o.provider_order_id for o in page.orders} == {o["guid"] for o in made}
    pages = [r["query"].get("page") for r in toast.requests if r["path"] == "/orders/v2/ordersBulk"]
    assert pages == ["1", "2"]
    later = adapter.list_changes(connection(toast.url), page.cursor)
    assert len(later.orders) <= 3 and int(later.cursor) >= int(page.cursor)


def test_the_menu(toast):
    menu = provider().pull_menu(connection(toast.url))
    crab = next(i for i in menu.items if i.name == "Crab cakes")
    assert crab.variations[0].price == Money(500, "USD")
    assert crab.modifier_group_ids == ("4e3a2b1c-0000-4000-8000-000000000001",)
    assert next(i for i in menu.items if i.name == "Market fish").variations[0].price is None


def test_a_429_waits_for_retry_after(toast):
    made = toast.create_order([{"name": "Tea", "price": 2.5}])
    adapter = provider()
    adapter.connect(connection(toast.url))
    toast.inject(429, retry_after=2, path_prefix="/orders/")
    assert adapter.fetch_order(connection(toast.url), made["guid"]).provider_order_id == made["guid"]
    assert adapter.waits and adapter.waits[0] >= 2


def test_signed_webhooks_carry_the_full_order():
    adapter, conn = ToastProvider(), connection("http://unused")
    fake = FakeToast()
    made = fake.create_order([{"name": "Tea", "price": 2.5}])
    fake.update_order(made["guid"], closed=True)
    event = fake.order_event(made["guid"], event_guid="evt-9")
    body = json.dumps(event).encode()
    headers = {"Toast-Signature": sign("whsec", body, event["timestamp"])}
    assert adapter.verify_webhook(conn, headers, body)
    assert not adapter.verify_webhook(conn, {"Toast-Signature": sign("other", body, event["timestamp"])}, body)
    assert not adapter.verify_webhook(conn, headers, body + b" ") and not adapter.verify_webhook(conn, {}, body)
    assert ToastProvider(signing="body").verify_webhook(conn, {"Toast-Signature": sign("whsec", body, "", "body")}, body)
    [parsed] = adapter.parse_webhook(headers, body)
    assert (parsed.provider_event_id, parsed.kind, parsed.object_id) == ("evt-9", EventKind.ORDER, made["guid"])
    order = order_from_json(parsed.embedded["common_order"])
    assert order.state is OrderState.COMPLETED and parsed.object_version == order.version
    older = json.dumps(fake.order_event(made["guid"], revision=0)).encode()
    assert adapter.parse_webhook({}, older)[0].object_version < parsed.object_version
