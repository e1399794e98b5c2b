"""The fake Toast as a real HTTP server: client-credential login, requests checked against Toast's
Swagger (headers, query types, bodies), ordersBulk by modifiedDate with pages, menus v3, signed
order_updated webhooks carrying the full order (duplicates, older revisions), and faults."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from posfakes.toast.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_RESTAURANT

LOGIN = "/authentication/v1/authentication/login"


def login(toast) -> dict:
    answer = httpx.post(f"{toast.url}{LOGIN}", json={"clientId": DEFAULT_CLIENT_ID, "clientSecret": DEFAULT_CLIENT_SECRET,
                                                     "userAccessType": "TOAST_MACHINE_CLIENT"})
    assert answer.status_code == 200, answer.text
    token = answer.json()["token"]
    return {"authorization": f"Bearer {token['accessToken']}", "toast-restaurant-external-id": DEFAULT_RESTAURANT}


def test_login_with_client_credentials(toast):
    answer = httpx.post(f"{toast.url}{LOGIN}", json={"clientId": DEFAULT_CLIENT_ID, "clientSecret": DEFAULT_CLIENT_SECRET,
                                                     "userAccessType": "TOAST_MACHINE_CLIENT"}).json()
    assert answer["status"] == "SUCCESS" and answer["token"]["tokenType"] == "Bearer"
    assert answer["token"]["expiresIn"] == 86_400
    wrong = httpx.post(f"{toast.url}{LOGIN}", json={"clientId": DEFAULT_CLIENT_ID, "clientSecret": "x",
                                                    "userAccessType": "TOAST_MACHINE_CLIENT"})
    assert wrong.status_code == 401 and set(wrong.json()) >= {"status", "code", "message", "requestId", "canRetry"}
    typed = httpx.post(f"{toast.url}{LOGIN}", json={"clientId": 5, "clientSecret": "x", "userAccessType": "T"})
    assert typed.status_code == 400 and typed.json()["fieldName"] == "clientId"   # the spec's string type


def test_orders_need_a_token_and_the_restaurant_header(toast):
    headers = login(toast)
    order = toast.create_order([{"name": "Crab cakes", "price": 5.0, "quantity": 2}])
    got = httpx.get(f"{toast.url}/orders/v2/orders/{order['guid']}", headers=headers)
    assert got.status_code == 200 and got.json()["checks"][0]["totalAmount"] == 10.0
    assert got.json()["modifiedDate"].endswith("+0000")
    no_header = httpx.get(f"{toast.url}/orders/v2/orders/{order['guid']}", headers={"authorization": headers["authorization"]})
    assert no_header.status_code == 400 and no_header.json()["fieldName"] == "Toast-Restaurant-External-ID"
    other = httpx.get(f"{toast.url}/orders/v2/orders/{order['guid']}",
                      headers={**headers, "toast-restaurant-external-id": "00000000-0000-0000-0000-000000000001"})
    assert other.status_code == 403
    toast.expire_tokens()
    assert httpx.get(f"{toast.url}/orders/v2/orders/{order['guid']}", headers=headers).status_code == 401


def test_orders_bulk_by_modified_date_with_pages(toast):
    headers = login(toast)
    made = [toast.create_order([{"name": "Tea", "price": 2.5}]) for _ in range(3)]
    window = {"startDate": "2020-01-01T00:00:00.000+0000", "endDate": "2999-01-01T00:00:00.000+0000"}
    first = httpx.get(f"{toast.url}/orders/v2/ordersBulk", headers=headers, params=window | {"pageSize": 2}).json()
    second = httpx.get(f"{toast.url}/orders/v2/ordersBulk", headers=headers,
                       params=window | {"pageSize": 2, "page": 2}).json()
    assert {o["guid"] for o in first + second} == {o["guid"] for o in made} and len(second) == 1
    empty = httpx.get(f"{toast.url}/orders/v2/ordersBulk", headers=headers, params={
        "startDate": "2999-01-01T00:00:00.000+0000", "endDate": "2999-01-02T00:00:00.000+0000"}).json()
    assert empty == []
    typed = httpx.get(f"{toast.url}/orders/v2/ordersBulk", headers=headers, params=window | {"pageSize": "ten"})
    assert typed.status_code == 400 and typed.json()["fieldName"] == "pageSize"


def test_menus_v3(toast):
    headers = login(toast)
    assert httpx.get(f"{toast.url}/menus/v3/metadata", headers=headers).json()["restaurantGuid"] == DEFAULT_RESTAURANT
    menus = httpx.get(f"{toast.url}/menus/v3/menus", headers=headers).json()
    assert menus["menus"][0]["menuGroups"][0]["menuItems"][0]["price"] == 5.0


def test_faults_on_command(toast):
    headers = login(toast)
    toast.inject(429, retry_after=3, path_prefix="/orders/")
    limited = httpx.get(f"{toast.url}/orders/v2/ordersBulk", headers=headers, params={"businessDate": "20260101"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
    assert limited.headers["x-toast-ratelimit-reset"] == "3"
    toast.inject(500)
    assert httpx.get(f"{toast.url}/menus/v3/metadata", headers=headers).status_code == 500


def test_signed_webhooks_with_the_full_order_duplicates_and_older_revisions(toast):
    got: list[tuple[dict, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            got.append(({k.lower(): v for k, v in self.headers.items()}, self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        toast.subscribe(f"http://127.0.0.1:{server.server_address[1]}/hook", "whsec")
        order = toast.create_order([{"name": "Tea", "price": 2.5}])
        toast.update_order(order["guid"], closed=True)
        assert toast.notify(order["guid"], times=2, event_guid="evt-1")["deliveries"] == [200, 200]
        toast.notify(order["guid"], revision=0)
        (h1, b1), (h2, b2), (_, old) = got
        event = json.loads(b1)
        assert b1 == b2 and h1["toast-attempt-number"] == "1" and h2["toast-attempt-number"] == "2"
        assert h1["toast-event-type"] == "order_updated" and h1["toast-restaurant-external-id"] == DEFAULT_RESTAURANT
        expected = base64.b64encode(hmac.new(b"whsec", b1 + event["timestamp"].encode(), hashlib.sha256).digest()).decode()
        assert h1["toast-signature"] == expected
        assert event["guid"] == "evt-1" and event["details"]["order"]["closedDate"]
        assert json.loads(old)["details"]["order"]["closedDate"] is None   # the older revision
    finally:
        server.shutdown()
        server.server_close()
