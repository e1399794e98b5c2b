"""Wrong time-clock PINs are throttled (pure: the policy and the error).

A kiosk PIN is 4 to 8 digits: without a limit, 10,000 guesses find a 4-digit PIN. After MAX_FAILURES wrong
PINs for one staff member at one location within WINDOW_SECONDS, further PIN punches for them there are
refused with 429 and Retry-After until the window (counted from the first failure) ends; a right PIN
clears the count. The counter lives in Redis (adapters/pin_throttle.py) so every HTTP worker shares it.
Neither the PIN nor a hash of it is ever stored with the counter or logged.
"""
from __future__ import annotations

from chassis.errors import DomainError

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class TooManyPinAttempts(DomainError):
    """HTTP 429 with Retry-After (`retry_after` seconds)."""

    http_status = 429
    grpc_code = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, field="pin")
        self.retry_after = max(int(retry_after), 1)


def attempt_key(tenant_id: str, staff_id: str, location_id: str) -> str:
    """What the failures are counted per: the staff member at one location (ids only, no PIN)."""
    return f"{tenant_id}:{staff_id}:{location_id}"
