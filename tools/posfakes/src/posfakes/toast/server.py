"""A fake Toast, as a real HTTP server on loopback: client-credential login, the orders v2 and menus
v3 reads pos-bridge makes, `Toast-Restaurant-External-ID`, signed `order_updated` webhooks carrying
the full order, and faults on command.

Every request is checked against Toast's Swagger specs (contract.py); orders are built from the
spec's POST /orders response example. Toast API:
    POST /authentication/v1/authentication/login {clientId, clientSecret, userAccessType}
         -> {token: {tokenType: "Bearer", accessToken, expiresIn}, status: "SUCCESS"}; 401 otherwise
    GET  /orders/v2/orders/{guid}                          one order
    GET  /orders/v2/ordersBulk?startDate&endDate&pageSize&page   orders modified in [start, end)
    GET  /menus/v3/metadata ; GET /menus/v3/menus
    Each needs `Authorization: Bearer <token>` (401) and `Toast-Restaurant-External-ID` of a restaurant
    the client may read (400 when missing, 403 when another).

Webhooks: `order_updated` (new orders too) with the full Order in `details.order`, headers
Toast-Signature, Toast-Event-Type, Toast-Event-Category, Toast-Restaurant-External-ID,
Toast-Attempt-Number. The signature is base64(HMAC-SHA256(secret, raw body + the payload's
`timestamp`)), as Toast's guide describes it ("body and timestamp"); `signing="body"` signs the body
alone, the other reading of the docs, until a captured sandbox message settles it.

Control API (JSON, under /_fake/, no auth; the same operations are methods):
    POST /_fake/clients {client_id, client_secret}          accept another API client
    POST /_fake/tokens/expire                               every issued token stops working (401)
    POST /_fake/orders {restaurant_guid?, line_items: [{name, price, quantity?, item_guid?}], external_id?}
    POST /_fake/orders/{guid}/update {voided?, closed?}     -> the order, modifiedDate later
    POST /_fake/orders/{guid}/selections {name, price, quantity?}   -> the order (an item added)
    POST /_fake/orders/{guid}/selections/{selectionGuid}/void      -> the order (the selection voided)
    POST /_fake/orders/{guid}/payments {amount, tip_amount?, type?: CREDIT|CASH|OTHER, card_type?, last4?}
                                                            -> the order (a payment on its check)
    POST /_fake/subscriptions {url, secret}
    POST /_fake/orders/{guid}/notify {revision?, times?, bad_signature?, event_guid?}
         revision: which stored version to send (0 = the first; default the newest): an older one
         sent after a newer one is a reordered delivery
    POST /_fake/faults ; DELETE /_fake/faults ; POST /_fake/latency ; GET /_fake/requests ; POST /_fake/reset
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from posfakes.base import FakeHttpError, FakePos, Fault
from posfakes.toast.contract import example_order_response, operation, toast_error, validate

DEFAULT_CLIENT_ID = "fake-toast-client"
DEFAULT_CLIENT_SECRET = "fake-toast-secret"   # noqa: S105 - a fake's well-known test secret
DEFAULT_RESTAURANT = "7f2d5c1a-0b1e-4c8e-9a51-3f0f6c2e9d11"
SIGNATURE_HEADER = "toast-signature"


def toast_time(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_toast_time(text: str) -> datetime:
    return datetime.fromisoformat(re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00")))


def sign(secret: str, body: bytes, timestamp: str, signing: str = "body+timestamp") -> str:
    message = body + timestamp.encode() if signing == "body+timestamp" else body
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class FakeToast(FakePos):
    name = "toast"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, signing: str = "body+timestamp") -> None:
        self.signing = signing
        super().__init__(host, port)

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.clients = {DEFAULT_CLIENT_ID: {"secret": DEFAULT_CLIENT_SECRET, "restaurants": {DEFAULT_RESTAURANT}}}
            self.tokens: dict[str, dict] = {}
            self.token_ttl_s = 86_400
            self.logins = 0
            self.history: dict[str, list[dict]] = {}   # guid -> every version, oldest first
            self.restaurant_of: dict[str, str] = {}
            self.subscription: dict | None = None
            self.menu_updated = toast_time(datetime(2026, 1, 1, tzinfo=UTC))

    # ------------------------------------------------------------------ state, controlled by tests
    def add_client(self, client_id: str, client_secret: str, restaurants=(DEFAULT_RESTAURANT,)) -> None:
        with self.lock:
            self.clients[client_id] = {"secret": client_secret, "restaurants": set(restaurants)}

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def create_order(self, line_items: list[dict], restaurant_guid: str = DEFAULT_RESTAURANT,
                     external_id: str | None = None) -> dict:
        """An order rung up on the Toast POS, shaped like the spec's OrderResponse example."""
        order = example_order_response()
        now = datetime.now(UTC)
        stamp = toast_time(now)
        order.update(guid=str(uuid.uuid4()), externalId=external_id, createdDate=stamp, modifiedDate=stamp,
                     openedDate=stamp, businessDate=int(now.strftime("%Y%m%d")), source="In Store",
                     approvalStatus="APPROVED", deliveryInfo=None, closedDate=None, voided=False)
        [check] = order["checks"]
        selections, subtotal = [], Decimal(0)
        template = check["selections"][0]
        for spec in line_items:
            quantity = spec.get("quantity", 1)
            price = Decimal(str(spec["price"]))
            selection = copy.deepcopy(template)
            selection.update(guid=str(uuid.uuid4()), displayName=spec["name"], quantity=quantity,
                             receiptLinePrice=float(price), price=float(price * Decimal(str(quantity))),
                             preDiscountPrice=float(price * Decimal(str(quantity))), createdDate=stamp,
                             modifiedDate=stamp, modifiers=[], appliedTaxes=[], tax=0)
            selection["item"] = {"guid": spec.get("item_guid") or str(uuid.uuid4()), "entityType": "MenuItem",
                                 "externalId": None}
            selections.append(selection)
            subtotal += price * Decimal(str(quantity))
        check.update(guid=str(uuid.uuid4()), selections=selections, amount=float(subtotal),
                     totalAmount=float(subtotal), taxAmount=0, createdDate=stamp, modifiedDate=stamp,
                     openedDate=stamp, paymentStatus="OPEN", payments=[])
        with self.lock:
            self.history[order["guid"]] = [order]
            self.restaurant_of[order["guid"]] = restaurant_guid
        return copy.deepcopy(order)

    def update_order(self, guid: str, voided: bool | None = None, closed: bool | None = None) -> dict:
        """A new version of the order (its modifiedDate strictly later); the old ones stay in history."""
        with self.lock:
            order = copy.deepcopy(self.history[guid][-1])
            previous = parse_toast_time(order["modifiedDate"])
            moment = max(datetime.now(UTC), previous + timedelta(milliseconds=1))
            order["modifiedDate"] = toast_time(moment)
            if voided is not None:
                order["voided"] = voided
                order["voidDate"] = order["modifiedDate"] if voided else None
            if closed:
                order["closedDate"] = order["modifiedDate"]
                order["checks"][0]["paymentStatus"] = "CLOSED"
            self.history[guid].append(order)
            return copy.deepcopy(order)

    def _new_version(self, guid: str, change) -> dict:
        """The next version of the order: `change(order)` applied, modifiedDate strictly later."""
        with self.lock:
            order = copy.deepcopy(self.history[guid][-1])
            previous = parse_toast_time(order["modifiedDate"])
            order["modifiedDate"] = toast_time(max(datetime.now(UTC), previous + timedelta(milliseconds=1)))
            change(order)
            check = order["checks"][0]
            amount = sum(Decimal(str(s["price"])) for s in check["selections"] if not s.get("voided"))
            check.update(amount=float(amount), totalAmount=float(amount), modifiedDate=order["modifiedDate"])
            self.history[guid].append(order)
            return copy.deepcopy(order)

    def add_selection(self, guid: str, spec: dict) -> dict:
        """An item added to the order's check on the POS (a new selection guid)."""
        def change(order: dict) -> None:
            quantity, price = spec.get("quantity", 1), Decimal(str(spec["price"]))
            template = order["checks"][0]["selections"][0] if order["checks"][0]["selections"] else \
                example_order_response()["checks"][0]["selections"][0]
            selection = copy.deepcopy(template)
            selection.update(guid=str(uuid.uuid4()), displayName=spec["name"], quantity=quantity,
                             receiptLinePrice=float(price), price=float(price * Decimal(str(quantity))),
                             preDiscountPrice=float(price * Decimal(str(quantity))), createdDate=order["modifiedDate"],
                             modifiedDate=order["modifiedDate"], modifiers=[], appliedTaxes=[], tax=0, voided=False,
                             item={"guid": spec.get("item_guid") or str(uuid.uuid4()), "entityType": "MenuItem",
                                   "externalId": None})
            order["checks"][0]["selections"].append(selection)
        return self._new_version(guid, change)

    def void_selection(self, guid: str, selection_guid: str) -> dict:
        """A selection voided on the POS: Toast keeps it on the check with `voided: true`."""
        def change(order: dict) -> None:
            selection = next((s for s in order["checks"][0]["selections"] if s["guid"] == selection_guid), None)
            if selection is None:
                raise toast_error(404, f"selection {selection_guid} not found")
            selection.update(voided=True, voidDate=order["modifiedDate"])
        return self._new_version(guid, change)

    def pay(self, guid: str, amount: float, tip_amount: float = 0, payment_type: str = "CREDIT",
            card_type: str | None = "VISA", last4: str | None = "1111") -> dict:
        """A payment on the order's check (the spec's payment example, re-identified)."""
        def change(order: dict) -> None:
            check = order["checks"][0]
            payment = copy.deepcopy(example_order_response()["checks"][0]["payments"][0])
            credit = payment_type == "CREDIT"
            payment.update(guid=str(uuid.uuid4()), checkGuid=check["guid"], orderGuid=order["guid"],
                           paidDate=order["modifiedDate"], type=payment_type, amount=float(amount),
                           tipAmount=float(tip_amount), paymentStatus="CAPTURED" if credit else None,
                           cardType=card_type if credit else None, last4Digits=last4 if credit else None,
                           otherPayment=payment["otherPayment"] if payment_type == "OTHER" else None)
            check.setdefault("payments", []).append(payment)
            paid = sum(Decimal(str(p["amount"])) for p in check["payments"])
            check["paymentStatus"] = "PAID" if paid >= Decimal(str(check["totalAmount"])) else "OPEN"
        return self._new_version(guid, change)

    def subscribe(self, url: str, secret: str) -> dict:
        with self.lock:
            self.subscription = {"url": url, "secret": secret}
        return {"url": url}

    def order_event(self, guid: str, revision: int | None = None, event_guid: str | None = None) -> dict:
        with self.lock:
            versions = self.history[guid]
            order = copy.deepcopy(versions[-1 if revision is None else revision])
            restaurant = self.restaurant_of[guid]
        return {"timestamp": toast_time(datetime.now(UTC)), "eventCategory": "orders", "eventType": "order_updated",
                "guid": event_guid or str(uuid.uuid4()),
                "details": {"restaurantGuid": restaurant, "order": order}}

    def send(self, event: dict, times: int = 1, bad_signature: bool = False) -> list[int]:
        with self.lock:
            subscription = dict(self.subscription or {})
        if not subscription:
            raise KeyError("no webhook subscribed")
        body = json.dumps(event, separators=(",", ":")).encode()
        signature = sign("not-the-secret" if bad_signature else subscription["secret"], body, event["timestamp"],
                         self.signing)
        statuses = []
        for attempt in range(1, times + 1):
            statuses += self.deliver(subscription["url"], body, {
                "Toast-Signature": signature, "Toast-Event-Type": event["eventType"],
                "Toast-Event-Category": event["eventCategory"],
                "Toast-Restaurant-External-ID": event["details"]["restaurantGuid"],
                "Toast-Attempt-Number": str(attempt)}, event_guid=event["guid"])
        return statuses

    def notify(self, guid: str, revision: int | None = None, times: int = 1, bad_signature: bool = False,
               event_guid: str | None = None) -> dict:
        event = self.order_event(guid, revision, event_guid)
        return {"event": event, "deliveries": self.send(event, times, bad_signature)}

    # ------------------------------------------------------------------ the Toast API
    def fault_error(self, fault: Fault) -> FakeHttpError:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.status == 429:
            headers |= {"X-Toast-RateLimit-By": "restaurant", "X-Toast-RateLimit-Remaining": "0",
                        "X-Toast-RateLimit-Reset": str(fault.retry_after or 1)}
            return toast_error(429, "Rate limit exceeded", code=42900, headers=headers)
        return toast_error(fault.status, "Injected failure", headers=headers)

    def handle_api(self, method, path, query, headers, body):
        found = operation(path, method)
        if found is None:
            raise toast_error(404, f"{method} {path} is not served by the fake")
        base, template, op, params = found
        if template == "/authentication/login":
            payload = validate(base, op, query, headers, body)
            return 200, self._login(payload), {}
        self._check_auth(headers)
        validate(base, op, query, headers, body)
        restaurant = headers["toast-restaurant-external-id"]
        self._check_restaurant(headers, restaurant)
        if template == "/orders/{guid}":
            return 200, self._order(restaurant, params["guid"]), {}
        if template == "/ordersBulk":
            return 200, self._bulk(restaurant, query), {}
        if template == "/metadata":
            return 200, {"restaurantGuid": restaurant, "lastUpdated": self.menu_updated}, {}
        if template == "/menus":
            return 200, _menus(restaurant, self.menu_updated), {}
        raise toast_error(404, f"{method} {path} is not served by the fake")

    def _login(self, payload: dict) -> dict:
        for name in ("clientId", "clientSecret", "userAccessType"):
            if not isinstance(payload.get(name), str) or not payload[name]:
                raise toast_error(400, f"{name} is required", name)
        if payload["userAccessType"] != "TOAST_MACHINE_CLIENT":
            raise toast_error(400, "userAccessType must be TOAST_MACHINE_CLIENT", "userAccessType")
        with self.lock:
            client = self.clients.get(payload["clientId"])
            if client is None or not hmac.compare_digest(client["secret"], payload["clientSecret"]):
                raise toast_error(401, "Access denied: invalid client credentials", code=10010)
            token = "eyJ" + secrets.token_urlsafe(24)   # shaped like a JWT; opaque to clients
            self.tokens[token] = {"client": payload["clientId"]}
            self.logins += 1
        return {"token": {"tokenType": "Bearer", "scope": None, "expiresIn": self.token_ttl_s, "accessToken": token,
                          "idToken": None, "refreshToken": None}, "status": "SUCCESS"}

    def _check_auth(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        with self.lock:
            known = auth.startswith("Bearer ") and auth.removeprefix("Bearer ").strip() in self.tokens
        if not known:
            raise toast_error(401, "Authentication failed: the token is missing, expired or unknown", code=10001)

    def _check_restaurant(self, headers: dict[str, str], restaurant: str) -> None:
        with self.lock:
            client = self.tokens[headers["authorization"].removeprefix("Bearer ").strip()]["client"]
            allowed = restaurant in self.clients[client]["restaurants"]
        if not allowed:
            raise toast_error(403, "The client may not read this restaurant", "Toast-Restaurant-External-ID")

    def _order(self, restaurant: str, guid: str) -> dict:
        with self.lock:
            if guid not in self.history or self.restaurant_of[guid] != restaurant:
                raise toast_error(404, f"Order {guid} not found")
            return copy.deepcopy(self.history[guid][-1])

    def _bulk(self, restaurant: str, query: dict[str, str]) -> list[dict]:
        page_size, page = int(query.get("pageSize", 100)), int(query.get("page", 1))
        if not 1 <= page_size <= 100 or page < 1:
            raise toast_error(400, "pageSize must be 1..100 and page >= 1", "pageSize")
        start, end = query.get("startDate"), query.get("endDate")
        if query.get("businessDate"):
            if not re.fullmatch(r"\d{8}", query["businessDate"]):
                raise toast_error(400, "businessDate must be yyyyMMdd", "businessDate")
            keep = lambda o: str(o.get("businessDate")) == query["businessDate"]  # noqa: E731
        elif start and end:
            try:
                since, until = parse_toast_time(start), parse_toast_time(end)
            except ValueError:
                raise toast_error(400, "startDate and endDate must be ISO-8601 with an offset", "startDate") from None
            if until <= since:
                raise toast_error(400, "endDate must be later than startDate", "endDate")
            keep = lambda o: since <= parse_toast_time(o["modifiedDate"]) < until  # noqa: E731
        else:
            raise toast_error(400, "Give startDate and endDate, or businessDate", "startDate")
        with self.lock:
            newest = [copy.deepcopy(v[-1]) for g, v in self.history.items() if self.restaurant_of[g] == restaurant]
        found = sorted((o for o in newest if keep(o)), key=lambda o: (parse_toast_time(o["modifiedDate"]), o["guid"]))
        return found[(page - 1) * page_size:page * page_size]

    # ------------------------------------------------------------------ control
    def control(self, method, path, payload):
        if method == "POST" and path == "/_fake/clients":
            self.add_client(payload["client_id"], payload["client_secret"],
                            payload.get("restaurants", [DEFAULT_RESTAURANT]))
            return 200, {"ok": True}
        if method == "POST" and path == "/_fake/tokens/expire":
            self.expire_tokens()
            return 200, {"ok": True}
        if method == "POST" and path == "/_fake/orders":
            return 200, self.create_order(payload["line_items"], payload.get("restaurant_guid", DEFAULT_RESTAURANT),
                                          payload.get("external_id"))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/update", path)):
            return 200, self.update_order(m.group(1), payload.get("voided"), payload.get("closed"))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/selections", path)):
            return 200, self.add_selection(m.group(1), payload)
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/selections/([^/]+)/void", path)):
            return 200, self.void_selection(m.group(1), m.group(2))
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/payments", path)):
            return 200, self.pay(m.group(1), payload["amount"], payload.get("tip_amount", 0),
                                 payload.get("type", "CREDIT"), payload.get("card_type", "VISA"),
                                 payload.get("last4", "1111"))
        if method == "POST" and path == "/_fake/subscriptions":
            return 200, self.subscribe(payload["url"], payload["secret"])
        if method == "POST" and (m := re.fullmatch(r"/_fake/orders/([^/]+)/notify", path)):
            return 200, self.notify(m.group(1), payload.get("revision"), int(payload.get("times", 1)),
                                    bool(payload.get("bad_signature")), payload.get("event_guid"))
        return None


def _menus(restaurant: str, updated: str) -> dict:
    """A small published menu in the v3 shape: groups of items, modifier groups and options by reference."""
    return {
        "restaurantGuid": restaurant, "lastUpdated": updated, "restaurantTimeZone": "America/New_York",
        "menus": [{"name": "Dinner", "guid": "2d1f3c3e-5b43-4b8a-9a43-000000000001", "menuGroups": [{
            "name": "Mains", "guid": "2d1f3c3e-5b43-4b8a-9a43-000000000002", "menuGroups": [], "menuItems": [
                {"name": "Crab cakes", "guid": "9c59d4ab-8242-450f-8f36-b16e1b3ab802", "price": 5.0,
                 "pricingStrategy": "BASE_PRICE", "taxInfo": ["b5f8e1a0-1111-4c2f-9d7a-000000000001"],
                 "sku": "CRAB-1", "modifierGroupReferences": [1], "referenceId": 10},
                {"name": "Lobster roll", "guid": "9c59d4ab-8242-450f-8f36-b16e1b3ab803", "price": 24.5,
                 "pricingStrategy": "BASE_PRICE", "taxInfo": [], "modifierGroupReferences": [],
                 "referenceId": 11},
                {"name": "Market fish", "guid": "9c59d4ab-8242-450f-8f36-b16e1b3ab804", "price": None,
                 "pricingStrategy": "OPEN_PRICE", "taxInfo": [], "modifierGroupReferences": [],
                 "referenceId": 12}]}]}],
        "modifierGroupReferences": {"1": {
            "guid": "4e3a2b1c-0000-4000-8000-000000000001", "referenceId": 1, "name": "Sauce", "minSelections": 0,
            "maxSelections": 1, "requiredMode": "OPTIONAL", "modifierOptionReferences": [2, 3]}},
        "modifierOptionReferences": {
            "2": {"guid": "4e3a2b1c-0000-4000-8000-000000000002", "referenceId": 2, "name": "Remoulade",
                  "price": 0.5, "isDefault": False},
            "3": {"guid": "4e3a2b1c-0000-4000-8000-000000000003", "referenceId": 3, "name": "Tartar",
                  "price": 0.0, "isDefault": True}},
        "preModifierGroupReferences": {}}
