"""The fake Clover as a real HTTP server: bearer tokens per merchant, single-use refresh tokens, the
{"elements"} wrapper and expand, the modifiedTime filter, per-token limits, the webhook handshake and
X-Clover-Auth, and faults on command."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from posfakes.clover.server import DEFAULT_MERCHANT, DEFAULT_TOKEN

AUTH = {"authorization": f"Bearer {DEFAULT_TOKEN}"}
M = f"/v3/merchants/{DEFAULT_MERCHANT}"


def test_an_order_is_one_line_per_unit_with_elements_and_expand(clover):
    made = clover.create_order([{"name": "Fries", "price": 399, "quantity": 2, "item_id": "ITEM000000002",
                                 "tax_rate_ids": ["TAX0000000001"]}], external_reference_id="t-9")
    full = httpx.get(f"{clover.url}{M}/orders/{made['id']}", headers=AUTH,
                     params={"expand": "lineItems,lineItems.modifications,lineItems.taxRates"}).json()
    assert len(full["lineItems"]["elements"]) == 2 and full["externalReferenceId"] == "t-9"
    assert full["lineItems"]["elements"][0]["taxRates"]["elements"][0]["rate"] == 797500
    assert full["total"] == 798 + 2 * round(399 * 797500 / 10_000_000)
    thin = httpx.get(f"{clover.url}{M}/orders/{made['id']}", headers=AUTH).json()
    assert "lineItems" not in thin and len(made["id"]) == 13
    bad = httpx.get(f"{clover.url}{M}/orders/{made['id']}", headers=AUTH, params={"expand": "lineItemz"})
    assert bad.status_code == 400 and "lineItemz" in bad.json()["message"]


def test_tokens_are_per_merchant_and_checked(clover):
    assert httpx.get(f"{clover.url}{M}").status_code == 401
    assert httpx.get(f"{clover.url}{M}", headers={"authorization": "Bearer nope"}).status_code == 401
    clover.add_token("other-merchant-token", "OTHERMERCHANT")
    assert httpx.get(f"{clover.url}{M}", headers={"authorization": "Bearer other-merchant-token"}).status_code == 401
    clover.add_token("expired", expires_in=-1)
    assert httpx.get(f"{clover.url}{M}", headers={"authorization": "Bearer expired"}).status_code == 401
    assert httpx.get(f"{clover.url}{M}", headers=AUTH).json()["id"] == DEFAULT_MERCHANT
    assert clover.requests[-1]["headers"]["authorization"] == "Bearer ***"


def test_refresh_tokens_are_single_use(clover):
    clover.add_refresh_token("rt-1", "app-client")
    first = httpx.post(f"{clover.url}/oauth/v2/refresh", json={"client_id": "app-client", "refresh_token": "rt-1"})
    assert first.status_code == 200
    tokens = first.json()
    assert set(tokens) == {"access_token", "access_token_expiration", "refresh_token", "refresh_token_expiration"}
    assert httpx.get(f"{clover.url}{M}", headers={"authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    again = httpx.post(f"{clover.url}/oauth/v2/refresh", json={"client_id": "app-client", "refresh_token": "rt-1"})
    assert again.status_code == 401
    missing = httpx.post(f"{clover.url}/oauth/v2/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert missing.status_code == 400 and "client_id" in missing.json()["message"]
    assert httpx.post(f"{clover.url}/oauth/v2/refresh", json={
        "client_id": "app-client", "refresh_token": tokens["refresh_token"]}).status_code == 200


def test_orders_filter_by_modified_time_and_page(clover):
    made = [clover.create_order([{"name": "Tea", "price": 250}]) for _ in range(3)]
    for order in made:
        clover.orders[order["id"]]["modifiedTime"] -= 60_000   # rung up a minute ago
    clover.update_order(made[0]["id"])
    since = clover.orders[made[0]["id"]]["modifiedTime"]
    changed = httpx.get(f"{clover.url}{M}/orders", headers=AUTH,
                        params={"filter": f"modifiedTime>={since}", "expand": "lineItems"}).json()["elements"]
    assert [o["id"] for o in changed] == [made[0]["id"]]
    page = httpx.get(f"{clover.url}{M}/orders", headers=AUTH, params={"limit": 2, "offset": 2}).json()["elements"]
    assert len(page) == 1
    assert httpx.get(f"{clover.url}{M}/orders", headers=AUTH, params={"filter": "modifiedTime=>1"}).status_code == 400
    assert httpx.get(f"{clover.url}{M}/orders", headers=AUTH, params={"limit": 5000}).status_code == 400


def test_menu_reads(clover):
    items = httpx.get(f"{clover.url}{M}/items", headers=AUTH,
                      params={"expand": "taxRates,modifierGroups,categories"}).json()["elements"]
    burger = next(i for i in items if i["name"] == "Cheeseburger")
    assert burger["price"] == 1099 and burger["taxRates"]["elements"][0]["rate"] == 797500
    groups = httpx.get(f"{clover.url}{M}/modifier_groups", headers=AUTH, params={"expand": "modifiers"}).json()
    assert groups["elements"][0]["modifiers"]["elements"][0]["name"] == "Cheddar"


def test_five_in_flight_per_token_then_429(clover):
    clover.latency_s = 1.0   # long enough for all eight to overlap on a busy machine
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: httpx.get(f"{clover.url}{M}", headers=AUTH, timeout=5), range(8)))
    codes = sorted(r.status_code for r in statuses)
    assert codes.count(200) >= 5 and codes.count(429) >= 1 and set(codes) == {200, 429}
    limited = next(r for r in statuses if r.status_code == 429)
    assert limited.headers["retry-after"] == "1" and limited.headers["x-ratelimit-tokenconcurrentlimit"] == "5"
    assert clover.stats()["max_in_flight"][DEFAULT_TOKEN] == 5


def test_sixteen_per_second_per_token(clover):
    clover.clock = lambda: 1000.0   # all within one second, however slow the machine
    codes = [httpx.get(f"{clover.url}{M}", headers=AUTH).status_code for _ in range(17)]
    assert codes[:16] == [200] * 16 and codes[16] == 429


def test_faults_on_command(clover):
    httpx.post(f"{clover.url}/_fake/faults", json={"status": 429, "retry_after": 2})
    limited = httpx.get(f"{clover.url}{M}", headers=AUTH)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    clover.inject(503, count=2)
    assert [httpx.get(f"{clover.url}{M}", headers=AUTH).status_code for _ in range(3)] == [503, 503, 200]
    clover.inject(200, delay_s=1.0)
    with pytest.raises(httpx.TimeoutException):
        httpx.get(f"{clover.url}{M}", headers=AUTH, timeout=0.2)


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_handshake_then_auth_code_and_duplicates(clover):
    receiver = Receiver()
    try:
        made = clover.subscribe(receiver.url, auth_code="app-auth-code")
        headers, body = receiver.received[0]
        assert body == {"verificationCode": made["verification_code"]} and "x-clover-auth" not in headers
        order = clover.create_order([{"name": "Tea", "price": 250}])
        sent = clover.notify(order["id"], "CREATE", times=2)
        assert sent["deliveries"] == [200, 200]
        (h1, b1), (h2, b2) = receiver.received[1:]
        assert h1["x-clover-auth"] == "app-auth-code" and b1 == b2
        [change] = b1["merchants"][DEFAULT_MERCHANT]
        assert change == {"objectId": f"O:{order['id']}", "type": "CREATE", "ts": order["modifiedTime"]}
        clover.notify(order["id"], bad_auth=True)
        assert receiver.received[-1][0]["x-clover-auth"] != "app-auth-code"
    finally:
        receiver.close()
