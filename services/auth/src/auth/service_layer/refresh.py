"""Opaque refresh tokens, rotated on every use and grouped in families (RFC 9700 §4.14.2).

A token is 256 random bits shown to the client once; the database keeps only its SHA-256. Using a
token marks it used and issues its successor in the same family. Presenting a used token again
means it was stolen (or the client misbehaves): the whole family is revoked, so whoever holds the
newest token - attacker or user - must log in again.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

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


def issue(session: Session, user: User, config: RefreshSettings, family_id: uuid.UUID | None = None,
          family_expires_at: datetime | None = None) -> IssuedRefresh:
    now = datetime.now(UTC)
    token = PREFIX + secrets.token_urlsafe(32)
    family_expires_at = family_expires_at or now + timedelta(seconds=config.family_max_seconds)
    expires_at = min(now + timedelta(seconds=config.ttl_seconds), family_expires_at)
    row = RefreshToken(tenant_id=user.tenant_id, user_id=user.id, family_id=family_id or uuid.uuid4(),
                       token_hash=token_hash(token), expires_at=expires_at, family_expires_at=family_expires_at)
    session.add(row)
    session.flush()
    return IssuedRefresh(token, row.family_id, expires_at)


def find_for_update(session: Session, token: str) -> RefreshToken | None:
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    return session.scalars(select(RefreshToken).where(RefreshToken.token_hash == token_hash(token))
                           .with_for_update()).first()


def revoke_family(session: Session, family_id: uuid.UUID, reason: str) -> int:
    now = datetime.now(UTC)
    result = session.execute(update(RefreshToken).where(
        RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason, updated_at=now))
    return result.rowcount


def revoke_user(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> int:
    """Every live refresh token of the user (password change, deactivation, logout everywhere)."""
    now = datetime.now(UTC)
    result = session.execute(update(RefreshToken).where(
        RefreshToken.tenant_id == tenant_id, RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=reason, updated_at=now))
    return result.rowcount
