"""What outbound webhooks need from outside (adapters implement these, tests fake them), and the
settings their use cases run with."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from pos_bridge.domain.subscriptions import PostResult


class WebhookTransport(Protocol):
    """Posts a body to `url`, connecting to `address` (the IP the URL's host was resolved to and
    checked: the transport never resolves again, so DNS cannot change the answer in between), with
    TLS still verified for the URL's host. Never follows redirects."""

    def post(self, url: str, address: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult: ...


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> list[str]:
        """The host's IP addresses (empty when it does not resolve)."""


@dataclass(frozen=True)
class WebhookPolicy:
    allow_private_targets: bool = False        # development only: the local receiver is on 127.0.0.1
    retry_base_seconds: float = 30.0
    retry_cap_seconds: float = 4 * 3600.0
    retry_horizon: timedelta = timedelta(days=3)
    secret_overlap: timedelta = timedelta(hours=24)
    timeout_seconds: float = 10.0


__all__ = ["PostResult", "Resolver", "WebhookPolicy", "WebhookTransport"]
