"""The fake Square as a real HTTP server: Square's auth, validation against the official schemas,
error shape, idempotency and versions, signed webhooks, and faults on command."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from posfakes.square.server import DEFAULT_TOKEN, FakeSquare

AUTH = {"authorization": f"Bearer {DEFAULT_TOKEN}", "square-version": "2025-08-20"}


def test_retrieve_an_order_rung_up_on_the_pos(square):
    order = square.create_order("LOC1", reference_id="table-4")
    answer = httpx.get(f"{square.url}/v2/orders/{order['id']}", headers=AUTH)
    assert answer.status_code == 200 and answer.headers["square-version"] == "2025-08-20"
    got = answer.json()["order"]
    assert got["id"] == order["id"] and got["version"] == 1 and got["line_items"][1]["quantity"] == "2"
    missing = httpx.get(f"{square.url}/v2/orders/NOPE", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NOT_FOUND"


def test_auth_and_version_headers(square):
    no_token = httpx.get(f"{square.url}/v2/orders/X")
    assert no_token.status_code == 401
    assert no_token.json() == {"errors": [{"category": "AUTHENTICATION_ERROR", "code": "UNAUTHORIZED",
                                           "detail": "This request could not be authorized."}]}
    wrong = httpx.get(f"{square.url}/v2/orders/X", headers={"authorization": "Bearer other"})
    assert wrong.status_code == 401 and wrong.json()["errors"][0]["code"] == "ACCESS_TOKEN_EXPIRED"
    bad_version = httpx.get(f"{square.url}/v2/orders/X", headers={**AUTH, "square-version": "latest"})
    assert bad_version.json()["errors"][0]["code"] == "INVALID_SQUARE_VERSION_FORMAT"
    assert square.requests[-1]["headers"]["authorization"] == "Bearer ***"   # the log keeps no token


def test_requests_are_validated_against_the_official_schema(square):
    bad = httpx.post(f"{square.url}/v2/orders/search", headers=AUTH, json={"location_ids": ["L"], "limit": "ten"})
    assert bad.status_code == 400
    [error] = bad.json()["errors"]
    assert error["category"] == "INVALID_REQUEST_ERROR" and error["code"] == "EXPECTED_INTEGER"
    assert error["field"] == "limit"
    missing = httpx.post(f"{square.url}/v2/orders/batch-retrieve", headers=AUTH, json={})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "order_ids"
    not_json = httpx.post(f"{square.url}/v2/orders/search", headers={**AUTH, "content-type": "application/json"},
                          content=b"{")
    assert not_json.json()["errors"][0]["code"] == "EXPECTED_JSON_BODY"


def test_search_pages_with_a_cursor_and_filters_by_update_time(square):
    for _ in range(3):
        square.create_order("LOC1")
    square.create_order("OTHER")
    first = httpx.post(f"{square.url}/v2/orders/search", headers=AUTH, json={"location_ids": ["LOC1"], "limit": 2})
    assert len(first.json()["orders"]) == 2 and first.json()["cursor"]
    rest = httpx.post(f"{square.url}/v2/orders/search", headers=AUTH,
                      json={"location_ids": ["LOC1"], "limit": 2, "cursor": first.json()["cursor"]})
    assert len(rest.json()["orders"]) == 1 and "cursor" not in rest.json()
    later = httpx.post(f"{square.url}/v2/orders/search", headers=AUTH, json={
        "location_ids": ["LOC1"], "query": {"filter": {"date_time_filter": {"updated_at": {"start_at": "2999-01-01T00:00:00Z"}}}}})
    assert later.json()["orders"] == []


def test_create_is_idempotent_by_key_and_updates_need_the_current_version(square):
    request = {"idempotency_key": "k-1", "order": {"location_id": "LOC1", "line_items": [
        {"name": "Fries", "quantity": "2", "base_price_money": {"amount": 350, "currency": "USD"}}]}}
    first = httpx.post(f"{square.url}/v2/orders", headers=AUTH, json=request).json()["order"]
    again = httpx.post(f"{square.url}/v2/orders", headers=AUTH, json=request).json()["order"]
    assert first["id"] == again["id"] and first["total_money"]["amount"] == 700
    reused = httpx.post(f"{square.url}/v2/orders", headers=AUTH, json={**request, "order": {"location_id": "LOC2"}})
    assert reused.status_code == 400 and reused.json()["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    stale = httpx.put(f"{square.url}/v2/orders/{first['id']}", headers=AUTH,
                      json={"idempotency_key": "u-1", "order": {"location_id": "LOC1", "version": 7, "state": "COMPLETED"}})
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "VERSION_MISMATCH"
    done = httpx.put(f"{square.url}/v2/orders/{first['id']}", headers=AUTH,
                     json={"idempotency_key": "u-2", "order": {"location_id": "LOC1", "version": 1, "state": "COMPLETED"}})
    assert done.status_code == 200 and done.json()["order"]["version"] == 2


def test_catalog_list_by_type(square):
    answer = httpx.get(f"{square.url}/v2/catalog/list", params={"types": "ITEM,TAX"}, headers=AUTH).json()
    assert {o["type"] for o in answer["objects"]} == {"ITEM", "TAX"}


def test_faults_on_command(square):
    square.inject(429, count=1, retry_after=2)
    limited = httpx.get(f"{square.url}/v2/catalog/list", headers=AUTH)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    assert limited.json()["errors"][0] == {"category": "RATE_LIMIT_ERROR", "code": "RATE_LIMITED",
                                           "detail": "Rate limit exceeded."}
    httpx.post(f"{square.url}/_fake/faults", json={"status": 503, "count": 2})
    assert [httpx.get(f"{square.url}/v2/catalog/list", headers=AUTH).status_code for _ in range(3)] == [503, 503, 200]
    square.inject(200, delay_s=1.0)
    with pytest.raises(httpx.TimeoutException):
        httpx.get(f"{square.url}/v2/catalog/list", headers=AUTH, timeout=0.2)


class Receiver:
    """A local webhook receiver recording what it got (real HTTP)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def test_signed_webhooks_duplicates_and_older_versions():
    fake, receiver = FakeSquare(), Receiver()
    fake.start()
    try:
        fake.subscribe("https://bridge.example/hook", "sig-key", deliver_to=receiver.url)
        order = fake.create_order("LOC1")
        sent = fake.notify(order["id"], times=3)
        assert sent["deliveries"] == [200, 200, 200]
        bodies = {body for _, body in receiver.received}
        assert len(bodies) == 1   # the same event, delivered three times
        headers, body = receiver.received[0]
        expected = base64.b64encode(hmac.new(b"sig-key", b"https://bridge.example/hook" + body,
                                             hashlib.sha256).digest()).decode()
        assert headers["x-square-hmacsha256-signature"] == expected
        event = json.loads(body)
        assert event["type"] == "order.created" and event["data"]["object"]["order_created"]["order_id"] == order["id"]
        fake.update_order(order["id"])
        older = fake.notify(order["id"], "order.updated", version=1)["event"]
        assert older["data"]["object"]["order_updated"]["version"] == 1
        bad = fake.notify(order["id"], "order.updated", bad_signature=True)
        assert receiver.received[-1][0]["x-square-hmacsha256-signature"] != expected and bad["deliveries"] == [200]
    finally:
        fake.stop()
        receiver.server.shutdown()


