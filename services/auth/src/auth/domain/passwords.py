"""Password hashing with argon2id (argon2-cffi) and the password policy.

Verification is constant-time inside the library. The policy follows NIST SP 800-63B: a minimum
length, no composition rules, and a refusal of passwords known from breaches / common lists.
"""
from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 128  # hashing cost is bounded; longer inputs are refused, not truncated

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the user does not exist, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("auth.domain.data").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, context: tuple[str, ...] = ()) -> str | None:
    """Why `password` may not be used, or None. `context`: words tied to the account (e-mail, tenant)
    that must not make up the password."""
    normalized = unicodedata.normalize("NFKC", password)
    if len(normalized) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(normalized) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    lowered = normalized.lower()
    if len(set(lowered)) < 4:
        return "is too repetitive"
    # Common passwords, also with the usual digits or symbols appended ("password123!").
    stripped = lowered.rstrip("0123456789!@#$%^&*.?_-")
    common = _common_passwords()
    if lowered in common or stripped in common or _is_sequence(lowered):
        return "is too common (found in lists of breached passwords)"
    for word in context:
        word = word.lower()
        if len(word) >= 4 and (lowered == word or stripped == word):
            return "must not be the e-mail address or the tenant name"
    return None


def _is_sequence(text: str) -> bool:
    """"1234567890", "abcdefghij", "qwertyuiop" and their reverses."""
    rows = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")
    core = text.rstrip("!@#$%^&*.?_-")
    return any(core in row or core in row[::-1] for row in rows) and len(core) >= 6
