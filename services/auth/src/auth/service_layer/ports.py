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
    """Password attempts per account and per client address, and account lockouts.

    An attempt reserves its slot BEFORE the password is checked (check and count in one atomic step),
    so that however many attempts arrive at once, at most the limit get to check a password. The
    attempt then reports back: record_failure (the slot stays counted) or record_success."""

    def account(self, tenant_slug: str, email: str) -> str:
        """The opaque name the throttle knows an account by."""

    def reserve(self, account: str, address: str) -> int | None:
        """None: the attempt is counted and may check the password; else the seconds to wait."""

    def record_failure(self, account: str, address: str) -> int | None:
        """The reserved attempt failed; the lockout seconds when this failure locked the account."""

    def record_success(self, account: str, address: str) -> None:
        """The reserved attempt succeeded: the account's failures are forgotten."""

    def unlock(self, account: str) -> bool: ...

    def locked_for(self, account: str) -> int:
        """Seconds the account stays locked (0: not locked)."""