def test_answers_match_the_official_response_schemas(square):
    """What the fake answers (built from the spec's examples) validates against Square's response schemas."""
    import warnings

    from openapi_core.testing import MockRequest, MockResponse
    from posfakes.square.contract import _openapi

    order = square.create_order("LOC1")
    calls = [("get", f"/v2/orders/{order['id']}", None, {}),
             ("post", "/v2/orders/search", {"location_ids": ["LOC1"]}, {}),
             ("post", "/v2/orders/batch-retrieve", {"order_ids": [order["id"]]}, {}),
             ("post", "/v2/orders", {"idempotency_key": "r-1", "order": {"location_id": "LOC1"}}, {}),
             ("put", f"/v2/orders/{order['id']}", {"order": {"location_id": "LOC1", "version": 1, "state": "COMPLETED"}}, {}),
             ("get", "/v2/catalog/list", None, {"types": "ITEM,TAX,CATEGORY"}),
             ("get", "/v2/orders/NOPE", None, {})]
    for method, path, body, query in calls:
        answer = httpx.request(method, f"{square.url}{path}", headers=AUTH, json=body, params=query)
        assert answer.status_code == (404 if path.endswith("NOPE") else 200), answer.text
        request = MockRequest("https://connect.squareup.com", method, path, args=query,
                              data=json.dumps(body).encode() if body else None)
        # The spec documents only 200s; its response objects carry `errors: [Error]` too, so an error
        # body is checked against the same response schema.
        response = MockResponse(answer.content, status_code=200, content_type="application/json")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _openapi().validate_response(request, response)
    broken = MockResponse(json.dumps({"order": {"id": 7, "location_id": "L"}}).encode(), status_code=200,
                          content_type="application/json")
    with warnings.catch_warnings(), pytest.raises(Exception, match="(?i)invalid|valid"):
        warnings.simplefilter("ignore")
        _openapi().validate_response(MockRequest("https://connect.squareup.com", "get", "/v2/orders/X"), broken)


def test_a_fake_serves_for_its_with_block_and_no_longer():
    with FakeSquare() as fake:
        assert httpx.get(f"{fake.url}/v2/catalog/list", headers=AUTH).status_code == 200
        url = fake.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v2/catalog/list", headers=AUTH, timeout=2)
