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
from pos_bridge.domain.model import ChangePage, Menu, MenuChange, Order, WebhookEvent

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
        params = {"types": "ITEM,TAX,CATEGORY"} | ({"cursor": cursor} if cursor else {})
        page = self._request(connection, "GET", "/v2/catalog/list", params=params)
        return menu_from_square(page.get("objects", []), page.get("cursor"), connection.external_location_id)

    def push_menu_change(self, connection: ProviderConnection, change: MenuChange) -> None:
        """An 86 (or back) and / or a price, by UpsertCatalogObject on the ITEM at its current version.
        Square ignores an application setting `sold_out` (spec: ItemVariationLocationOverrides), so an
        86 at a location is the item's `absent_at_location_ids` naming the connection's location; back
        is leaving it out again. A version race (409 VERSION_MISMATCH) is re-read and retried once."""
        for attempt in (1, 2):
            item = self._request(connection, "GET", f"/v2/catalog/object/{change.item_id}")["object"]
            updated = apply_menu_change(item, change, connection.external_location_id)
            if updated is None:
                return   # Square holds this already
            key = f"aura-menu-{change.item_id}-{item.get('version')}-{change.available}-{change.price}"[:128]
            try:
                self._request(connection, "POST", "/v2/catalog/object", json={"idempotency_key": key,
                                                                              "object": updated})
                return
            except ProviderError as error:
                if error.kind != "CONFLICT" or attempt == 2:
                    raise

    def fetch_order(self, connection: ProviderConnection, order_id: str) -> Order:
        answer = self._request(connection, "GET", f"/v2/orders/{order_id}")
        return order_from_square(answer["order"])

    def push_order_status(self, connection: ProviderConnection, order_id: str, state: str,
                          expected_version: int | None, idempotency_key: str) -> Order:
        """UpdateOrder (sparse, at the order's version): COMPLETED / CANCELED as the order's state, READY
        (the kitchen is done) as its fulfillments' state PREPARED. Without `expected_version` the
        current order is read first (and once more after a version race); an order already there is
        left alone. Square refuses changes to COMPLETED / CANCELED orders (VALIDATION) and READY on an
        order without fulfillments has nowhere to go (NOT_SUPPORTED)."""
        target = str(getattr(state, "value", state))
        if expected_version is not None:
            body = {"idempotency_key": idempotency_key, "order": {
                "location_id": connection.external_location_id, "version": expected_version, "state": target}}
            return order_from_square(self._request(connection, "PUT", f"/v2/orders/{order_id}", json=body)["order"])
        for attempt in (1, 2):
            current = self._request(connection, "GET", f"/v2/orders/{order_id}")["order"]
            sparse = status_update(current, target)
            if sparse is None:
                return order_from_square(current)   # already there
            sparse.update(location_id=connection.external_location_id, version=current.get("version"))
            body = {"idempotency_key": f"{idempotency_key}:{current.get('version')}"[:192], "order": sparse}
            try:
                return order_from_square(self._request(connection, "PUT", f"/v2/orders/{order_id}",
                                                       json=body)["order"])
            except ProviderError as error:
                if error.kind != "CONFLICT" or attempt == 2:
                    raise
        raise AssertionError("unreachable")

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


def status_update(order: dict, target: str) -> dict | None:
    """The sparse order that moves a Square order to `target` (COMPLETED, CANCELED, READY), or None
    when it is there already. Raises ProviderError when Square cannot take it."""
    state = order.get("state")
    fulfillments = order.get("fulfillments") or []
    if target == "READY":
        if state in ("COMPLETED", "CANCELED"):
            return None   # past ready already
        if not fulfillments:
            raise ProviderError("NOT_SUPPORTED", "the Square order has no fulfillment to mark PREPARED")
        if all(f.get("state") in ("PREPARED", "COMPLETED") for f in fulfillments):
            return None
        return {"fulfillments": [{"uid": f["uid"], "state": "PREPARED"} for f in fulfillments if f.get("uid")]}
    if state == target:
        return None
    if state in ("COMPLETED", "CANCELED"):
        raise ProviderError("VALIDATION", f"the Square order is {state}: it cannot become {target}")
    if target not in ("COMPLETED", "CANCELED"):
        raise ProviderError("NOT_SUPPORTED", f"Square has no order state for {target}")
    return {"state": target}


def apply_menu_change(item: dict, change: MenuChange, location_id: str) -> dict | None:
    """The catalog ITEM to upsert for `change` at `location_id`, or None when Square holds it already."""
    import copy

    updated = copy.deepcopy(item)
    changed = False
    if change.available is not None:
        absent = list(updated.get("absent_at_location_ids") or [])
        if change.available and location_id in absent:
            absent, changed = [x for x in absent if x != location_id], True
        elif not change.available and location_id not in absent:
            absent, changed = absent + [location_id], True
            if updated.get("present_at_location_ids"):
                updated["present_at_location_ids"] = [x for x in updated["present_at_location_ids"] if x != location_id]
        updated["absent_at_location_ids"] = absent
    if change.price is not None:
        for variation in (updated.get("item_data") or {}).get("variations") or []:
            if change.variation_id in (None, variation.get("id")):
                data = variation.setdefault("item_variation_data", {})
                money = {"amount": change.price.minor, "currency": change.price.currency}
                if data.get("price_money") != money:
                    data["pricing_type"], data["price_money"], changed = "FIXED_PRICING", money, True
    if not changed:
        return None
    updated.pop("updated_at", None)   # read-only: Square sets it
    return updated
