"""Login throttling state in Redis: failure counters per account and per client address, and
account locks. Counters expire with their window, locks after the lockout delay, so nothing needs
cleaning up. Keys hash the account name so no e-mail address sits in Redis in clear."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

PREFIX = "auth:login"


def account_key(tenant_slug: str, email: str) -> str:
    return hashlib.sha256(f"{tenant_slug.lower()}\x00{email.strip().lower()}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ThrottlePolicy:
    window_seconds: int
    account_max_failures: int
    address_max_failures: int
    lockout_seconds: int


class LoginThrottle:
    """`store` is a redis.Redis (or anything with the same incr/expire/ttl/set/delete/exists)."""

    def __init__(self, store, policy: ThrottlePolicy) -> None:
        self.store = store
        self.policy = policy

    def account(self, tenant_slug: str, email: str) -> str:
        """The key an account's counters and lock live under (the e-mail hashed)."""
        return account_key(tenant_slug, email)

    def retry_after(self, account: str, address: str) -> int | None:
        """Seconds to wait when this attempt must be refused before even checking the password."""
        lock_ttl = self.store.ttl(f"{PREFIX}:lock:{account}")
        if lock_ttl and lock_ttl > 0:
            return int(lock_ttl)
        address_key = f"{PREFIX}:fail:addr:{address}"
        count = int(self.store.get(address_key) or 0)
        if count >= self.policy.address_max_failures:
            return max(int(self.store.ttl(address_key)), 1)
        return None

    def record_failure(self, account: str, address: str) -> int | None:
        """Counts a failure; returns the lockout seconds when this failure locked the account."""
        pipe = self.store.pipeline()
        for key in (f"{PREFIX}:fail:acct:{account}", f"{PREFIX}:fail:addr:{address}"):
            pipe.incr(key)
            pipe.expire(key, self.policy.window_seconds, nx=True)
        account_failures = pipe.execute()[0]
        if account_failures >= self.policy.account_max_failures:
            self.store.set(f"{PREFIX}:lock:{account}", "1", ex=self.policy.lockout_seconds)
            self.store.delete(f"{PREFIX}:fail:acct:{account}")
            return self.policy.lockout_seconds
        return None

    def record_success(self, account: str) -> None:
        self.store.delete(f"{PREFIX}:fail:acct:{account}")

    def unlock(self, account: str) -> bool:
        return bool(self.store.delete(f"{PREFIX}:lock:{account}", f"{PREFIX}:fail:acct:{account}"))

    def locked_for(self, account: str) -> int:
        ttl = self.store.ttl(f"{PREFIX}:lock:{account}")
        return int(ttl) if ttl and ttl > 0 else 0
