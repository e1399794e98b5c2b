"""Clock PINs of staff without a login, hashed with argon2id (as auth hashes passwords)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PinHasher:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()

    def hash(self, pin: str) -> str:
        return self._hasher.hash(pin)

    def verify(self, pin_hash: str, pin: str) -> bool:
        try:
            return self._hasher.verify(pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False
