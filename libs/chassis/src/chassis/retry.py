"""Exponential backoff with jitter, for loops that retry on their own schedule (relay, consumer).

A decorator library (tenacity, backoff) wraps one call; the relay and the consumer instead keep
working on other things between tries (other keys, other partitions, heartbeats), so they only need
"how long until the next try", which is this.
"""
from __future__ import annotations

import random


class Backoff:
    """Delays base, 2*base, 4*base ... capped at max_s, each drawn from [d/2, d] ("equal jitter").

    Half of each delay is random so replicas that failed together do not retry together; the other
    half guarantees the delay really grows, so an outage is not hammered."""

    def __init__(self, base_s: float = 0.5, max_s: float = 30.0) -> None:
        self.base_s = base_s
        self.max_s = max_s
        self.failures = 0

    def delay(self, failures: int) -> float:
        """The delay after `failures` consecutive failures (1 = the first)."""
        ceiling = min(self.max_s, self.base_s * 2 ** min(max(failures - 1, 0), 32))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def next(self) -> float:
        self.failures += 1
        return self.delay(self.failures)

    def reset(self) -> None:
        self.failures = 0
