"""Login throttling state in Redis: attempt counters per account and per client address, and
account locks. Counters expire with their window, locks after the lockout delay, so nothing needs
cleaning up. Keys hash the account name so no e-mail address sits in Redis in clear.

An attempt RESERVES its slot before the password is checked: one Lua script (atomic in Redis) checks
the lock and both counters and, when there is room, counts the attempt against both. A counter is
therefore "failures plus attempts in flight", and of any number of concurrent attempts at most the
limit get to check a password; the rest are refused at once. A success gives its slots back (the
account's counter starts again, the address gets its one slot back); a failure keeps them, and the
failure that finds the account's counter at the limit locks the account. An attempt whose process
dies in flight keeps its slot until the window ends: that errs on the safe side.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

PREFIX = "auth:login"

# KEYS: lock, account counter, address counter. ARGV: window, account limit, address limit.
# Returns 0 when the attempt got its slots, else the seconds to wait.
_RESERVE = """
local lock_ttl = redis.call('TTL', KEYS[1])
if lock_ttl > 0 then return lock_ttl end
local window = tonumber(ARGV[1])
local function full(key, limit)
  if tonumber(redis.call('GET', key) or '0') < limit then return 0 end
  local ttl = redis.call('TTL', key)
  if ttl < 1 then ttl = window end
  return ttl
end
local wait = full(KEYS[2], tonumber(ARGV[2]))
if wait > 0 then return wait end
wait = full(KEYS[3], tonumber(ARGV[3]))
if wait > 0 then return wait end
for i = 2, 3 do
  if redis.call('INCR', KEYS[i]) == 1 or redis.call('TTL', KEYS[i]) < 0 then
    redis.call('EXPIRE', KEYS[i], window)
  end
end
return 0
"""

# KEYS: lock, account counter. ARGV: account limit, lockout seconds.
# Returns the lockout seconds when this failure locked the account, else 0.
_FAILED = """
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[2]))
  redis.call('DEL', KEYS[2])
  return tonumber(ARGV[2])
end
return 0
"""

# KEYS: account counter, address counter. The account starts again; the address gets its slot back.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0
"""


def account_key(tenant_slug: str, email: str) -> str:
    return hashlib.sha256(f"{tenant_slug.lower()}\x00{email.strip().lower()}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ThrottlePolicy:
    window_seconds: int
    account_max_failures: int
    address_max_failures: int
    lockout_seconds: int


class LoginThrottle:
    """`store` is a redis.Redis (anything with register_script, ttl and delete)."""

    def __init__(self, store, policy: ThrottlePolicy) -> None:
        self.store = store
        self.policy = policy
        self._reserve = store.register_script(_RESERVE)
        self._failed = store.register_script(_FAILED)
        self._succeeded = store.register_script(_SUCCEEDED)

    @staticmethod
    def _keys(account: str, address: str = "") -> tuple[str, str, str]:
        return f"{PREFIX}:lock:{account}", f"{PREFIX}:fail:acct:{account}", f"{PREFIX}:fail:addr:{address}"

    def account(self, tenant_slug: str, email: str) -> str:
        """The key an account's counters and lock live under (the e-mail hashed)."""
        return account_key(tenant_slug, email)

    def reserve(self, account: str, address: str) -> int | None:
        """Counts this attempt before the password is checked. None: go ahead and check it; else the
        seconds to wait (locked, or the account's or the address's attempts are used up)."""
        policy = self.policy
        wait = int(self._reserve(keys=self._keys(account, address), args=[
            policy.window_seconds, policy.account_max_failures, policy.address_max_failures]))
        return wait or None

    def record_failure(self, account: str, address: str) -> int | None:
        """The reserved attempt failed (its slots stay taken); the lockout seconds when it locked the account."""
        lock, counter, _ = self._keys(account)
        locked = int(self._failed(keys=[lock, counter], args=[self.policy.account_max_failures,
                                                             self.policy.lockout_seconds]))
        return locked or None

    def record_success(self, account: str, address: str) -> None:
        """The reserved attempt succeeded: the account's failures are forgotten, the address's slot returned."""
        _, counter, address_counter = self._keys(account, address)
        self._succeeded(keys=[counter, address_counter])

    def unlock(self, account: str) -> bool:
        lock, counter, _ = self._keys(account)
        return bool(self.store.delete(lock, counter))

    def locked_for(self, account: str) -> int:
        ttl = self.store.ttl(self._keys(account)[0])
        return int(ttl) if ttl and ttl > 0 else 0
