"""The fast part of `make chaos`, in CI: 100 orders through the gateway while the orders relay and then the
payroll consumer are SIGKILLed and restarted. Nothing lost, nothing doubled, no 500, recovery within 5 s."""
from __future__ import annotations

import time

import pytest

from tools.chaos import chaos as runner

pytestmark = pytest.mark.e2e


def test_relay_and_consumer_kills_lose_and_double_nothing(platform):
    started = time.monotonic()
    results = runner.run(runner.Chaos(platform.stack, platform.demo, toxiproxy=False), runner.FAST,
                         total_orders=100, rate=8.0)
    print("\n" + runner.table(results))
    assert sum(r.accepted for r in results) == 100
    assert runner.problems(results) == []
    assert time.monotonic() - started < 120
