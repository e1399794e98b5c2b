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


def menu_items(client, prices: dict[str, int], category: str = "e2e") -> dict[str, str]:
    """Menu items (name -> item_id) created through the API by `client` (a manager or an admin): checks
    price their lines from the menu, so tests order these instead of typing prices."""
    made = client.post("/api/orders/v1/menu/categories", json={"name": f"{category} {time.monotonic_ns()}"})
    assert made.status_code == 201, made.text
    category_id = made.json()["category_id"]
    items = {}
    for name, price in prices.items():
        item = client.post("/api/orders/v1/menu/items", json={"category_id": category_id, "name": name,
                                                               "price_cents": price})
        assert item.status_code == 201, item.text
        items[name] = item.json()["item_id"]
    return items


def topic_records(platform, topic: str, key: str, wanted: int, timeout: float = 40) -> list:
    """The records keyed `key` on `topic`, read from the start with a stock client, once at least `wanted`
    are there (the relay publishes a moment after the commit)."""
    from kafka import KafkaConsumer, TopicPartition

    def read():
        consumer = KafkaConsumer(bootstrap_servers=platform.layout.kafka_bootstrap, enable_auto_commit=False,
                                 consumer_timeout_ms=1000)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            found = [r for r in consumer if r.key == key.encode()]
        finally:
            consumer.close()
        return found if len(found) >= wanted else None

    return eventually(read, timeout=timeout, interval=0.5)


def event_types(found) -> list[str]:
    """The short CloudEvents type (the proto message name) of each record."""
    return [dict(r.headers)["ce_type"].decode().rsplit(".", 1)[1] for r in found]


def connect_pos(admin, platform, body: dict) -> str:
    """A POS connection of the demo location (POST /api/pos-bridge/v1/connections): its id."""
    made = admin.post("/api/pos-bridge/v1/connections", json={"location_id": platform.demo["location_id"]} | body)
    assert made.status_code == 201, made.text
    return made.json()["connection_id"]
