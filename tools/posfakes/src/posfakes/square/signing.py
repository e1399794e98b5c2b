"""How Square signs a webhook: base64(HMAC-SHA256(signature key, notification URL + raw body)).
Written here independently of pos-bridge's verifier, so a test through both catches a mismatch."""
from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "x-square-hmacsha256-signature"


def sign(signature_key: str, notification_url: str, body: bytes) -> str:
    mac = hmac.new(signature_key.encode("utf-8"), notification_url.encode("utf-8") + body, hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")
