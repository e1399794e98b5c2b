"""Values built from rarely changing database rows, cached per revision at three levels.

A service whose reference tables (tax rules, rate tables, menus...) change a few times a year, but are
read on every request, numbers each change (a revision) and caches by that number, so a cache is never
"cleared", only left behind:

  1. in each process: the value built from the rows (parsed, indexed...), rebuilt when the revision moves;
  2. Redis `<key_prefix>:<revision>`: the rows as JSON, so replicas starting cold, or all of them after
     a change, cost the database one query instead of one per replica;
  3. the database: the truth. Every Redis failure (down, slow, evicted) falls back to it.

`SharedRevision` says which revision is current: it asks at most once per `check_seconds`, through a
Redis key all replicas share (set only upwards), else the database; `publish()` after a commit makes
the change apply at once in this process and within `check_seconds` in the others.
`RevisionCache` holds the value of that revision. Both are thread-safe; pass `redis=None` to run
without the shared layer (straight to the database).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

ROWS_TTL_SECONDS = 24 * 3600
REVISION_TTL_SECONDS = 60
# Set the key only upwards: two replicas publishing revisions 5 and 6 in either order leave 6.
_PUBLISH = """
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


class SharedRevision:
    """The current revision of one set of tables.

    `read_revision()` asks the database. The Redis key expires (`ttl_seconds`), so a change made behind
    the service's back (a migration) is still seen within that time."""

    def __init__(self, read_revision: Callable[[], int], redis, key: str, check_seconds: float,
                 ttl_seconds: int = REVISION_TTL_SECONDS) -> None:
        self.read_revision = read_revision
        self.redis = redis
        self.key = key
        self.check_seconds = check_seconds
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._revision = 0
        self._checked_at = float("-inf")

    def current(self) -> int:
        with self._lock:
            if time.monotonic() - self._checked_at >= self.check_seconds:
                self._revision = self._read()
                self._checked_at = time.monotonic()
            return self._revision

    def publish(self, revision: int) -> None:
        """After a commit that added `revision`: tell every replica, and stop trusting our own copy."""
        self._share(revision)  # first, so that our own next read already finds it
        with self._lock:
            self._checked_at = float("-inf")

    def _read(self) -> int:
        if self.redis is not None:
            try:
                cached = self.redis.get(self.key)
                if cached is not None:
                    return int(cached)
            except Exception as error:  # noqa: BLE001 - Redis is a cache: fall back to the truth
                log.warning("redis unavailable for %s, reading the database: %r", self.key, error)
                return self.read_revision()
        revision = self.read_revision()
        self._share(revision)
        return revision

    def _share(self, revision: int) -> None:
        if self.redis is None:
            return
        try:
            self.redis.eval(_PUBLISH, 1, self.key, revision, self.ttl_seconds)
        except Exception as error:  # noqa: BLE001 - the others will see it when the key expires
            log.warning("could not publish revision %s to redis %s: %r", revision, self.key, error)


class RevisionCache(Generic[T]):
    """`get()`: the value built from the rows of the current revision; cheap once built.

    `load_rows(revision)` reads the rows (anything JSON can carry) from the database; `build(rows)`
    turns them into the value. The value is always built from the rows' JSON text, so a replica that
    read them from Redis builds exactly what the one that read the database built."""

    def __init__(self, revision: Callable[[], int], load_rows: Callable[[int], Any], build: Callable[[Any], T],
                 redis, key_prefix: str, ttl_seconds: int = ROWS_TTL_SECONDS) -> None:
        self._current_revision = revision
        self.load_rows = load_rows
        self.build = build
        self.redis = redis
        self.key_prefix = key_prefix
        self.ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._built: tuple[int, T] | None = None  # replaced whole, so a reader never sees half of it

    def rows_key(self, revision: int) -> str:
        return f"{self.key_prefix}:{revision}"

    @property
    def revision(self) -> int:
        """The revision of the value built last (-1 before the first get())."""
        built = self._built
        return -1 if built is None else built[0]

    def get(self) -> T:
        revision = self._current_revision()
        built = self._built
        if built is None or built[0] != revision:
            with self._lock:
                built = self._built
                if built is None or built[0] != revision:
                    built = self._built = (revision, self.build(json.loads(self._rows_json(revision))))
                    log.info("%s revision %s loaded", self.key_prefix, revision)
        return built[1]

    def _rows_json(self, revision: int) -> str | bytes:
        key = self.rows_key(revision)
        if self.redis is not None:
            try:
                cached = self.redis.get(key)
                if cached is not None:
                    return cached
            except Exception as error:  # noqa: BLE001 - Redis is a cache: read the database
                log.warning("redis unavailable for %s: %r", key, error)
        text = json.dumps(self.load_rows(revision))
        if self.redis is not None:
            try:
                self.redis.set(key, text, ex=self.ttl_seconds)
            except Exception as error:  # noqa: BLE001
                log.warning("could not cache %s in redis: %r", key, error)
        return text
