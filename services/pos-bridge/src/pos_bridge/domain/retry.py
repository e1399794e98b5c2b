"""Retry timing (pure): exponential backoff with full jitter, honouring what the provider asked."""
from __future__ import annotations

import random


def backoff_seconds(attempt: int, *, base: float = 1.0, cap: float = 300.0, retry_after: float | None = None,
                    rand=random.random) -> float:
    """Seconds to wait before attempt `attempt + 1` (attempt counts from 1). Full jitter spreads a
    burst of failures so retries do not arrive together; a provider's Retry-After is a floor."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    wait = ceiling * rand()
    return max(wait, retry_after) if retry_after is not None else wait
