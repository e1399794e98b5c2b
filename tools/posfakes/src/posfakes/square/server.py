"""A fake Square, as a real HTTP server on loopback: the Orders and Catalog calls pos-bridge makes,
Square's auth, versions, idempotency keys and error shape, signed webhooks, and faults on command.

Square API (validated against the official OpenAPI schemas, see contract.py):
    GET  /v2/orders/{order_id}        POST /v2/orders/batch-retrieve     POST /v2/orders/search
    POST /v2/orders (idempotency_key)  PUT  /v2/orders/{order_id} (version must match: 409 VERSION_MISMATCH)
    GET  /v2/catalog/list?types=&cursor=
    GET  /v2/catalog/object/{object_id}    POST /v2/catalog/object (UpsertCatalogObject: version must match,
                                           409 VERSION_MISMATCH; the object's version moves on)
    Every call needs `Authorization: Bearer <token>` (401 UNAUTHORIZED otherwise); `Square-Version`,
    when sent, must be YYYY-MM-DD (400 INVALID_SQUARE_VERSION_FORMAT).

Control API (JSON, under /_fake/, no auth; the same operations are methods on FakeSquare):
    POST /_fake/tokens {access_token}                       accept another token
    POST /_fake/subscriptions {notification_url, signature_key, deliver_to?}
    POST /_fake/orders {location_id, reference_id?, line_items?}   -> the order (a POS sale)
    POST /_fake/orders/{id}/update {state?, line_items?}    -> the order, version + 1 (line_items: the
                                                            whole new list: lines added, removed, changed)
    POST /_fake/orders/{id}/notify {type?, version?, times?, bad_signature?, event_id?}
                                                            -> {"event": ..., "deliveries": [status...]}
    POST /_fake/faults {status, count?, retry_after?, delay_s?, path_prefix?}   429 / 5xx / slow answers
    DELETE /_fake/faults ; GET /_fake/requests ; POST /_fake/reset
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import uuid
from datetime import UTC, datetime

from posfakes.base import FakePos, Fault
from posfakes.square.contract import SQUARE_VERSION, VERSION_FORMAT, SquareError, schema_example, validate
from posfakes.square.signing import SIGNATURE_HEADER, sign

DEFAULT_TOKEN = "fake-square-access-token"  # noqa: S105 - a fake's well-known test token
PAGE_SIZE = 100


def now_rfc3339() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id(length: int = 27) -> str:
    return uuid.uuid4().hex.upper()[:length]


def order_event(order: dict, event_type: str = "order.created", version: int | None = None,
                event_id: str | None = None) -> dict:
    """A thin event about `order` in Square's envelope (the spec's OrderCreated/UpdatedEvent example);
    a function too, so a load generator in another process builds events from the orders it made."""
    created = event_type == "order.created"
    event = schema_example("OrderCreatedEvent" if created else "OrderUpdatedEvent")
    key = "order_created" if created else "order_updated"
    inner = {"order_id": order["id"], "location_id": order["location_id"], "state": order["state"],
             "version": order.get("version") if version is None else version,
             "created_at": order["created_at"]}
    if not created:
        inner["updated_at"] = order["updated_at"]
    event.update(event_id=event_id or str(uuid.uuid4()), created_at=now_rfc3339(), type=event_type)
    event["data"] = {"type": "order", "id": order["id"], "object": {key: inner}}
    return event


class FakeSquare(FakePos):
    name = "square"
    fault_prefix = "/v2/"
    response_headers = {"square-version": SQUARE_VERSION}

    # ------------------------------------------------------------------ state, controlled by tests
    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.tokens = {DEFAULT_TOKEN}
            self.orders: dict[str, dict] = {}
            self.catalog: list[dict] = _seed_catalog()
            self.subscriptions: list[dict] = []
            self.idempotency: dict[str, tuple[str, dict]] = {}

    def add_token(self, token: str) -> None:
        with self.lock:
            self.tokens.add(token)

    def subscribe(self, notification_url: str, signature_key: str, deliver_to: str | None = None) -> dict:
        subscription = {"notification_url": notification_url, "signature_key": signature_key,
                        "deliver_to": deliver_to or notification_url}
        with self.lock:
            self.subscriptions.append(subscription)
        return subscription

    def create_order(self, location_id: str, reference_id: str | None = None,
                     line_items: list[dict] | None = None) -> dict:
        """A sale rung up on the POS: the spec's CreateOrderResponse example with new ids and times."""
        order = schema_example("CreateOrderResponse")["order"]
        stamp = now_rfc3339()
        order.update(id=new_id(), location_id=location_id, created_at=stamp, updated_at=stamp, version=1,
                     state="OPEN")
        if reference_id is not None:
            order["reference_id"] = reference_id
        if line_items is not None:
            order["line_items"] = line_items
        with self.lock:
            self.orders[order["id"]] = order
        return copy.deepcopy(order)

    def update_order(self, order_id: str, **changes) -> dict:
        with self.lock:
            order = self.orders[order_id]
            order.update({k: v for k, v in changes.items() if v is not None})
            order["version"] = order.get("version", 0) + 1
            order["updated_at"] = now_rfc3339()
            if order.get("state") in ("COMPLETED", "CANCELED"):
                order.setdefault("closed_at", order["updated_at"])
            return copy.deepcopy(order)

    def order_event(self, order_id: str, event_type: str = "order.created", version: int | None = None,
                    event_id: str | None = None) -> dict:
        """A thin order event in Square's envelope (the spec's OrderCreated/UpdatedEvent example)."""
        with self.lock:
            order = copy.deepcopy(self.orders[order_id])
        return order_event(order, event_type, version, event_id)

    def send(self, event: dict, times: int = 1, bad_signature: bool = False, timeout: float = 10.0) -> list[int]:
        """POST `event` (signed) to every subscription, `times` times (a duplicate delivery). The status
        codes answered, in order; a connection failure is 0."""
        body = json.dumps(event, separators=(",", ":")).encode()
        with self.lock:
            subscriptions = list(self.subscriptions)
        statuses = []
        for subscription in subscriptions:
            signature = sign("not-the-key" if bad_signature else subscription["signature_key"],
                             subscription["notification_url"], body)
            statuses += self.deliver(subscription["deliver_to"], body, {
                SIGNATURE_HEADER: signature, "square-environment": "Sandbox", "user-agent": "Square Connect v2"},
                times, timeout, event_id=event.get("event_id"), type=event.get("type"))
        return statuses

    def notify(self, order_id: str, event_type: str = "order.created", version: int | None = None,
               times: int = 1, bad_signature: bool = False, event_id: str | None = None) -> dict:
        event = self.order_event(order_id, event_type, version, event_id)
        return {"event": event, "deliveries": self.send(event, times, bad_signature)}

    # ------------------------------------------------------------------ the Square API
    def handle_api(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                   body: bytes) -> tuple[int, dict, dict[str, str]]:
        self._check_auth(headers)
        version = headers.get("square-version")
        if version is not None and not VERSION_FORMAT.fullmatch(version):
            raise SquareError(400, "INVALID_REQUEST_ERROR", "INVALID_SQUARE_VERSION_FORMAT",
                              "Square-Version must be YYYY-MM-DD.", "Square-Version")
        validate(method.lower(), path, query, body, headers.get("content-type", ""))
        payload = json.loads(body) if body else {}
        if method == "GET" and (m := re.fullmatch(r"/v2/orders/([^/]+)", path)) and m.group(1) not in (
                "search", "batch-retrieve"):
            return 200, {"order": self._order(m.group(1))}, {}
        if method == "POST" and path == "/v2/orders/batch-retrieve":
            with self.lock:
                found = [copy.deepcopy(self.orders[i]) for i in payload["order_ids"] if i in self.orders]
            return 200, {"orders": found}, {}
        if method == "POST" and path == "/v2/orders/search":
            return 200, self._search(payload), {}
        if method == "POST" and path == "/v2/orders":
            return self._idempotent(payload, lambda: self._create(payload))
        if method == "PUT" and (m := re.fullmatch(r"/v2/orders/([^/]+)", path)):
            return self._idempotent(payload, lambda: self._update(m.group(1), payload))
        if method == "GET" and path == "/v2/catalog/list":
            return 200, self._catalog_page(query), {}
        if method == "GET" and (m := re.fullmatch(r"/v2/catalog/object/([^/]+)", path)):
            return 200, {"object": self._catalog_object(m.group(1))}, {}
        if method == "POST" and path == "/v2/catalog/object":
            return self._idempotent(payload, lambda: self._upsert_catalog_object(payload["object"]))
        raise SquareError(404, "INVALID_REQUEST_ERROR", "NOT_FOUND", f"{method} {path} is not served by the fake.")

    def _check_auth(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            raise SquareError(401, "AUTHENTICATION_ERROR", "UNAUTHORIZED",
                              "This request could not be authorized.")
        with self.lock:
            known = auth.removeprefix("Bearer ").strip() in self.tokens
        if not known:
            raise SquareError(401, "AUTHENTICATION_ERROR", "ACCESS_TOKEN_EXPIRED",
                              "The access token is expired or unknown.")

    def _order(self, order_id: str) -> dict:
        with self.lock:
            if order_id not in self.orders:
                raise SquareError(404, "INVALID_REQUEST_ERROR", "NOT_FOUND", f"Order {order_id} not found.",
                                  "order_id")
            return copy.deepcopy(self.orders[order_id])

    def _search(self, payload: dict) -> dict:
        locations = set(payload.get("location_ids") or [])
        query = payload.get("query") or {}
        states = set(((query.get("filter") or {}).get("state_filter") or {}).get("states") or [])
        since = (((query.get("filter") or {}).get("date_time_filter") or {}).get("updated_at") or {}).get("start_at")
        with self.lock:
            found = [o for o in self.orders.values() if (not locations or o["location_id"] in locations)
                     and (not states or o["state"] in states) and (since is None or o["updated_at"] >= since)]
            found = sorted(copy.deepcopy(found), key=lambda o: (o["updated_at"], o["id"]))
        start = int(payload.get("cursor") or 0)
        limit = payload.get("limit") or 500
        page = found[start:start + limit]
        answer: dict = {"order_entries": [{"order_id": o["id"], "location_id": o["location_id"],
                                           "version": o.get("version")} for o in page]} \
            if payload.get("return_entries") else {"orders": page}
        if start + limit < len(found):
            answer["cursor"] = str(start + limit)
        return answer

    def _idempotent(self, payload: dict, act) -> tuple[int, dict, dict[str, str]]:
        key = payload.get("idempotency_key")
        if not key:
            return 200, act(), {}
        fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        with self.lock:
            if key in self.idempotency:
                seen, answer = self.idempotency[key]
                if seen != fingerprint:
                    raise SquareError(400, "INVALID_REQUEST_ERROR", "IDEMPOTENCY_KEY_REUSED",
                                      "The idempotency key was used with another request.", "idempotency_key")
                return 200, copy.deepcopy(answer), {}
            answer = act()
            self.idempotency[key] = (fingerprint, copy.deepcopy(answer))
            return 200, answer, {}

    def _create(self, payload: dict) -> dict:
        order = copy.deepcopy(payload["order"])
        stamp = now_rfc3339()
        order.update(id=new_id(), created_at=stamp, updated_at=stamp, version=1, state=order.get("state", "OPEN"))
        total = sum(int(line.get("base_price_money", {}).get("amount", 0)) * int(float(line.get("quantity", "1")))
                    for line in order.get("line_items", []))
        order.setdefault("total_money", {"amount": total, "currency": "USD"})
        with self.lock:
            self.orders[order["id"]] = order
        return {"order": copy.deepcopy(order)}

    def _update(self, order_id: str, payload: dict) -> dict:
        sparse = payload.get("order") or {}
        with self.lock:
            order = self._order(order_id)
            if order.get("state") in ("COMPLETED", "CANCELED"):
                raise SquareError(400, "INVALID_REQUEST_ERROR", "BAD_REQUEST",
                                  "Completed or canceled orders cannot be updated.", "order.state")
            if sparse.get("version") != order.get("version"):
                raise SquareError(409, "INVALID_REQUEST_ERROR", "VERSION_MISMATCH",
                                  f"Order version {sparse.get('version')} is not the current "
                                  f"{order.get('version')}.", "order.version")
            changes = {k: v for k, v in sparse.items() if k not in ("version", "id", "location_id")}
            updated = self.update_order(order_id, **changes)
        if self.subscriptions:   # Square notifies an update made through the API too
            threading.Thread(target=self.notify, args=(order_id, "order.updated"), daemon=True).start()
        return {"order": updated}

    def _catalog_object(self, object_id: str) -> dict:
        with self.lock:
            found = next((o for o in self.catalog if o["id"] == object_id), None)
        if found is None:
            raise SquareError(404, "INVALID_REQUEST_ERROR", "NOT_FOUND", f"Object {object_id} not found.", "object_id")
        return copy.deepcopy(found)

    def _upsert_catalog_object(self, sent: dict) -> dict:
        """An existing object replaced (its version must be the current one); ids starting with '#' are new."""
        with self.lock:
            index = next((i for i, o in enumerate(self.catalog) if o["id"] == sent["id"]), None)
            stored = copy.deepcopy(sent)
            if index is None:
                if not sent["id"].startswith("#"):
                    raise SquareError(404, "INVALID_REQUEST_ERROR", "NOT_FOUND", f"Object {sent['id']} not found.",
                                      "object.id")
                stored["id"] = new_id(24)
            elif sent.get("version") != self.catalog[index].get("version"):
                raise SquareError(409, "INVALID_REQUEST_ERROR", "VERSION_MISMATCH",
                                  f"Object version {sent.get('version')} is not the current "
                                  f"{self.catalog[index].get('version')}.", "object.version")
            stored["version"] = (self.catalog[index].get("version", 0) if index is not None else 0) + 1
            stored["updated_at"] = now_rfc3339()
            stored.setdefault("is_deleted", False)
            if index is None:
                self.catalog.append(stored)
            else:
                self.catalog[index] = stored
            return {"catalog_object": copy.deepcopy(stored)}

    def _catalog_page(self, query: dict[str, str]) -> dict:
        types = {t.strip().upper() for t in query.get("types", "").split(",") if t.strip()}
        with self.lock:
            objects = [copy.deepcopy(o) for o in self.catalog if not types or o["type"] in types]
        start = int(query.get("cursor") or 0)
        answer: dict = {"objects": objects[start:start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(objects):
            answer["cursor"] = str(start + PAGE_SIZE)
        return answer

    # ------------------------------------------------------------------ faults and control
    def fault_error(self, fault: Fault) -> SquareError:
        headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.status == 429:
            return SquareError(429, "RATE_LIMIT_ERROR", "RATE_LIMITED", "Rate limit exceeded.", headers=headers)
        codes = {500: "INTERNAL_SERVER_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT"}
        return SquareError(fault.status, "API_ERROR", codes.get(fault.status, "INTERNAL_SERVER_ERROR"),
                           "Injected failure.", headers=headers)

    def control(self, method: str, path: str, payload: dict) -> tuple[int, object] | None:
        if method == "POST" and path == "/_fake/tokens":
            self.add_token(payload["access_token"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_fake/subscriptions":
            return 200, self.subscribe(payload["notification_url"], payload["signature_key"],
                                       payload.get("deliver_to"))
        if method == "POST" and path == "/_fake/orders":
            return 200, self.create_order(payload["location_id"], payload.get("reference_id"),
                                          payload.get("line_items"))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/update", path)):
            return 200, self.update_order(m.group(1), state=payload.get("state"), line_items=payload.get("line_items"))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/notify", path)):
            return 200, self.notify(m.group(1), payload.get("type", "order.created"), payload.get("version"),
                                    int(payload.get("times", 1)), bool(payload.get("bad_signature")),
                                    payload.get("event_id"))
        return None


def _seed_catalog() -> list[dict]:
    """The spec's ListCatalog example (a category and a tax) and the items the order example sells."""
    objects = schema_example("ListCatalogResponse")["objects"]
    stamp = "2020-01-17T20:47:53.293Z"
    for item_id, variation_id, name, variation, price in (
            ("XSTEAK0ITEM00000000000001", "BEMYCSMIJL46OCDV4KYIKXIB", "New York Steak", "Larger", 2200),
            ("XSTRIP0ITEM00000000000002", "XSTRIP0VAR000000000000002", "New York Strip Steak", "Regular", 1599)):
        objects.append({"type": "ITEM", "id": item_id, "version": 1, "updated_at": stamp, "is_deleted": False,
                        "present_at_all_locations": True, "item_data": {
                            "name": name, "tax_ids": ["L5R47DGBZOOVKCAFIXC56AEN"],
                            "categories": [{"id": "5ZYQZZ2IECPVJ2IJ5KQPRDC3"}],
                            "variations": [{"type": "ITEM_VARIATION", "id": variation_id, "version": 1,
                                            "item_variation_data": {"item_id": item_id, "name": variation,
                                                                    "pricing_type": "FIXED_PRICING",
                                                                    "price_money": {"amount": price,
                                                                                    "currency": "USD"}}}]}})
    return objects
