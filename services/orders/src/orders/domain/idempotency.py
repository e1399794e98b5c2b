"""Idempotency with Stripe's semantics: the first response to a creating request, kept per tenant
and key, replayed to a retry with the same body; a different body under the same key is refused."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from chassis.errors import InvalidInput

FIELD = "Idempotency-Key"  # named as the client sends it: it is a header
MAX_KEY = 200
KEEP_FOR = timedelta(hours=24)  # a key is remembered at least this long


@dataclass(frozen=True)
class StoredResponse:
    tenant_id: uuid.UUID
    key: str
    request_hash: str
    status: int
    body: dict
    created_at: datetime
    order_id: uuid.UUID | None = None

    def expired(self, now: datetime) -> bool:
        return now - self.created_at >= KEEP_FOR


def checked_key(key: str | None) -> str | None:
    """None (no key) or the key; InvalidInput naming the header when it is empty or too long."""
    if key is None:
        return None
    if not key.strip():
        raise InvalidInput("must not be empty (leave the header out to send no key)", field=FIELD)
    if len(key) > MAX_KEY or "\x00" in key:
        raise InvalidInput(f"at most {MAX_KEY} printable characters", field=FIELD)
    return key


def request_hash(operation: str, body: object) -> str:
    """The same operation with the same body (keys in any order) hashes the same."""
    canonical = json.dumps([operation, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replayable(stored: StoredResponse, wanted_hash: str) -> StoredResponse:
    if stored.request_hash != wanted_hash:
        raise InvalidInput("this key was used with another request; use a new key", field=FIELD)
    return stored
