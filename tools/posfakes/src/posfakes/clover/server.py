"""A fake Clover, as a real HTTP server on loopback: the REST API v3 calls pos-bridge makes, Clover's
OAuth v2 token refresh (single-use refresh tokens), its per-token limits, app webhooks with the
one-time verification POST and `X-Clover-Auth`, and faults on command.

Clover publishes no machine-readable spec: the contract here is written by hand from the reference
notes (shared/reference/pos-apis.md) and the field names of Clover's Android SDK v3 classes (Order,
LineItem, Modification, TaxRate, Item), so it is lower-confidence than the Square and Toast fakes.
What is checked: `Authorization: Bearer` (known, unexpired, for this merchant), the merchant id,
`expand` names, `filter` syntax (`modifiedTime>=<ms>`), `limit` (<= 1000) and `offset`, JSON bodies
and their required fields. Errors are `{"message": ...}` (Clover's v3 error body is unverified).

Clover API:
    GET  /v3/merchants/{mId}                              the merchant (connect)
    GET  /v3/merchants/{mId}/orders/{orderId}?expand=     one order, collections as {"elements": [...]}
    GET  /v3/merchants/{mId}/orders?filter=modifiedTime>=<ms>&limit=&offset=&expand=
    GET  /v3/merchants/{mId}/items?expand=taxRates,modifierGroups,categories&limit=&offset=
    GET  /v3/merchants/{mId}/tax_rates ; GET /v3/merchants/{mId}/modifier_groups?expand=modifiers
    POST /oauth/v2/refresh {client_id, refresh_token}     a new access + refresh token; the old refresh
                                                          token is spent (a second use is 401)
    Limits per token: 5 requests in flight (429, `retry-after: 1`, X-RateLimit-tokenConcurrentLimit)
    and 16 per second (429, X-RateLimit-tokenLimit).

Control API (JSON, under /_fake/, no auth; the same operations are methods):
    (also POST /v3/merchants/{mId}/items/{itemId} {available?, hidden?, price?, name?} and
     POST /v3/merchants/{mId}/orders/{orderId} {state?, note?, title?}: the outbound sync's writes)
    POST /_fake/tokens {access_token, merchant_id?, expires_in?}     accept a token
    POST /_fake/refresh_tokens {refresh_token, client_id, merchant_id?}
    POST /_fake/orders {merchant_id?, line_items: [{name, price, quantity?, item_id?, modifications?}],
                        external_reference_id?}                      -> the order (a sale on the POS)
    POST /_fake/orders/{id}/update {state?}                          -> the order, modifiedTime later
    POST /_fake/orders/{id}/line_items {name, price, quantity?, item_id?}   -> the order (units added)
    DELETE /_fake/orders/{id}/line_items/{lineItemId}                -> the order (a unit removed)
    POST /_fake/orders/{id}/payments {amount, tip_amount?, tender?: cash|credit_card, card_type?, last4?,
                                      result?}                       -> the payment (taken on the device)
    POST /_fake/subscriptions {url, auth_code?}  -> sends the verificationCode POST; {"verification_code"}
    POST /_fake/orders/{id}/notify {type?, ts?, times?, bad_auth?}   -> {"deliveries": [...]}
    POST /_fake/faults {status, count?, retry_after?, delay_s?, path_prefix?} ; DELETE /_fake/faults
    POST /_fake/latency {seconds} ; GET /_fake/requests ; GET /_fake/stats ; POST /_fake/reset
"""
from __future__ import annotations

import copy
import json
import re
import secrets
import time
from collections import defaultdict, deque

from posfakes.base import FakeHttpError, FakePos, Fault

DEFAULT_MERCHANT = "FAKEMERCHANT1"
DEFAULT_TOKEN = "fake-clover-access-token"   # noqa: S105 - a fake's well-known test token
APP_ID = "FAKEAPP000001"
CONCURRENT_PER_TOKEN = 5
PER_SECOND_PER_TOKEN = 16
ORDER_EXPANDS = {"lineItems", "lineItems.modifications", "lineItems.taxRates", "payments", "discounts",
                 "employee", "customers", "serviceCharge", "orderType"}
