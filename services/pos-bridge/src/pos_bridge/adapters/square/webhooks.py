"""Square webhook signatures (pure).

Header `x-square-hmacsha256-signature` = base64(HMAC-SHA256(key = the subscription's signature key as
UTF-8, message = notification URL + raw body)), as in the official square-python-sdk
(`src/square/utils/webhooks_helper.py`). The URL is the one configured on the subscription, byte for
byte: behind a proxy the URL we were called on may differ (http vs https), so the connection stores it."""
from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "x-square-hmacsha256-signature"


def square_signature(signature_key: str, notification_url: str, body: bytes) -> str:
    digest = hmac.new(signature_key.encode(), notification_url.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_square_signature(signature_key: str | None, notification_url: str | None, body: bytes,
                            signature: str | None) -> bool:
    """Constant-time comparison; a missing key, URL or header never verifies."""
    if not signature_key or not notification_url or not signature:
        return False
    expected = square_signature(signature_key, notification_url, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
