"""Toast webhooks (pure): the `Toast-Signature` HMAC and the event body.

Toast's guide: the signature is computed from "the body and timestamp of the webhook message",
HMAC-SHA256 with the subscription's secret, base64 in `Toast-Signature`. Read here as
HMAC(secret, raw body + the payload's `timestamp`) (SIGNING_BODY_TIMESTAMP), the reading community
code uses; SIGNING_BODY (the body alone) is the other reading, selectable until a captured sandbox
message settles it (shared/reference/pos-apis.md, open items). Compared in constant time.

Body: `{timestamp, eventCategory, eventType, guid (the event id), details{restaurantGuid, order}}`.
Order events (`order_updated`, new orders too) carry the full Order: no fetch is needed."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

from chassis.errors import InvalidInput

from pos_bridge.adapters.timefmt import parse_rfc3339
from pos_bridge.adapters.toast.mapping import order_from_toast
from pos_bridge.domain.codec import order_to_json
from pos_bridge.domain.model import EventKind, WebhookEvent

SIGNATURE_HEADER = "toast-signature"
RESTAURANT_HEADER = "toast-restaurant-external-id"
SIGNING_BODY_TIMESTAMP = "body+timestamp"
SIGNING_BODY = "body"


def toast_signature(secret: str, body: bytes, timestamp: str, signing: str = SIGNING_BODY_TIMESTAMP) -> str:
    message = body + timestamp.encode() if signing == SIGNING_BODY_TIMESTAMP else body
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _body(raw_body: bytes) -> dict:
    try:
        body = json.loads(raw_body)
    except ValueError:
        raise InvalidInput("must be JSON", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field="body")
    return body


def verify_toast_signature(secret: str | None, headers: dict[str, str], raw_body: bytes,
                           signing: str = SIGNING_BODY_TIMESTAMP) -> bool:
    given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
    if not secret or not given:
        return False
    try:
        timestamp = str(json.loads(raw_body).get("timestamp") or "")
    except (ValueError, AttributeError):
        return False
    expected = toast_signature(secret, raw_body, timestamp, signing)
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def event_from_toast(raw_body: bytes) -> WebhookEvent:
    body = _body(raw_body)
    event_id = body.get("guid")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidInput("is required", field="guid")
    event_type = str(body.get("eventType") or "")
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    restaurant = details.get("restaurantGuid")
    order = details.get("order")
    if event_type == "order_updated" and isinstance(order, dict):
        if not restaurant:
            raise InvalidInput("is required", field="details.restaurantGuid")
        model = order_from_toast(order, restaurant)
        return WebhookEvent(
            provider_event_id=event_id, event_type=event_type, kind=EventKind.ORDER, merchant_ref=restaurant,
            location_ref=restaurant, object_id=model.provider_order_id, object_version=model.version,
            occurred_at=model.updated_at, embedded={"common_order": order_to_json(model)})
    kind = EventKind.MENU if event_type.startswith("menus") else EventKind.OTHER
    return WebhookEvent(provider_event_id=event_id, event_type=event_type, kind=kind, merchant_ref=restaurant,
                        location_ref=restaurant, object_id=None,
                        occurred_at=parse_rfc3339(body.get("timestamp"), "timestamp"))

