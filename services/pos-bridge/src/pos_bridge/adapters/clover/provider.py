"""Clover behind the PosProvider port: REST API v3 over HTTPS (`Authorization: Bearer`, a
`User-Agent` product/version), OAuth v2 token refresh, app webhooks checked with `X-Clover-Auth`.

Limits: Clover allows 5 requests in flight and 16 per second per token; a Throttle per connection
keeps this process under both, and a 429 (Retry-After honoured) is retried by http_retry.
Refresh tokens are single use: `refresh_credentials` is called by the service layer holding the
connection's row lock, so one refresh per connection runs at a time and its result is stored
(sealed) before the new access token is used. A refresh is never retried blindly: a refresh that
reached Clover has spent the old token even if its answer was lost."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

import httpx

from pos_bridge.adapters.clover.mapping import menu_from_clover, order_from_clover
from pos_bridge.adapters.clover.webhooks import AUTH_HEADER, events_from_clover, verification_code, verify_clover_auth
from pos_bridge.adapters.http_retry import RetryPolicy, call
from pos_bridge.adapters.throttle import Throttles
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import ChangePage, Menu, MenuChange, Order, OrderState, WebhookEvent

USER_AGENT = "AuraConnect-pos-bridge/0.1"
ORDER_EXPAND = "lineItems,lineItems.modifications,lineItems.taxRates,discounts,payments"
PAGE = 100
MAX_PAGES = 5                    # per list_changes call; the cursor resumes the rest next poll
FIRST_LOOKBACK_MS = 86_400_000   # a connection's first poll looks back one day
OVERLAP_MS = 60_000              # re-read the last minute: an order saved late still shows up
REFRESH_MARGIN_S = 300           # refresh an access token this long before it expires


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    """Clover's v3 error body `{"message": ...}` (unverified shape) as (message, code)."""
    try:
        body = response.json()
        message = body.get("message") if isinstance(body, dict) else None
    except ValueError:
        message = None
    limit = next((f"{k}={v}" for k, v in response.headers.items() if k.lower().startswith("x-ratelimit-")), None)
    return " ".join(filter(None, [f"HTTP {response.status_code}", message, limit])), None


