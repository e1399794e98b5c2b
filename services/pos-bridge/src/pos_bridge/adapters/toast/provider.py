"""Toast behind the PosProvider port: orders v2 and menus v3 over HTTPS with a machine-client login.

Auth: `POST /authentication/v1/authentication/login {clientId, clientSecret, userAccessType:
TOAST_MACHINE_CLIENT}` gives a bearer token valid `expiresIn` seconds and no refresh token. The token
is cached in this process per (API host, client id) until shortly before it expires; one login at a
time per client (a lock), and a 401 logs in again once (unless another thread already replaced the
token that failed). Every restaurant call carries `Toast-Restaurant-External-ID` (the connection's
external_location_id, the restaurant GUID). 429s carry Retry-After, honoured by http_retry."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import httpx

from pos_bridge.adapters.http_retry import RetryPolicy, call
from pos_bridge.adapters.timefmt import from_epoch_ms, to_epoch_ms
from pos_bridge.adapters.toast.mapping import menu_from_toast, order_from_toast, time_out
from pos_bridge.adapters.toast.webhooks import SIGNING_BODY_TIMESTAMP, event_from_toast, verify_toast_signature
from pos_bridge.domain.connection import ProviderConnection
from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.model import ChangePage, Menu, MenuChange, Order, OrderState, WebhookEvent

LOGIN_PATH = "/authentication/v1/authentication/login"
PAGE = 100
MAX_PAGES = 10
FIRST_LOOKBACK = timedelta(days=1)
OVERLAP = timedelta(minutes=1)
EXPIRY_MARGIN_S = 60


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    """Toast's `{status, code, message, fieldName, requestId, ...}` as (message, code)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}", None
    parts = [f"HTTP {response.status_code}", body.get("message"), body.get("fieldName"), body.get("requestId")]
    return " ".join(str(p) for p in parts if p), str(body.get("code")) if body.get("code") is not None else None


