"""Wrong-PIN counters in Redis (domain/pin_attempts.py): `payroll:pin_failures:<tenant>:<staff>:<location>`,
counted from the first failure and expiring with the window, so nothing needs cleaning up.

Redis down: punches go on (a PIN is still required) and the outage is logged; refusing every kiosk punch
because a counter is unreachable would stop a restaurant's time clock."""
from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)
PREFIX = "payroll:pin_failures"

# KEYS: counter. ARGV: window. INCR, and start the window with the first failure.
_FAILED = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end
return n
"""


class RedisPinThrottle:
    def __init__(self, url: str, max_failures: int, window_seconds: int) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.max_failures, self.window_seconds = max_failures, window_seconds
        self._failed = self.client.register_script(_FAILED)

    def wait_seconds(self, key: str) -> int:
        """0 when a PIN may be tried, else the seconds until the window ends."""
        try:
            count = self.client.get(f"{PREFIX}:{key}")
            if count is None or int(count) < self.max_failures:
                return 0
            ttl = self.client.ttl(f"{PREFIX}:{key}")
        except redis.RedisError as error:
            log.error("PIN throttle unavailable (punch allowed): %s", type(error).__name__)
            return 0
        return ttl if ttl and ttl > 0 else self.window_seconds

    def failed(self, key: str) -> int:
        """Counts a wrong PIN; returns the failures in the window so far (0 when Redis is down)."""
        try:
            return int(self._failed(keys=[f"{PREFIX}:{key}"], args=[self.window_seconds]))
        except redis.RedisError as error:
            log.error("PIN throttle unavailable (failure not counted): %s", type(error).__name__)
            return 0

    def succeeded(self, key: str) -> None:
        try:
            self.client.delete(f"{PREFIX}:{key}")
        except redis.RedisError as error:
            log.error("PIN throttle unavailable (count not cleared): %s", type(error).__name__)
