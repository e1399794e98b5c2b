"""Square behind the PosProvider port: Orders and Catalog over HTTPS (`Authorization: Bearer`,
`Square-Version`), webhooks verified with the connection's signature key.

Implements pos_bridge.service_layer.ports.PosProvider (structurally: adapters never import the
service layer); every failure is a classified ProviderError."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime

import httpx

from pos_bridge.adapters.http_retry import RetryPolicy, call
from pos_bridge.adapters.square.mapping import event_from_square, menu_from_square, order_from_square
from pos_bridge.adapters.square.webhooks import SIGNATURE_HEADER, verify_square_signature
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import ChangePage, Menu, MenuChange, Order, OrderState, WebhookEvent

SQUARE_VERSION = "2025-08-20"   # the version of the pinned spec the mapping follows


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    """Square's `{"errors": [{category, code, detail, field}]}` as (message, code)."""
    try:
        first = (response.json().get("errors") or [{}])[0]
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}", None
    detail = " ".join(str(first.get(k)) for k in ("category", "code", "field", "detail") if first.get(k))
    return f"HTTP {response.status_code} {detail}", first.get("code")


class SquareProvider:
    name = "square"

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 10.0,
                 retry: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client or httpx.Client(timeout=timeout)
        self.retry, self.sleep = retry, sleep

    def _request(self, connection: ProviderConnection, method: str, path: str, **kwargs) -> dict:
        headers = {"authorization": f"Bearer {connection.credentials.get('access_token', '')}",
                   "square-version": SQUARE_VERSION, "accept": "application/json"}
        url = connection.api_base_url.rstrip("/") + path
        response = call(lambda: self.client.request(method, url, headers=headers, **kwargs), _describe,
                        self.retry, self.sleep)
        return response.json()

    # ---------------------------------------------------------------- the port
    def connect(self, connection: ProviderConnection) -> None:
        self._request(connection, "POST", "/v2/orders/search",
                      json={"location_ids": [connection.external_location_id], "limit": 1, "return_entries": True})

    def credentials_due(self, connection: ProviderConnection, now: datetime) -> bool:
        return False   # personal access tokens do not expire (OAuth refresh comes with the token lifecycle)

    def refresh_credentials(self, connection: ProviderConnection) -> dict:
        # Square's OAuth refresh (POST /oauth2/token, grant_type=refresh_token) comes with the token
        # lifecycle; personal access tokens (what connections hold today) do not expire.
        return dict(connection.credentials)

    def pull_menu(self, connection: ProviderConnection, cursor: str | None = None) -> Menu:
        params = {"types": "ITEM,TAX"} | ({"cursor": cursor} if cursor else {})
        page = self._request(connection, "GET", "/v2/catalog/list", params=params)
        return menu_from_square(page.get("objects", []), page.get("cursor"))

    def push_menu_change(self, connection: ProviderConnection, change: MenuChange) -> None:
        raise ProviderError("VALIDATION", "menu writes to Square (batch-upsert) are not built yet")

    def fetch_order(self, connection: ProviderConnection, order_id: str) -> Order:
        answer = self._request(connection, "GET", f"/v2/orders/{order_id}")
        return order_from_square(answer["order"])

    def push_order_status(self, connection: ProviderConnection, order_id: str, state: OrderState,
                          expected_version: int | None, idempotency_key: str) -> Order:
        body = {"idempotency_key": idempotency_key,
                "order": {"location_id": connection.external_location_id, "version": expected_version,
                          "state": state.value}}
        return order_from_square(self._request(connection, "PUT", f"/v2/orders/{order_id}", json=body)["order"])

    def list_changes(self, connection: ProviderConnection, since_cursor: str | None) -> ChangePage:
        body: dict = {"location_ids": [connection.external_location_id], "limit": 100,
                      "query": {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}}}
        if since_cursor:
            body["cursor"] = since_cursor
        answer = self._request(connection, "POST", "/v2/orders/search", json=body)
        return ChangePage(tuple(order_from_square(o) for o in answer.get("orders", [])), answer.get("cursor"))

    def verify_webhook(self, connection: ProviderConnection, headers: Mapping[str, str], raw_body: bytes) -> bool:
        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
        return verify_square_signature(connection.signature_key, connection.notification_url, raw_body, signature)

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[WebhookEvent]:
        from chassis.errors import InvalidInput

        try:
            envelope = json.loads(raw_body)
        except ValueError:
            raise InvalidInput("must be JSON", field="body") from None
        if not isinstance(envelope, dict):
            raise InvalidInput("must be a JSON object", field="body")
        return [event_from_square(envelope)]

    def webhook_handshake(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        return None   # Square verifies a subscription by its signed events alone
