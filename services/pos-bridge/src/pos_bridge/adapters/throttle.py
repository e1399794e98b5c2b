"""Per-connection client-side limits: at most N calls in flight and M started in any one second.

Clover allows 5 concurrent requests and 16 per second per token (more is a 429): each worker thread
of a process shares one Throttle per connection, so the process never asks for more. (Across
processes the 429 + Retry-After handling in http_retry still applies.)"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# A second as the provider counts it may start a little after ours (the request's travel time
# differs from one to the next): count over a slightly longer window so the 17th never lands early.
WINDOW_S = 1.1


class Throttle:
    def __init__(self, concurrent: int, per_second: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._slots = threading.BoundedSemaphore(concurrent)
        self._lock = threading.Lock()
        self._started: deque[float] = deque()
        self.per_second, self.clock, self.sleep = per_second, clock, sleep

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the concurrent slots for one request, started within the per-second rate."""
        with self._slots:
            self._wait_for_rate()
            yield

    def _wait_for_rate(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                while self._started and now - self._started[0] >= WINDOW_S:
                    self._started.popleft()
                if len(self._started) < self.per_second:
                    self._started.append(now)
                    return
                wait = WINDOW_S - (now - self._started[0])
            self.sleep(max(wait, 0.001))


class Throttles:
    """One Throttle per key (a connection id), made on first use."""

    def __init__(self, concurrent: int, per_second: int) -> None:
        self.concurrent, self.per_second = concurrent, per_second
        self._by_key: dict[object, Throttle] = {}
        self._lock = threading.Lock()

    def __call__(self, key: object) -> Throttle:
        with self._lock:
            throttle = self._by_key.get(key)
            if throttle is None:
                throttle = self._by_key[key] = Throttle(self.concurrent, self.per_second)
            return throttle
