"""Pay-run progress in Redis: one small hash per run (`payroll:pay_run:<id>:progress`), kept a day.

The API's SSE stream and the operator CLI poll it; the worker writes it after each chunk. Redis being
down never stops a run: a failed write is logged and the run goes on (the database is the truth)."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import redis

log = logging.getLogger(__name__)
TTL_SECONDS = 24 * 3600


def _key(run_id: str) -> str:
    return f"payroll:pay_run:{run_id}:progress"


class RedisProgressBoard:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, run_id: str, progress: Mapping[str, Any]) -> None:
        try:
            self.client.set(_key(run_id), json.dumps(dict(progress)), ex=TTL_SECONDS)
        except redis.RedisError as error:
            log.warning("pay run %s: progress not written to Redis: %s", run_id, error)

    def read(self, run_id: str) -> dict[str, Any] | None:
        try:
            raw = self.client.get(_key(run_id))
        except redis.RedisError as error:
            log.warning("pay run %s: progress not read from Redis: %s", run_id, error)
            return None
        return json.loads(raw) if raw else None
