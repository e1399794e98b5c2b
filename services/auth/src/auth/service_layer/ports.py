"""What the use cases need from the outside world beyond the unit of work, as Protocols.

bootstrap.py passes the real adapters (auth.adapters.keys.KeyRing, auth.adapters.throttle.LoginThrottle);
tests pass fakes. The service layer never imports those adapters.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from auth.adapters.orm import SigningKey


class KeyRing(Protocol):
    """Makes signing keys and signs access tokens with them (private halves stay sealed at rest)."""

    def new_key(self, now: datetime, activate: bool) -> SigningKey:
        """A new key pair as an unsaved row; signing from `now` when `activate`."""

    def sign(self, key: SigningKey, claims: dict) -> str:
        """The compact JWT of `claims`, signed with `key`, its kid in the header."""


class LoginThrottle(Protocol):
    """Failed-login counters per account and per client address, and account lockouts."""

    def account(self, tenant_slug: str, email: str) -> str:
        """The opaque name the throttle knows an account by."""

    def retry_after(self, account: str, address: str) -> int | None:
        """Seconds to wait when this attempt must be refused before the password is even checked."""

    def record_failure(self, account: str, address: str) -> int | None:
        """Counts a failure; the lockout seconds when this failure locked the account."""

    def record_success(self, account: str) -> None: ...

    def unlock(self, account: str) -> bool: ...

    def locked_for(self, account: str) -> int:
        """Seconds the account stays locked (0: not locked)."""
