"""Helpers for end-to-end tests."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path


def eventually(check: Callable[[], object], timeout: float = 20.0, interval: float = 0.2):
    """Polls `check` until it returns something truthy (and returns it) or the time is up."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def spans_of(traces_file: Path, trace_id: str) -> list[dict]:
    if not traces_file.exists():
        return []
    spans = []
    for line in traces_file.read_text().splitlines():
        span = json.loads(line)
        if span["trace_id"] == trace_id:
            spans.append(span)
    return spans
