"""Queries of the auth tables, one repository per aggregate, all working in the unit of work's session.

Tenant-owned rows are always looked up within a tenant (every method takes tenant_id): a row of
another tenant is "not found", never shown. Soft-deleted rows count as absent unless a method says so.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.adapters.orm import AuditEntry, Location, RefreshToken, Role, SigningKey, Tenant, User


def _add_unique(session: Session, row) -> bool:
    """Adds `row` in a savepoint; False (and nothing written) when a unique constraint refuses it."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def _add(session: Session, row):
    session.add(row)
    session.flush()  # database defaults (ids, timestamps) are set now
    return row


class TenantRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, tenant: Tenant) -> bool:
        """False when the slug is taken."""
        return _add_unique(self.session, tenant)

    def live(self, tenant_id: uuid.UUID) -> Tenant | None:
        return self.session.scalars(select(Tenant).where(Tenant.id == tenant_id, Tenant.deleted_at.is_(None))).first()

    def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        """Deleted or not."""
        return self.session.get(Tenant, tenant_id)

    def by_slug(self, slug: str) -> Tenant | None:
        return self.session.scalars(select(Tenant).where(Tenant.slug == slug, Tenant.deleted_at.is_(None))).first()

    def id_by_slug(self, slug: str) -> uuid.UUID | None:
        """Deleted or not (for the audit trail of a failed login)."""
        return self.session.scalars(select(Tenant.id).where(Tenant.slug == slug)).first()


class LocationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, location: Location) -> Location:
        return _add(self.session, location)

    def live(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> Location | None:
        return self.session.scalars(select(Location).where(
            Location.id == location_id, Location.tenant_id == tenant_id, Location.deleted_at.is_(None))).first()

    def of_tenant(self, tenant_id: uuid.UUID) -> list[Location]:
        """By name."""
        return list(self.session.scalars(select(Location).where(
            Location.tenant_id == tenant_id, Location.deleted_at.is_(None)).order_by(Location.name)))

    def first_created(self, tenant_id: uuid.UUID) -> Location | None:
        return self.session.scalars(select(Location).where(Location.tenant_id == tenant_id)
                                    .order_by(Location.created_at)).first()

    def existing_ids(self, tenant_id: uuid.UUID, location_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `location_ids` that are live locations of the tenant."""
        return set(self.session.scalars(select(Location.id).where(
            Location.tenant_id == tenant_id, Location.id.in_(list(location_ids)), Location.deleted_at.is_(None))))


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> bool:
        """False when the e-mail is taken in the tenant."""
        return _add_unique(self.session, user)

    def get(self, user_id: uuid.UUID) -> User | None:
        """Deleted or not."""
        return self.session.get(User, user_id)

    def in_tenant(self, tenant_id: uuid.UUID, user_id: uuid.UUID, for_update: bool = False) -> User | None:
        query = select(User).where(User.id == user_id, User.tenant_id == tenant_id, User.deleted_at.is_(None))
        return self.session.scalars(query.with_for_update() if for_update else query).first()

    def of_tenant(self, tenant_id: uuid.UUID, include_inactive: bool = True) -> list[User]:
        """By e-mail."""
        query = select(User).where(User.tenant_id == tenant_id, User.deleted_at.is_(None))
        if not include_inactive:
            query = query.where(User.active.is_(True))
        return list(self.session.scalars(query.order_by(User.email)))

    def by_email(self, tenant_id: uuid.UUID, email: str) -> User | None:
        return self.session.scalars(select(User).where(User.tenant_id == tenant_id, User.email == email)).first()

    def for_login(self, tenant_slug: str, email: str) -> User | None:
        """The live user of a live tenant signing in with this e-mail."""
        return self.session.scalars(
            select(User).join(Tenant, Tenant.id == User.tenant_id).where(
                Tenant.slug == tenant_slug, Tenant.deleted_at.is_(None),
                User.email == email, User.deleted_at.is_(None))).first()

    def count_holding(self, tenant_id: uuid.UUID, role: str) -> int:
        return self.session.scalar(select(func.count()).select_from(User).where(
            User.tenant_id == tenant_id, User.deleted_at.is_(None), User.roles.any(role)))


class RoleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, role: Role) -> bool:
        """False when the name is taken in the tenant."""
        return _add_unique(self.session, role)

    def by_name(self, tenant_id: uuid.UUID, name: str, for_update: bool = False) -> Role | None:
        query = select(Role).where(Role.tenant_id == tenant_id, Role.name == name, Role.deleted_at.is_(None))
        return self.session.scalars(query.with_for_update() if for_update else query).first()

    def of_tenant(self, tenant_id: uuid.UUID) -> list[Role]:
        """By name."""
        return list(self.session.scalars(select(Role).where(
            Role.tenant_id == tenant_id, Role.deleted_at.is_(None)).order_by(Role.name)))

    def permissions_by_name(self, tenant_id: uuid.UUID) -> dict[str, frozenset[str]]:
        """The tenant's custom roles: name -> permissions."""
        rows = self.session.execute(select(Role.name, Role.permissions).where(
            Role.tenant_id == tenant_id, Role.deleted_at.is_(None))).all()
        return {name: frozenset(permissions) for name, permissions in rows}


class RefreshTokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: RefreshToken) -> RefreshToken:
        return _add(self.session, token)

    def by_hash_for_update(self, token_hash: bytes) -> RefreshToken | None:
        return self.session.scalars(select(RefreshToken).where(RefreshToken.token_hash == token_hash)
                                    .with_for_update()).first()

    def revoke_family(self, family_id: uuid.UUID, reason: str, now: datetime) -> int:
        result = self.session.execute(update(RefreshToken).where(
            RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now, revoke_reason=reason, updated_at=now))
        return result.rowcount

    def revoke_user(self, tenant_id: uuid.UUID, user_id: uuid.UUID, reason: str, now: datetime) -> int:
        result = self.session.execute(update(RefreshToken).where(
            RefreshToken.tenant_id == tenant_id, RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now, revoke_reason=reason, updated_at=now))
        return result.rowcount


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> int:
        """Appends the row; returns its id (the table is append-only)."""
        return _add(self.session, entry).id

    def search(self, tenant_id: uuid.UUID, action: str | None = None, subject_id: str | None = None,
               before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""
        query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
        if action:
            query = query.where(AuditEntry.action == action)
        if subject_id:
            query = query.where(AuditEntry.subject_id == subject_id)
        if before_id:
            query = query.where(AuditEntry.id < before_id)
        return list(self.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


class SigningKeyRepository:
    """Platform-wide (not tenant data)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self) -> None:
        """Serializes key changes (start-up, rotation) across processes for this transaction."""
        self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('auth.signing_keys'))"))

    def add(self, key: SigningKey) -> SigningKey:
        return _add(self.session, key)

    def get(self, kid: str) -> SigningKey | None:
        return self.session.get(SigningKey, kid)

    def active(self) -> SigningKey | None:
        return self.session.scalars(select(SigningKey).where(
            SigningKey.activated_at.is_not(None), SigningKey.superseded_at.is_(None),
            SigningKey.retired_at.is_(None)).order_by(SigningKey.activated_at.desc())).first()

    def pending(self) -> list[SigningKey]:
        """Created, not yet signing, oldest first."""
        return list(self.session.scalars(select(SigningKey).where(
            SigningKey.activated_at.is_(None), SigningKey.retired_at.is_(None)).order_by(SigningKey.created_at)))

    def superseded_unretired(self, on_or_before: datetime) -> list[SigningKey]:
        return list(self.session.scalars(select(SigningKey).where(
            SigningKey.superseded_at.is_not(None), SigningKey.retired_at.is_(None),
            SigningKey.superseded_at <= on_or_before)))

    def published(self, now: datetime | None = None, token_lifetime: timedelta | None = None) -> list[SigningKey]:
        """Unretired keys, oldest first; with now and token_lifetime, without superseded keys whose
        every token has expired."""
        query = select(SigningKey).where(SigningKey.retired_at.is_(None))
        if now is not None and token_lifetime is not None:
            query = query.where(or_(SigningKey.superseded_at.is_(None),
                                    SigningKey.superseded_at > now - token_lifetime))
        return list(self.session.scalars(query.order_by(SigningKey.created_at)))
