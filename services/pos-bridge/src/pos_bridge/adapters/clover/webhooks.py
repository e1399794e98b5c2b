"""Clover app webhooks (pure): the static `X-Clover-Auth` code and the batched, id-less body.

Clover signs nothing: each app webhook carries the app's static `X-Clover-Auth` code, compared here in
constant time with the connection's. The body batches events of many merchants,
`{"appId", "merchants": {"<mId>": [{"objectId": "O:<id>", "type": "CREATE"|"UPDATE"|"DELETE", "ts": <ms>}]}}`,
and has no event id: one is derived from (merchant, object, type, ts), so a redelivery dedups. The
events are thin: the worker fetches the order. The
endpoint's one-time verification POST is `{"verificationCode": "..."}` (no auth header)."""
from __future__ import annotations

import hashlib
import hmac
import json

from chassis.errors import InvalidInput

from pos_bridge.adapters.timefmt import from_epoch_ms
from pos_bridge.domain.model import EventKind, WebhookEvent

AUTH_HEADER = "x-clover-auth"
KINDS = {"O": EventKind.ORDER, "P": EventKind.PAYMENT, "I": EventKind.MENU}


def verify_clover_auth(expected_code: str | None, headers: dict[str, str]) -> bool:
    given = next((v for k, v in headers.items() if k.lower() == AUTH_HEADER), None)
    if not expected_code or not given:
        return False
    return hmac.compare_digest(expected_code.encode(), given.strip().encode())


def verification_code(raw_body: bytes) -> str | None:
    """The code of Clover's one-time endpoint verification POST, None for any other body."""
    try:
        body = json.loads(raw_body)
    except ValueError:
        return None
    code = body.get("verificationCode") if isinstance(body, dict) else None
    return code if isinstance(code, str) and code else None


def derived_event_id(merchant_id: str, object_id: str, event_type: str, ts: int) -> str:
    return hashlib.sha256(f"{merchant_id}|{object_id}|{event_type}|{ts}".encode()).hexdigest()[:32]


def events_from_clover(raw_body: bytes) -> list[WebhookEvent]:
    try:
        body = json.loads(raw_body)
    except ValueError:
        raise InvalidInput("must be JSON", field="body") from None
    merchants = body.get("merchants") if isinstance(body, dict) else None
    if not isinstance(merchants, dict):
        raise InvalidInput("must be an object of merchant ids", field="merchants")
    events = []
    for merchant_id, changes in merchants.items():
        for i, change in enumerate(changes or []):
            object_ref, event_type, ts = change.get("objectId"), change.get("type"), change.get("ts")
            if not isinstance(object_ref, str) or ":" not in object_ref or not isinstance(ts, int):
                raise InvalidInput("needs objectId <prefix>:<id> and ts", field=f"merchants.{merchant_id}[{i}]")
            prefix, object_id = object_ref.split(":", 1)
            kind = KINDS.get(prefix, EventKind.OTHER)
            events.append(WebhookEvent(
                provider_event_id=derived_event_id(merchant_id, object_ref, str(event_type), ts),
                event_type=f"{prefix}.{event_type}", kind=kind, merchant_ref=merchant_id,
                location_ref=merchant_id, object_id=object_id, occurred_at=from_epoch_ms(ts),
                # An order's version is its modifiedTime and the change's ts is when it was made:
                # an event older than the order held is stale without asking Clover.
                object_version=ts if kind is EventKind.ORDER else None))
    return events
