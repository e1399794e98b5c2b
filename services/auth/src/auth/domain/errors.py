"""Errors of the auth domain beyond chassis.errors."""
from __future__ import annotations

from chassis.errors import DomainError


class TooManyAttempts(DomainError):
    """Throttled or locked out: the client should retry after `retry_after` seconds (HTTP 429)."""

    http_status = 429
    grpc_code = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(int(retry_after), 1)