class ToastProvider:
    name = "toast"

    def __init__(self, client: httpx.Client | None = None, *, timeout: float = 10.0,
                 retry: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, signing: str = SIGNING_BODY_TIMESTAMP) -> None:
        self.client = client or httpx.Client(timeout=timeout)
        self.retry, self.sleep, self.clock, self.signing = retry, sleep, clock, signing
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._login_locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self.logins = 0

    # ---------------------------------------------------------------- the token
    def _key(self, connection: ProviderConnection) -> tuple[str, str]:
        return connection.api_base_url.rstrip("/"), connection.credentials.get("client_id", "")

    def _token(self, connection: ProviderConnection, replacing: str | None = None) -> str:
        """The cached token, or a new login. `replacing`: the token Toast just refused."""
        key = self._key(connection)
        with self._guard:
            lock = self._login_locks.setdefault(key, threading.Lock())
        with lock:   # one login per client at a time: the others wait and take its token
            cached = self._tokens.get(key)
            if cached and cached[0] != replacing and cached[1] - EXPIRY_MARGIN_S > self.clock():
                return cached[0]
            token, expires_in = self._login(connection)
            self._tokens[key] = (token, self.clock() + expires_in)
            return token

    def _login(self, connection: ProviderConnection) -> tuple[str, float]:
        body = {"clientId": connection.credentials.get("client_id", ""),
                "clientSecret": connection.credentials.get("client_secret", ""),
                "userAccessType": "TOAST_MACHINE_CLIENT"}
        url = connection.api_base_url.rstrip("/") + LOGIN_PATH
        answer = call(lambda: self.client.post(url, json=body), _describe, self.retry, self.sleep).json()
        token = (answer.get("token") or {}) if isinstance(answer, dict) else {}
        if not isinstance(token.get("accessToken"), str) or not token["accessToken"]:
            raise ProviderError("AUTH", "Toast's login answer has no token")
        self.logins += 1
        return token["accessToken"], float(token.get("expiresIn") or 3600)

    def _request(self, connection: ProviderConnection, method: str, path: str, **kwargs):
        token = self._token(connection)
        try:
            return self._send(connection, token, method, path, **kwargs)
        except ProviderError as error:
            if error.kind != "AUTH" or error.status != 401:
                raise
        return self._send(connection, self._token(connection, replacing=token), method, path, **kwargs)

    def _send(self, connection: ProviderConnection, token: str, method: str, path: str, **kwargs):
        headers = {"authorization": f"Bearer {token}", "accept": "application/json",
                   "toast-restaurant-external-id": connection.external_location_id}
        url = connection.api_base_url.rstrip("/") + path
        return call(lambda: self.client.request(method, url, headers=headers, **kwargs), _describe,
                    self.retry, self.sleep).json()

    # ---------------------------------------------------------------- the port
    def connect(self, connection: ProviderConnection) -> None:
        self._request(connection, "GET", "/menus/v3/metadata")

    def credentials_due(self, connection: ProviderConnection, now: datetime) -> bool:
        return False   # client credentials do not change; the login token lives in this process

    def refresh_credentials(self, connection: ProviderConnection) -> dict:
        self._token(connection, replacing=self._tokens.get(self._key(connection), ("", 0))[0])
        return dict(connection.credentials)

    def pull_menu(self, connection: ProviderConnection, cursor: str | None = None) -> Menu:
        restaurant = self._request(connection, "GET", "/menus/v3/menus")
        return menu_from_toast(restaurant)

    def push_menu_change(self, connection: ProviderConnection, change: MenuChange) -> None:
        # The menus API is read-only (menus/v3 GET only); Toast's stock API (86 by item) is not built.
        raise ProviderError("NOT_SUPPORTED", "Toast's menus API is read-only")

    def fetch_order(self, connection: ProviderConnection, order_id: str) -> Order:
        data = self._request(connection, "GET", f"/orders/v2/orders/{order_id}")
        return order_from_toast(data, connection.external_location_id)

    def push_order_status(self, connection: ProviderConnection, order_id: str, state: OrderState,
                          expected_version: int | None, idempotency_key: str) -> Order:
        # Toast's orders API adds to an order (selections, payments) but has no kitchen-ready or
        # closed state a partner can set: the change is recorded as not supported, never faked.
        raise ProviderError("NOT_SUPPORTED", f"Toast's orders API cannot set {getattr(state, 'value', state)}")

    def list_changes(self, connection: ProviderConnection, since_cursor: str | None) -> ChangePage:
        """ordersBulk: orders modified in [cursor, now) (the cursor is epoch ms), page by page. The next
        cursor is the newest modifiedDate seen when pages remain, else now less a minute."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        since = from_epoch_ms(int(since_cursor)) if since_cursor else now - FIRST_LOOKBACK
        end = now + timedelta(seconds=1)   # exclusive, in whole ms: an order saved this instant is in
        orders: list[Order] = []
        for page in range(1, MAX_PAGES + 1):
            batch = self._request(connection, "GET", "/orders/v2/ordersBulk", params={
                "startDate": time_out(since), "endDate": time_out(end), "pageSize": PAGE, "page": page})
            orders += [order_from_toast(o, connection.external_location_id) for o in batch or []]
            if len(batch or []) < PAGE:
                newest = max([since, now - OVERLAP] + [o.updated_at for o in orders])
                return ChangePage(tuple(orders), str(to_epoch_ms(newest)))
        return ChangePage(tuple(orders), str(to_epoch_ms(max([since] + [o.updated_at for o in orders]))))

    def verify_webhook(self, connection: ProviderConnection, headers: Mapping[str, str], raw_body: bytes) -> bool:
        return verify_toast_signature(connection.signature_key, dict(headers), raw_body, self.signing)

    def parse_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> list[WebhookEvent]:
        return [event_from_toast(raw_body)]

    def webhook_handshake(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        return None

