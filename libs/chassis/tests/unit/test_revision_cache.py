"""The revision-keyed cache: one database read per revision across replicas, Redis failures fall back."""
from __future__ import annotations

import threading

from chassis.revision_cache import RevisionCache, SharedRevision


class FakeRedis:
    """The few commands the cache uses, in a dict (eval: the only script is "set if higher")."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.ttl: dict[str, int] = {}

    def get(self, key: str):
        return self.data.get(key)

    def set(self, key: str, value, ex: int | None = None) -> None:
        self.data[key] = value.encode() if isinstance(value, str) else value
        self.ttl[key] = ex

    def eval(self, _script: str, _keys: int, key: str, revision: int, ttl: int) -> int:
        if key not in self.data or int(self.data[key]) < int(revision):
            self.set(key, str(revision), ex=ttl)
        return 1


class DeadRedis:
    def __getattr__(self, name):
        def fail(*_args, **_kwargs):
            raise ConnectionError("redis is down")

        return fail


class Database:
    """Rows per revision, counting reads (what the cache exists to avoid)."""

    def __init__(self) -> None:
        self.revision = 1
        self.rows = {1: [{"key": "rate", "value": "0.06"}]}
        self.row_reads = 0
        self.revision_reads = 0

    def read_revision(self) -> int:
        self.revision_reads += 1
        return self.revision

    def load_rows(self, revision: int):
        self.row_reads += 1
        return self.rows[revision]

    def change(self, value: str) -> int:
        self.revision += 1
        self.rows[self.revision] = [{"key": "rate", "value": value}]
        return self.revision


def build(rows) -> dict:
    return {row["key"]: row["value"] for row in rows}


def replica(db: Database, redis, check_seconds: float = 0.0) -> tuple[SharedRevision, RevisionCache]:
    watch = SharedRevision(db.read_revision, redis, "svc:rules:revision", check_seconds)
    return watch, RevisionCache(watch.current, db.load_rows, build, redis, "svc:rules:rows")


def test_replicas_share_rows_through_redis_by_revision():
    db, redis = Database(), FakeRedis()
    _, first = replica(db, redis)
    assert first.get() == {"rate": "0.06"} and first.revision == 1
    assert redis.data["svc:rules:rows:1"] and redis.ttl["svc:rules:rows:1"] == 24 * 3600
    assert redis.data["svc:rules:revision"] == b"1"
    _, second = replica(db, redis)
    assert second.get() == {"rate": "0.06"}
    assert db.row_reads == 1  # the second replica read Redis, not the database


def test_a_published_revision_moves_every_replica():
    db, redis = Database(), FakeRedis()
    (watch_a, a), (_, b) = replica(db, redis), replica(db, redis, check_seconds=0.0)
    assert a.get() == b.get() == {"rate": "0.06"}
    watch_a.publish(db.change("0.07"))
    assert a.get() == b.get() == {"rate": "0.07"}
    assert a.revision == b.revision == 2


def test_the_revision_is_checked_at_most_once_per_interval():
    db, redis = Database(), None  # no shared layer: every check asks the database
    watch, cache = replica(db, redis, check_seconds=3600)
    for _ in range(5):
        cache.get()
    assert db.revision_reads == 1 and db.row_reads == 1
    db.change("0.08")
    assert cache.get() == {"rate": "0.06"}  # not seen until the interval passes ...
    watch.publish(2)
    assert cache.get() == {"rate": "0.08"}  # ... or this process publishes it


def test_redis_down_falls_back_to_the_database():
    db = Database()
    _, cache = replica(db, DeadRedis())
    assert cache.get() == {"rate": "0.06"}
    db.change("0.09")
    assert cache.get() == {"rate": "0.09"}


def test_published_revisions_only_go_up():
    db, redis = Database(), FakeRedis()
    watch, _ = replica(db, redis)
    watch.publish(6)
    watch.publish(5)
    assert redis.data["svc:rules:revision"] == b"6"


def test_concurrent_first_reads_build_once():
    db, redis = Database(), FakeRedis()
    builds = []
    watch = SharedRevision(db.read_revision, redis, "k:revision", 60)
    cache = RevisionCache(watch.current, db.load_rows, lambda rows: builds.append(1) or build(rows), redis, "k:rows")
    threads = [threading.Thread(target=cache.get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and db.row_reads == 1
