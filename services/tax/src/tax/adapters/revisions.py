"""Which revision of a rule domain ("payroll", "sales") is current, shared through Redis.

PostgreSQL is the truth (the newest rule_revisions id of the domain). Every process asks for it at
most once per `check_seconds`; Redis holds the answer for all replicas, so a change made through one
replica reaches the others within that interval without each of them polling PostgreSQL. The Redis
key expires, so a change made behind the service's back (a migration) is still seen within a minute;
and when Redis is down the processes read PostgreSQL instead of failing.
"""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tax.adapters.orm import RuleRevision

log = logging.getLogger(__name__)

KEY_TTL_SECONDS = 60
# Set the key only upwards: two replicas publishing revisions 5 and 6 in either order leave 6.
_PUBLISH = """
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


def revision_key(domain: str) -> str:
    return f"tax:rules:{domain}:revision"


def current_revision_in_db(session: Session, domain: str) -> int:
    return session.scalar(select(func.max(RuleRevision.id)).where(RuleRevision.domain == domain)) or 0


class RevisionWatch:
    def __init__(self, sessions: sessionmaker[Session], redis, domain: str, check_seconds: float) -> None:
        self.sessions = sessions
        self.redis = redis
        self.domain = domain
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._revision = 0
        self._checked_at = float("-inf")

    def current(self) -> int:
        with self._lock:
            if time.monotonic() - self._checked_at >= self.check_seconds:
                self._revision = self._read()
                self._checked_at = time.monotonic()
            return self._revision

    def _read(self) -> int:
        key = revision_key(self.domain)
        try:
            cached = self.redis.get(key)
            if cached is not None:
                return int(cached)
        except Exception as error:  # noqa: BLE001 - Redis is a cache: fall back to the truth
            log.warning("redis unavailable for %s, reading PostgreSQL: %r", key, error)
            with self.sessions() as session:
                return current_revision_in_db(session, self.domain)
        with self.sessions() as session:
            revision = current_revision_in_db(session, self.domain)
        self._share(revision)
        return revision

    def publish(self, revision: int) -> None:
        """After a commit that added `revision`: tell every replica, and stop trusting our own copy."""
        self._share(revision)  # first, so that our own next read already finds it
        with self._lock:
            self._checked_at = float("-inf")

    def _share(self, revision: int) -> None:
        try:
            self.redis.eval(_PUBLISH, 1, revision_key(self.domain), revision, KEY_TTL_SECONDS)
        except Exception as error:  # noqa: BLE001 - the others will see it when the key expires
            log.warning("could not publish %s revision %s to redis: %r", self.domain, revision, error)
