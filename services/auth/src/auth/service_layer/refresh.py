"""Opaque refresh tokens, rotated on every use and grouped in families (RFC 9700 §4.14.2).

A token is 256 random bits shown to the client once; the database keeps only its SHA-256. Using a
token marks it used and issues its successor in the same family. Presenting a used token again
means it was stolen (or the client misbehaves): the whole family is revoked, so whoever holds the
newest token - attacker or user - must log in again.

These helpers work in the caller's open unit of work `tx`.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from chassis.uow import UnitOfWork

from auth.adapters.orm import RefreshToken, User

PREFIX = "rt1."


@dataclass(frozen=True)
class RefreshSettings:
    ttl_seconds: int
    family_max_seconds: int


@dataclass(frozen=True)
class IssuedRefresh:
    token: str
    family_id: uuid.UUID
    expires_at: datetime


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def issue(tx: UnitOfWork, user: User, config: RefreshSettings, now: datetime, family_id: uuid.UUID,
          family_expires_at: datetime | None = None) -> IssuedRefresh:
    """A new token of `family_id` (a new family when family_expires_at is None: a login)."""
    token = PREFIX + secrets.token_urlsafe(32)
    family_expires_at = family_expires_at or now + timedelta(seconds=config.family_max_seconds)
    expires_at = min(now + timedelta(seconds=config.ttl_seconds), family_expires_at)
    tx.refresh_tokens.add(RefreshToken(tenant_id=user.tenant_id, user_id=user.id, family_id=family_id,
                                       token_hash=token_hash(token), expires_at=expires_at,
                                       family_expires_at=family_expires_at))
    return IssuedRefresh(token, family_id, expires_at)


def find_for_update(tx: UnitOfWork, token: str) -> RefreshToken | None:
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    return tx.refresh_tokens.by_hash_for_update(token_hash(token))


def revoke_family(tx: UnitOfWork, family_id: uuid.UUID, reason: str, now: datetime) -> int:
    return tx.refresh_tokens.revoke_family(family_id, reason, now)


def revoke_user(tx: UnitOfWork, tenant_id: uuid.UUID, user_id: uuid.UUID, reason: str, now: datetime) -> int:
    """Every live refresh token of the user (password change, deactivation, logout everywhere)."""
    return tx.refresh_tokens.revoke_user(tenant_id, user_id, reason, now)