ITEM_EXPANDS = {"taxRates", "modifierGroups", "categories", "tags", "itemStock"}
FILTER = re.compile(r"(modifiedTime|createdTime|clientCreatedTime)(>=|<=|>|<|=)(\d+)")
NINETY_DAYS_MS = 90 * 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def clover_id() -> str:
    """Clover ids are 13 characters of [0-9A-Z]."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(13))


def error(status: int, message: str, headers: dict[str, str] | None = None) -> FakeHttpError:
    return FakeHttpError(status, {"message": message}, headers)


class FakeClover(FakePos):
    name = "clover"

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.merchants = {DEFAULT_MERCHANT: {"id": DEFAULT_MERCHANT, "name": "Fake Clover Diner"}}
            self.tokens: dict[str, dict] = {DEFAULT_TOKEN: {"merchant": DEFAULT_MERCHANT, "expires": None}}
            self.refresh_tokens: dict[str, dict] = {}
            self.orders: dict[str, dict] = {}
            self.items, self.tax_rates, self.modifier_groups = _seed_menu()
            self.webhook: dict | None = None
            self.access_ttl_s = 1800
            self.in_flight: dict[str, int] = defaultdict(int)
            self.max_in_flight: dict[str, int] = defaultdict(int)
            self.recent: dict[str, deque] = defaultdict(deque)
            self.refreshes = 0
            self.clock = time.monotonic   # the per-second window's clock (a test may freeze it)
            self.limited = 0    # 429s answered for a limit (not injected)

    # ------------------------------------------------------------------ state, controlled by tests
    def add_token(self, token: str, merchant_id: str = DEFAULT_MERCHANT, expires_in: float | None = None) -> None:
        with self.lock:
            self.merchants.setdefault(merchant_id, {"id": merchant_id, "name": f"Merchant {merchant_id}"})
            self.tokens[token] = {"merchant": merchant_id,
                                  "expires": None if expires_in is None else time.time() + expires_in}

    def add_refresh_token(self, refresh_token: str, client_id: str, merchant_id: str = DEFAULT_MERCHANT) -> None:
        with self.lock:
            self.refresh_tokens[refresh_token] = {"client_id": client_id, "merchant": merchant_id, "used": False,
                                                  "expires": time.time() + 365 * 86_400}

    def create_order(self, line_items: list[dict], merchant_id: str = DEFAULT_MERCHANT,
                     external_reference_id: str | None = None, currency: str = "USD") -> dict:
        """A sale rung up on the Clover device: one line item per unit, as Clover records it."""
        stamp = now_ms()
        order_id = clover_id()
        lines = [line for spec in line_items for line in self._units(order_id, spec, stamp)]
        subtotal = sum(line["price"] + sum(m["amount"] for m in (line.get("modifications") or {}).get("elements", []))
                       for line in lines)
        tax = sum(round(line["price"] * t["rate"] / 10_000_000)
                  for line in lines for t in (line.get("taxRates") or {}).get("elements", []))
        order = {"id": order_id, "currency": currency, "total": subtotal + tax, "taxRemoved": False, "isVat": False,
                 "state": "open", "manualTransaction": False, "groupLineItems": True, "testMode": False,
                 "payType": "FULL", "createdTime": stamp, "clientCreatedTime": stamp, "modifiedTime": stamp,
                 "merchant": {"id": merchant_id}, "lineItems": {"elements": lines}}
        if external_reference_id:
            order["externalReferenceId"] = external_reference_id
        with self.lock:
            self.orders[order_id] = order
        return copy.deepcopy(order)

    def _units(self, order_id: str, spec: dict, stamp: int) -> list[dict]:
        """One line item per unit of `spec`, as Clover records a sale."""
        lines = []
        for _ in range(int(spec.get("quantity", 1))):
            line = {"id": clover_id(), "orderRef": {"id": order_id}, "name": spec["name"],
                    "price": int(spec["price"]), "printed": False, "createdTime": stamp,
                    "orderClientCreatedTime": stamp, "exchanged": False, "refunded": False, "isRevenue": True}
            if spec.get("item_id"):
                line["item"] = {"id": spec["item_id"]}
            if spec.get("note"):
                line["note"] = spec["note"]
            if spec.get("modifications"):
                line["modifications"] = {"elements": [
                    {"id": clover_id(), "name": m["name"], "amount": int(m.get("amount", 0)),
                     **({"modifier": {"id": m["modifier_id"]}} if m.get("modifier_id") else {})}
                    for m in spec["modifications"]]}
            taxes = [t for t in self.tax_rates if t["id"] in spec.get("tax_rate_ids", [])]
            if taxes:
                line["taxRates"] = {"elements": [{"id": t["id"], "name": t["name"], "rate": t["rate"]}
                                                 for t in taxes]}
            lines.append(line)
        return lines

    def _changed(self, order: dict) -> dict:
        """The order's total recomputed and its modifiedTime strictly later (under the lock)."""
        lines = order.get("lineItems", {}).get("elements", [])
        subtotal = sum(line["price"] + sum(m["amount"] for m in (line.get("modifications") or {}).get("elements", []))
                       for line in lines)
        tax = sum(round(line["price"] * t["rate"] / 10_000_000)
                  for line in lines for t in (line.get("taxRates") or {}).get("elements", []))
        order["total"] = subtotal + tax
        order["modifiedTime"] = max(now_ms(), order["modifiedTime"] + 1)
        return copy.deepcopy(order)

    def add_line(self, order_id: str, spec: dict) -> dict:
        """Units added to the order on the device (each its own line item)."""
        with self.lock:
            order = self.orders[order_id]
            order.setdefault("lineItems", {"elements": []})["elements"] += self._units(order_id, spec, now_ms())
            return self._changed(order)

    def remove_line(self, order_id: str, line_item_id: str) -> dict:
        with self.lock:
            order = self.orders[order_id]
            elements = order.get("lineItems", {}).get("elements", [])
            if not any(line["id"] == line_item_id for line in elements):
                raise error(404, f"line item {line_item_id} not found")
            order["lineItems"]["elements"] = [line for line in elements if line["id"] != line_item_id]
            return self._changed(order)

    def pay(self, order_id: str, amount: int, tip_amount: int = 0, tender: str = "credit_card",
            card_type: str = "VISA", last4: str = "1111", result: str = "SUCCESS") -> dict:
        """A payment taken on the device: Clover's Payment (`amount` without the tip), on the order."""
        stamp = now_ms()
        payment = {"id": clover_id(), "order": {"id": order_id}, "amount": int(amount), "tipAmount": int(tip_amount),
                   "taxAmount": 0, "result": result, "createdTime": stamp, "clientCreatedTime": stamp,
                   "tender": {"id": clover_id(), "labelKey": f"com.clover.tender.{tender}",
                              "label": "Cash" if tender == "cash" else "Credit Card"}}
        if tender != "cash":
            payment["cardTransaction"] = {"cardType": card_type, "last4": last4, "type": "AUTH", "state": "CLOSED"}
        with self.lock:
            order = self.orders[order_id]
            order.setdefault("payments", {"elements": []})["elements"].append(payment)
            order["paymentState"] = "PAID" if sum(p["amount"] for p in order["payments"]["elements"]
                                                   if p["result"] == "SUCCESS") >= order["total"] else "PARTIALLY_PAID"
            self._changed(order)
        return copy.deepcopy(payment)

    def update_order(self, order_id: str, state: str | None = None, note: str | None = None) -> dict:
        with self.lock:
            order = self.orders[order_id]
            if state is not None:
                order["state"] = state
            if note is not None:
                order["note"] = note
            order["modifiedTime"] = max(now_ms(), order["modifiedTime"] + 1)   # strictly later
            return copy.deepcopy(order)

    def _update_item(self, item_id: str, changes: dict) -> dict:
        """POST /v3/merchants/{mId}/items/{itemId}: the item's fields sent (available, hidden, price, name)."""
        allowed = {"available", "hidden", "price", "name"}
        if set(changes) - allowed:
            raise error(400, f"fields the fake does not update: {sorted(set(changes) - allowed)}")
        with self.lock:
            item = next((i for i in self.items if i["id"] == item_id), None)
            if item is None:
                raise error(404, f"item {item_id} not found")
            item.update(changes)
            item["modifiedTime"] = max(now_ms(), int(item.get("modifiedTime", 0)) + 1)
            return copy.deepcopy(item)

    def subscribe(self, url: str, auth_code: str | None = None) -> dict:
        """Register the app's webhook URL: Clover POSTs a one-time verificationCode (no auth header);
        afterwards every notification carries the app's static X-Clover-Auth code."""
        code = secrets.token_hex(16)
        with self.lock:
            self.webhook = {"url": url, "auth_code": auth_code or secrets.token_hex(20), "verification_code": code}
        statuses = self.deliver(url, json.dumps({"verificationCode": code}).encode(), {}, kind="verification")
        return {"verification_code": code, "auth_code": self.webhook["auth_code"], "deliveries": statuses}

    def notification(self, order_id: str, event_type: str = "UPDATE", ts: int | None = None) -> dict:
        with self.lock:
            order = self.orders[order_id]
            merchant = order["merchant"]["id"]
            stamp = order["modifiedTime"] if ts is None else ts
        return {"appId": APP_ID, "merchants": {merchant: [{"objectId": f"O:{order_id}", "type": event_type,
                                                           "ts": stamp}]}}

    def send(self, body: dict, times: int = 1, bad_auth: bool = False) -> list[int]:
        with self.lock:
            webhook = dict(self.webhook or {})
        if not webhook:
            raise KeyError("no webhook subscribed")
        auth = "not-the-auth-code" if bad_auth else webhook["auth_code"]
        return self.deliver(webhook["url"], json.dumps(body).encode(), {"x-clover-auth": auth}, times,
                            kind="notification")

    def notify(self, order_id: str, event_type: str = "UPDATE", ts: int | None = None, times: int = 1,
               bad_auth: bool = False) -> dict:
        body = self.notification(order_id, event_type, ts)
        return {"event": body, "deliveries": self.send(body, times, bad_auth)}

    def stats(self) -> dict:
        with self.lock:
            return {"max_in_flight": dict(self.max_in_flight), "limited": self.limited, "refreshes": self.refreshes}

    # ------------------------------------------------------------------ limits
    def begin(self, headers: dict[str, str]) -> object:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not token or token not in self.tokens:
            return None   # refused by the auth check; not counted
        with self.lock:
            window = self.recent[token]
            moment = self.clock()
            while window and moment - window[0] > 1.0:
                window.popleft()
            if len(window) >= PER_SECOND_PER_TOKEN:
                self.limited += 1
                raise error(429, "Too many requests", {"X-RateLimit-tokenLimit": str(PER_SECOND_PER_TOKEN)})
            if self.in_flight[token] >= CONCURRENT_PER_TOKEN:
                self.limited += 1
                raise error(429, "Too many concurrent requests", {
                    "retry-after": "1", "X-RateLimit-tokenConcurrentLimit": str(CONCURRENT_PER_TOKEN)})
            window.append(moment)
            self.in_flight[token] += 1
            self.max_in_flight[token] = max(self.max_in_flight[token], self.in_flight[token])
        return token

    def end(self, token: object) -> None:
        if token is not None:
            with self.lock:
                self.in_flight[token] -= 1

    def fault_error(self, fault: Fault) -> FakeHttpError:
        headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.status == 429:
            return error(429, "Too many requests", headers | {"X-RateLimit-tokenLimit": str(PER_SECOND_PER_TOKEN)})
        return error(fault.status, "Injected failure", headers)

    # ------------------------------------------------------------------ the Clover API
    def handle_api(self, method, path, query, headers, body):
        if method == "POST" and path == "/oauth/v2/refresh":
            return 200, self._refresh(_json_body(body, headers, ("client_id", "refresh_token"))), {}
        m = re.fullmatch(r"/v3/merchants/([^/]+)(/.*)?", path)
        if not m:
            raise error(404, f"{method} {path} is not served by the fake")
        merchant, rest = m.group(1), m.group(2) or ""
        self._check_auth(headers, merchant)
        limit, offset = _paging(query)
        if method == "GET" and rest == "":
            return 200, dict(self.merchants[merchant], href=f"/v3/merchants/{merchant}"), {}
        if method == "GET" and (o := re.fullmatch(r"/orders/([0-9A-Z]+)", rest)):
            return 200, self._order(merchant, o.group(1), _expand(query, ORDER_EXPANDS)), {}
        if method == "GET" and rest == "/orders":
            return 200, self._orders(merchant, query, limit, offset, _expand(query, ORDER_EXPANDS)), {}
        if method == "GET" and rest == "/items":
            expand = _expand(query, ITEM_EXPANDS)
            with self.lock:
                items = [_item_view(i, expand, self.tax_rates, self.modifier_groups) for i in self.items]
            return 200, {"elements": items[offset:offset + limit]}, {}
        if method == "POST" and (i := re.fullmatch(r"/items/([0-9A-Z]+)", rest)):
            return 200, self._update_item(i.group(1), _json_body(body, headers, ())), {}
        if method == "POST" and (o := re.fullmatch(r"/orders/([0-9A-Z]+)", rest)):
            changes = _json_body(body, headers, ())
            if set(changes) - {"state", "note", "title"}:
                raise error(400, f"fields the fake does not update: {sorted(set(changes) - {'state', 'note', 'title'})}")
            self._order(merchant, o.group(1), set())   # 404 when unknown
            return 200, self.update_order(o.group(1), changes.get("state"), changes.get("note")), {}
        if method == "GET" and rest == "/tax_rates":
            with self.lock:
                return 200, {"elements": copy.deepcopy(self.tax_rates)[offset:offset + limit]}, {}
        if method == "GET" and rest == "/modifier_groups":
            expand = _expand(query, {"modifiers", "items"})
            with self.lock:
                groups = [{k: v for k, v in g.items() if k != "modifiers" or "modifiers" in expand}
                          for g in copy.deepcopy(self.modifier_groups)]
            return 200, {"elements": groups[offset:offset + limit]}, {}
        raise error(404, f"{method} {path} is not served by the fake")

    def _check_auth(self, headers: dict[str, str], merchant: str) -> None:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            raise error(401, "401 Unauthorized")
        with self.lock:
            grant = self.tokens.get(auth.removeprefix("Bearer ").strip())
            known = merchant in self.merchants
        if grant is None or (grant["expires"] is not None and grant["expires"] < time.time()):
            raise error(401, "401 Unauthorized")
        if not known or grant["merchant"] != merchant:
            raise error(401, "401 Unauthorized: the token is not for this merchant")

    def _refresh(self, payload: dict) -> dict:
        with self.lock:
            grant = self.refresh_tokens.get(payload["refresh_token"])
            if grant is None or grant["used"] or grant["client_id"] != payload["client_id"] \
                    or grant["expires"] < time.time():
                raise error(401, "Invalid or already used refresh token")
            grant["used"] = True   # single use: Clover refresh tokens are spent by one refresh
            access, refresh = f"clover-at-{secrets.token_hex(12)}", f"clover-rt-{secrets.token_hex(12)}"
            expires = int(time.time() + self.access_ttl_s)
            self.tokens[access] = {"merchant": grant["merchant"], "expires": expires}
            self.refresh_tokens[refresh] = {"client_id": grant["client_id"], "merchant": grant["merchant"],
                                            "used": False, "expires": time.time() + 365 * 86_400}
            self.refreshes += 1
        return {"access_token": access, "access_token_expiration": expires, "refresh_token": refresh,
                "refresh_token_expiration": int(time.time() + 365 * 86_400)}

    def _order(self, merchant: str, order_id: str, expand: set[str]) -> dict:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None or order["merchant"]["id"] != merchant:
                raise error(404, f"Order {order_id} not found")
            return _order_view(order, expand)

    def _orders(self, merchant: str, query: dict, limit: int, offset: int, expand: set[str]) -> dict:
        filters = [query["filter"]] if query.get("filter") else []
        tests = []
        for text in filters:
            parsed = FILTER.fullmatch(text.replace(" ", ""))
            if not parsed:
                raise error(400, f"Invalid filter: {text}")
            field, op, value = parsed.group(1), parsed.group(2), int(parsed.group(3))
            tests.append((field, op, value))
        if not tests:   # unfiltered order reads are limited to the last 90 days
            tests.append(("createdTime", ">=", now_ms() - NINETY_DAYS_MS))
        ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
               "<": lambda a, b: a < b, "=": lambda a, b: a == b}
        with self.lock:
            found = [o for o in self.orders.values() if o["merchant"]["id"] == merchant
                     and all(ops[op](o.get(field, 0), value) for field, op, value in tests)]
            descending = query.get("orderBy", "").replace("+", " ").endswith("DESC")
            key = query.get("orderBy", "modifiedTime").split(" ")[0] or "modifiedTime"
            found.sort(key=lambda o: (o.get(key, 0), o["id"]), reverse=descending)
            page = [_order_view(o, expand) for o in found[offset:offset + limit]]
        return {"elements": page, "href": f"/v3/merchants/{merchant}/orders?limit={limit}"}

    # ------------------------------------------------------------------ control
    def control(self, method, path, payload):
        if method == "POST" and path == "/_fake/tokens":
            self.add_token(payload["access_token"], payload.get("merchant_id", DEFAULT_MERCHANT),
                           payload.get("expires_in"))
            return 200, {"ok": True}
        if method == "POST" and path == "/_fake/refresh_tokens":
            self.add_refresh_token(payload["refresh_token"], payload["client_id"],
                                   payload.get("merchant_id", DEFAULT_MERCHANT))
            return 200, {"ok": True}
        if method == "POST" and path == "/_fake/orders":
            return 200, self.create_order(payload["line_items"], payload.get("merchant_id", DEFAULT_MERCHANT),
                                          payload.get("external_reference_id"))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/update", path)):
            return 200, self.update_order(m.group(1), payload.get("state"), payload.get("note"))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/line_items", path)):
            return 200, self.add_line(m.group(1), payload)
        if method == "DELETE" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/line_items/([^/]+)", path)):
            return 200, self.remove_line(m.group(1), m.group(2))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/payments", path)):
            return 200, self.pay(m.group(1), int(payload["amount"]), int(payload.get("tip_amount", 0)),
                                 payload.get("tender", "credit_card"), payload.get("card_type", "VISA"),
                                 payload.get("last4", "1111"), payload.get("result", "SUCCESS"))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/notify", path)):
            return 200, self.notify(m.group(1), payload.get("type", "UPDATE"), payload.get("ts"),
                                    int(payload.get("times", 1)), bool(payload.get("bad_auth")))
        if method == "POST" and path == "/_fake/subscriptions":
            return 200, self.subscribe(payload["url"], payload.get("auth_code"))
        if method == "GET" and path == "/_fake/stats":
            return 200, self.stats()
        return None


