"""auth tables (schema auth).

Every tenant-owned row carries tenant_id and every query filters by it. Signing keys and the outbox
are platform-wide machinery, not tenant data.
"""
import uuid
from datetime import datetime

from chassis.db import TimestampedMixin, make_base
from sqlalchemy import ARRAY, BigInteger, Boolean, ForeignKey, LargeBinary, String, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

Base = make_base()


class Tenant(TimestampedMixin, Base):
    """A restaurant group."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(Text)
    # A platform-operator tenant (the operator's own staff): only its users may carry the platform
    # operator role's permissions (chassis.rbac.PLATFORM_ROLES). Set by the operator's command only.
    platform_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class Location(TimestampedMixin, Base):
    __tablename__ = "locations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(Text)  # IANA name, e.g. America/New_York
    state: Mapped[str] = mapped_column(String(2))  # for tax


class User(TimestampedMixin, Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(Text)  # stored lower-cased; unique per tenant among live users
    display_name: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    location_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), default=list)
    active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)


class Role(TimestampedMixin, Base):
    """A tenant's custom role: a name and a set of the platform's permission names."""

    __tablename__ = "roles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    permissions: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)


class RefreshToken(TimestampedMixin, Base):
    """One opaque refresh token, stored only as its SHA-256 (the token has 256 random bits, so a
    fast hash is enough: there is nothing to brute-force). A family is one login's chain of rotations."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    expires_at: Mapped[datetime]
    family_expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)  # rotated: a second use is reuse
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoke_reason: Mapped[str | None] = mapped_column(Text, default=None)


class AuditEntry(TimestampedMixin, Base):
    """Append-only (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True, default=None)
    actor_id: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str] = mapped_column(Text, default="")
    subject_id: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="success")
    client_address: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    occurred_at: Mapped[datetime]


class SigningKey(Base):
    """A JWT signing key pair; the private half is sealed with AUTH_KEY_ENCRYPTION_KEY.

    Life: created (published in the JWKS, not signing) -> activated (signing) -> superseded (a newer
    key signs; still published while tokens it signed may live) -> retired (unpublished)."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(Text, primary_key=True)
    algorithm: Mapped[str] = mapped_column(Text)
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)
