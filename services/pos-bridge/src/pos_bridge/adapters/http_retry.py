"""Calling a POS over HTTP: bounded retries with exponential backoff and jitter, honouring Retry-After,
and every failure raised as a classified ProviderError."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from pos_bridge.domain.errors import ProviderError
from pos_bridge.domain.retry import backoff_seconds


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3               # in this call; the inbound worker retries the event later as well
    base_seconds: float = 0.2
    cap_seconds: float = 2.0
    max_retry_after: float = 5.0    # wait at most this long in-line; longer waits go back to the queue


def retry_after_of(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def classify_status(status: int, code: str | None = None) -> str:
    if status == 429:
        return "RATE_LIMIT"
    if status in (401, 403):
        return "AUTH"
    if status == 404:
        return "NOT_FOUND"
    if status == 409 or code in ("VERSION_MISMATCH", "CONFLICT"):
        return "CONFLICT"
    if status >= 500 or status == 408:
        return "TRANSIENT"
    return "VALIDATION"


def call(send: Callable[[], httpx.Response], describe: Callable[[httpx.Response], tuple[str, str | None]],
         policy: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep) -> httpx.Response:
    """`send()` until it succeeds, a failure is not worth retrying, or the attempts run out.
    `describe(response)` gives (message, provider error code) for a failed response."""
    last: ProviderError | None = None
    for attempt in range(1, policy.attempts + 1):
        try:
            response = send()
        except httpx.TimeoutException as error:
            last = ProviderError("TRANSIENT", f"timeout: {error!r}")
        except httpx.TransportError as error:
            last = ProviderError("TRANSIENT", f"unreachable: {error!r}")
        else:
            if response.status_code < 400:
                return response
            message, code = describe(response)
            last = ProviderError(classify_status(response.status_code, code), message, retry_after_of(response),
                                response.status_code)
        if not last.retryable or attempt == policy.attempts:
            break
        if last.retry_after is not None and last.retry_after > policy.max_retry_after:
            break   # too long to hold a worker: the queue retries after retry_after
        sleep(backoff_seconds(attempt, base=policy.base_seconds, cap=policy.cap_seconds, retry_after=last.retry_after))
    raise last
