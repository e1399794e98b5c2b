"""A circuit breaker per connection, as plain state kept on the connection's sync row.

Why not pybreaker (a maintained library, on the package list): its state lives in the memory of one
process (or Redis, which pos-bridge does not use), while here every consumer replica must see the
same state, it must survive a restart, and the sync status API (another process) shows it. The
state machine is small, so it is kept here as pure functions over a few stored values.

closed --(FAILURE_THRESHOLD transient failures in a row)--> open --(cool-down over)--> half_open:
one change is tried; success closes, failure opens again with a longer cool-down."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pos_bridge.domain.retry import backoff_seconds

FAILURE_THRESHOLD = 3
COOL_DOWN_BASE = 5.0     # seconds, doubled per re-opening (with jitter), capped
COOL_DOWN_CAP = 300.0


@dataclass
class Circuit:
    state: str = "closed"            # closed | open | half_open
    failures: int = 0                # transient failures in a row
    openings: int = 0                # times opened in a row without a success in between
    retry_at: datetime | None = None  # when an open circuit lets one change through


def allows(circuit: Circuit, now: datetime) -> bool:
    """Whether a change may be sent now (an open circuit whose cool-down is over becomes half-open)."""
    if circuit.state == "open" and circuit.retry_at is not None and now >= circuit.retry_at:
        circuit.state = "half_open"
    return circuit.state != "open"


def record_success(circuit: Circuit) -> None:
    circuit.state, circuit.failures, circuit.openings, circuit.retry_at = "closed", 0, 0, None


def record_failure(circuit: Circuit, now: datetime, retry_after: float | None = None, rand=None) -> None:
    """A transient failure (5xx, timeout, 429): opens the circuit at the threshold, or at once when
    half-open. The provider's Retry-After is a floor for the cool-down."""
    circuit.failures += 1
    if circuit.state == "half_open" or circuit.failures >= FAILURE_THRESHOLD:
        circuit.openings += 1
        kwargs = {"rand": rand} if rand is not None else {}
        wait = backoff_seconds(circuit.openings, base=COOL_DOWN_BASE, cap=COOL_DOWN_CAP, retry_after=retry_after,
                               **kwargs)
        circuit.state, circuit.retry_at = "open", now + timedelta(seconds=max(wait, 1.0))
