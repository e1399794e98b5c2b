"""Failures talking to a POS, as every provider adapter reports them."""
from __future__ import annotations


class ProviderError(Exception):
    """A POS call failed. `kind`: RATE_LIMIT | AUTH | CONFLICT | VALIDATION | NOT_FOUND | TRANSIENT;
    `retry_after` (seconds) when the provider said how long to wait. TRANSIENT and RATE_LIMIT are
    worth retrying later; the others are not."""

    def __init__(self, kind: str, message: str, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind, self.retry_after, self.status = kind, retry_after, status

    @property
    def retryable(self) -> bool:
        return self.kind in ("RATE_LIMIT", "TRANSIENT")