class CloverProvider:
    name = "clover"

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 10.0,
                 retry: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, concurrent: int = 5, per_second: int = 16) -> None:
        self.client = client or httpx.Client(timeout=timeout)
        self.retry, self.sleep, self.clock = retry, sleep, clock
        self.throttles = Throttles(concurrent, per_second)

    def _request(self, connection: ProviderConnection, method: str, path: str, **kwargs) -> dict:
        headers = {"authorization": f"Bearer {connection.credentials.get('access_token', '')}",
                   "accept": "application/json", "user-agent": USER_AGENT}
        url = connection.api_base_url.rstrip("/") + path
        throttle = self.throttles(connection.connection_id)

        def send() -> httpx.Response:
            with throttle.slot():
                return self.client.request(method, url, headers=headers, **kwargs)

        return call(send, _describe, self.retry, self.sleep).json()

    def _merchant(self, connection: ProviderConnection) -> str:
        return f"/v3/merchants/{connection.external_merchant_id}"

    # ---------------------------------------------------------------- the port
    def connect(self, connection: ProviderConnection) -> None:
        self._request(connection, "GET", self._merchant(connection))

    def credentials_due(self, connection: ProviderConnection, now: datetime) -> bool:
        """An OAuth access token about to expire, with a refresh token to renew it."""
        credentials = connection.credentials
        expires = credentials.get("access_token_expiration")
        if not credentials.get("refresh_token") or not expires:
            return False
        try:
            return float(expires) - REFRESH_MARGIN_S <= now.timestamp()
        except ValueError:
            return True

    def refresh_credentials(self, connection: ProviderConnection) -> dict:
        """POST /oauth/v2/refresh {client_id, refresh_token}: a new access token and a new refresh token
        (the old one is spent). Credentials without a refresh token come back unchanged."""
        credentials = dict(connection.credentials)
        if not credentials.get("refresh_token"):
            return credentials
        if not credentials.get("client_id"):
            raise ProviderError("AUTH", "a Clover refresh needs credentials.client_id")
        url = connection.api_base_url.rstrip("/") + "/oauth/v2/refresh"
        body = {"client_id": credentials["client_id"], "refresh_token": credentials["refresh_token"]}
        answer = call(lambda: self.client.post(url, json=body, headers={"user-agent": USER_AGENT}), _describe,
                      RetryPolicy(attempts=1), self.sleep).json()
        for key in ("access_token", "refresh_token"):
            if not isinstance(answer.get(key), str) or not answer[key]:
                raise ProviderError("TRANSIENT", f"Clover's refresh answer has no {key}")
        return credentials | {key: str(answer[key]) for key in (
            "access_token", "access_token_expiration", "refresh_token", "refresh_token_expiration") if key in answer}

    def pull_menu(self, connection: ProviderConnection, cursor: str | None = None) -> Menu:
        offset = int(cursor or 0)
        items = self._request(connection, "GET", f"{self._merchant(connection)}/items", params={
            "expand": "taxRates,modifierGroups,categories", "limit": PAGE, "offset": offset}).get("elements", [])
        taxes = self._request(connection, "GET", f"{self._merchant(connection)}/tax_rates",
                              params={"limit": PAGE}).get("elements", []) if offset == 0 else []
        return menu_from_clover(items, taxes, str(offset + PAGE) if len(items) == PAGE else None)

    def push_menu_change(self, connection: ProviderConnection, change: MenuChange) -> None:
        """An 86 (or back) and / or a price: `POST /v3/merchants/{mId}/items/{itemId}` with the item's
        `available` flag and `price` (long cents). Clover items are merchant-wide: a merchant is one
        location, so that is the location's availability."""
        body: dict = {}
        if change.available is not None:
            body["available"] = change.available
        if change.price is not None:
            body["price"] = change.price.minor
        if body:
            self._request(connection, "POST", f"{self._merchant(connection)}/items/{change.item_id}", json=body)

    def fetch_order(self, connection: ProviderConnection, order_id: str) -> Order:
        data = self._request(connection, "GET", f"{self._merchant(connection)}/orders/{order_id}",
                             params={"expand": ORDER_EXPAND})
        return order_from_clover(data, connection.external_merchant_id)

    def push_order_status(self, connection: ProviderConnection, order_id: str, state: OrderState | str,
                          expected_version: int | None, idempotency_key: str) -> Order:
        """Clover orders know `open` and `locked` (closed for edits: paid) and nothing of a kitchen:
        COMPLETED locks the order (`POST .../orders/{id}` `{"state": "locked"}`); READY and CANCELED
        have no place in Clover's order (a cancel there is deleting the order or refunding its
        payments, not ours to decide): NOT_SUPPORTED."""
        target = str(getattr(state, "value", state))
        if target != "COMPLETED":
            raise ProviderError("NOT_SUPPORTED", f"Clover orders have no state for {target}")
        self._request(connection, "POST", f"{self._merchant(connection)}/orders/{order_id}",
                      json={"state": "locked"})
        return self.fetch_order(connection, order_id)

    def list_changes(self, connection: ProviderConnection, since_cursor: str | None) -> ChangePage:
        """Orders with modifiedTime >= the cursor (epoch ms), oldest first, up to MAX_PAGES pages. The
        next cursor is the newest modifiedTime seen when pages remain, else now less a minute."""
        now_ms = int(self.clock() * 1000)
        since = int(since_cursor) if since_cursor else now_ms - FIRST_LOOKBACK_MS
        orders: list[Order] = []
        for page in range(MAX_PAGES):
            elements = self._request(connection, "GET", f"{self._merchant(connection)}/orders", params={
                "filter": f"modifiedTime>={since}", "orderBy": "modifiedTime ASC", "expand": ORDER_EXPAND,
                "limit": PAGE, "offset": page * PAGE}).get("elements", [])
            orders += [order_from_clover(o, connection.external_merchant_id) for o in elements]
            if len(elements) < PAGE:
                newest = max([since, now_ms - OVERLAP_MS] + [o.version or 0 for o in orders])
                return ChangePage(tuple(orders), str(newest))
        return ChangePage(tuple(orders), str(max([since] + [o.version or 0 for o in orders])))

    def verify_webhook(self, connection: ProviderConnection, headers: Mapping[str, str], raw_body: bytes) -> bool:
        return verify_clover_auth(connection.signature_key, dict(headers))

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[WebhookEvent]:
        return events_from_clover(raw_body)

    def webhook_handshake(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        """Clover's one-time endpoint verification: `{"verificationCode"}` and no X-Clover-Auth."""
        if any(k.lower() == AUTH_HEADER for k in headers):
            return None
        return verification_code(raw_body)