def _json_body(body: bytes, headers: dict[str, str], required: tuple[str, ...]) -> dict:
    if "json" not in headers.get("content-type", ""):
        raise error(415, "Content-Type must be application/json")
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        raise error(400, "The body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise error(400, "The body must be a JSON object")
    for name in required:
        if not isinstance(payload.get(name), str) or not payload[name]:
            raise error(400, f"Missing required field: {name}")
    return payload


def _paging(query: dict) -> tuple[int, int]:
    try:
        limit, offset = int(query.get("limit", 100)), int(query.get("offset", 0))
    except ValueError:
        raise error(400, "limit and offset must be integers") from None
    if not 1 <= limit <= 1000 or offset < 0:
        raise error(400, "limit must be 1..1000 and offset >= 0")
    return limit, offset


def _expand(query: dict, allowed: set[str]) -> set[str]:
    names = {n.strip() for n in query.get("expand", "").split(",") if n.strip()}
    if unknown := names - allowed:
        raise error(400, f"Invalid expand: {', '.join(sorted(unknown))}")
    return names


def _order_view(order: dict, expand: set[str]) -> dict:
    view = copy.deepcopy(order)
    view["href"] = f"/v3/merchants/{order['merchant']['id']}/orders/{order['id']}"
    if "payments" not in expand:
        view.pop("payments", None)
    if "lineItems" not in expand:
        view.pop("lineItems", None)
        return view
    for line in (view.get("lineItems") or {}).get("elements", []):
        if "lineItems.modifications" not in expand:
            line.pop("modifications", None)
        if "lineItems.taxRates" not in expand:
            line.pop("taxRates", None)
    return view


def _item_view(item: dict, expand: set[str], tax_rates: list[dict], groups: list[dict]) -> dict:
    view = {k: v for k, v in copy.deepcopy(item).items() if not k.startswith("_")}
    if "taxRates" in expand:
        view["taxRates"] = {"elements": [copy.deepcopy(t) for t in tax_rates if t["id"] in item["_tax_ids"]]}
    if "modifierGroups" in expand:
        view["modifierGroups"] = {"elements": [{"id": g["id"], "name": g["name"]} for g in groups
                                               if g["id"] in item["_group_ids"]]}
    if "categories" in expand:
        view["categories"] = {"elements": [{"id": "CAT0000000001", "name": "Mains"}]}
    return view


def _seed_menu() -> tuple[list[dict], list[dict], list[dict]]:
    stamp = 1_700_000_000_000
    taxes = [{"id": "TAX0000000001", "name": "Sales tax", "rate": 797500, "isDefault": True}]
    groups = [{"id": "MODGRP0000001", "name": "Cheese", "minRequired": 0, "maxAllowed": 2, "modifiers": {
        "elements": [{"id": "MOD0000000001", "name": "Cheddar", "price": 100},
                     {"id": "MOD0000000002", "name": "Swiss", "price": 125}]}}]
    items = [
        {"id": "ITEM000000001", "name": "Cheeseburger", "price": 1099, "priceType": "FIXED", "defaultTaxRates": True,
         "hidden": False, "available": True, "sku": "BURG-1", "code": "0001", "modifiedTime": stamp,
         "_tax_ids": ["TAX0000000001"], "_group_ids": ["MODGRP0000001"]},
        {"id": "ITEM000000002", "name": "Fries", "price": 399, "priceType": "FIXED", "defaultTaxRates": True,
         "hidden": False, "available": True, "sku": "FRY-1", "code": "0002", "modifiedTime": stamp,
         "_tax_ids": ["TAX0000000001"], "_group_ids": []},
        {"id": "ITEM000000003", "name": "Market fish", "price": 0, "priceType": "VARIABLE", "defaultTaxRates": True,
         "hidden": False, "available": False, "modifiedTime": stamp, "_tax_ids": [], "_group_ids": []},
    ]
    return items, taxes, groups
