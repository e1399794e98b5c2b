"""A POS connection as the adapters see it, and the rules for what an admin may register."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from chassis.errors import InvalidInput
from chassis.validation import reject_nul

from pos_bridge.domain.model import PROVIDERS

# Where each provider's API lives when a connection names no api_base_url (the local fakes' URL is
# given explicitly in development and tests).
PRODUCTION_HOSTS = {
    "square": "https://connect.squareup.com",
    "clover": "https://api.clover.com",
    "toast": "https://ws-api.toasttab.com",
}

# The credential fields each provider needs (more may be given and are kept, sealed).
REQUIRED_CREDENTIALS = {
    "square": ("access_token",),
    "clover": ("access_token",),
    "toast": ("client_id", "client_secret"),
}

MAX_TEXT = 512


@dataclass(frozen=True)
class ProviderConnection:
    """Everything an adapter needs to talk to one POS account, secrets opened (never logged)."""

    connection_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    provider: str
    external_merchant_id: str
    external_location_id: str
    api_base_url: str
    credentials: dict = field(repr=False)
    notification_url: str | None = None
    signature_key: str | None = field(default=None, repr=False)
    active: bool = True


def text_field(value: object, name: str, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidInput("is required", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be a string", field=name)
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"must be at most {MAX_TEXT} characters", field=name)
    return reject_nul(value, name)


def provider_field(value: object) -> str:
    if value not in PROVIDERS:
        raise InvalidInput(f"must be one of {', '.join(PROVIDERS)}", field="provider")
    return value  # type: ignore[return-value]


def url_field(value: object, name: str, *, required: bool = True) -> str | None:
    text = text_field(value, name, required=required)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("must be an http(s) URL", field=name)
    return text.rstrip("/") if name == "api_base_url" else text


def credentials_field(value: object, provider: str) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput("must be an object", field="credentials")
    for key, item in value.items():
        if not isinstance(item, str):
            raise InvalidInput("must be a string", field=f"credentials.{key}")
        text_field(item, f"credentials.{key}", required=False)
    for key in REQUIRED_CREDENTIALS[provider]:
        if not value.get(key):
            raise InvalidInput("is required", field=f"credentials.{key}")
    return dict(value)
