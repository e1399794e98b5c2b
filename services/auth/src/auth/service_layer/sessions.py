"""Login, refresh and logout: the life of a signed-in session (an access token plus a refresh family)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chassis.crypto import Sealer
from chassis.errors import InvalidInput, NotFound, Unauthenticated
from chassis.identity import Identity
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from auth.adapters import keys
from auth.adapters.orm import RefreshToken, Tenant, User
from auth.adapters.throttle import LoginThrottle, account_key
from auth.domain.errors import TooManyAttempts
from auth.domain.passwords import hash_password, needs_rehash, verify_password
from auth.service_layer import audit, refresh
from auth.service_layer.audit import Actor, AuditRecord
from auth.service_layer.directory import permissions_of
from auth.service_layer.tokens import TokenSettings, issue_access_token


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    user_id: str
    kid: str


@dataclass
class Sessions:
    """The use cases' dependencies (wired in bootstrap)."""

    db: sessionmaker[Session]
    sealer: Sealer
    throttle: LoginThrottle
    tokens: TokenSettings
    refresh_settings: refresh.RefreshSettings

    def _sign_in(self, session: Session, user: User, family=None, family_expires_at=None) -> SignedIn:
        permissions = permissions_of(session, user)
        issued = refresh.issue(session, user, self.refresh_settings, family, family_expires_at)
        key = keys.active_key(session, self.sealer)
        access = issue_access_token(key, self.tokens.issuer, self.tokens.audience, self.tokens.ttl_seconds,
                                    str(user.id), str(user.tenant_id), list(user.roles),
                                    [str(x) for x in user.location_ids], permissions)
        return SignedIn(access, self.tokens.ttl_seconds, issued.token, issued.expires_at, str(user.id), key.kid)

    def _audit(self, actor: Actor, entry: AuditRecord) -> None:
        with self.db.begin() as session:
            audit.record(session, actor, entry)

    def login(self, tenant_slug: str, email: str, password: str, client_address: str) -> SignedIn:
        tenant_slug, email = tenant_slug.strip().lower(), email.strip().lower()
        account = account_key(tenant_slug, email)
        actor = Actor("", client_address)
        wait = self.throttle.retry_after(account, client_address)
        if wait:
            self._audit(actor, AuditRecord("login.throttled", None, "account", email, "failure",
                                           {"tenant": tenant_slug}))
            raise TooManyAttempts("too many failed logins; retry later", wait)
        with self.db.begin() as session:
            row = session.execute(
                select(User, Tenant).join(Tenant, Tenant.id == User.tenant_id).where(
                    Tenant.slug == tenant_slug, Tenant.deleted_at.is_(None),
                    User.email == email, User.deleted_at.is_(None))).first()
            user = row[0] if row else None
            # Same work and the same answer whether the user is unknown, inactive or mistyped a password.
            valid = verify_password(user.password_hash if user else None, password)
            if valid and user is not None and user.active:
                self.throttle.record_success(account)
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                signed = self._sign_in(session, user)
                audit.record(session, Actor(str(user.id), client_address), AuditRecord(
                    "login.succeeded", user.tenant_id, "user", str(user.id)))
                return signed
            tenant_id = user.tenant_id if user else session.scalars(
                select(Tenant.id).where(Tenant.slug == tenant_slug)).first()
            reason = "unknown_account" if user is None else ("inactive" if not user.active else "bad_password")
        locked = self.throttle.record_failure(account, client_address)
        self._audit(actor, AuditRecord("login.failed", tenant_id, "user", str(user.id) if user else email,
                                       "failure", {"reason": reason}))
        if locked:
            self._audit(actor, AuditRecord("login.locked", tenant_id, "user", str(user.id) if user else email,
                                           "failure", {"lockout_seconds": str(locked)}))
        raise Unauthenticated("invalid tenant, email or password")

    def refresh(self, token: str, client_address: str) -> SignedIn:
        """Rotates the refresh token. Reuse of a rotated token revokes its family (and is committed
        even though the caller gets 401)."""
        outcome: SignedIn | None = None
        with self.db.begin() as session:
            row = refresh.find_for_update(session, token)
            if row is None:
                failure = ("unknown", None)
            else:
                failure = self._refresh_problem(session, row)
            if row is not None and failure is None:
                user = session.get(User, row.user_id)
                row.used_at = datetime.now(UTC)
                outcome = self._sign_in(session, user, row.family_id, row.family_expires_at)
                audit.record(session, Actor(str(user.id), client_address), AuditRecord(
                    "token.refreshed", row.tenant_id, "refresh_token_family", str(row.family_id)))
            elif row is not None:
                reason, action = failure
                if action:
                    refresh.revoke_family(session, row.family_id, reason)
                    audit.record(session, Actor(str(row.user_id), client_address), AuditRecord(
                        action, row.tenant_id, "refresh_token_family", str(row.family_id), "failure",
                        {"reason": reason}))
        if outcome is None:
            raise Unauthenticated("refresh token is invalid, expired or revoked")
        return outcome

    @staticmethod
    def _refresh_problem(session: Session, row: RefreshToken) -> tuple[str, str | None] | None:
        """(reason, audit action or None) when the token may not be used; None when it may."""
        now = datetime.now(UTC)
        if row.revoked_at is not None:
            return ("revoked", None)
        if row.used_at is not None:
            return ("reuse", "token.reuse_detected")
        if row.expires_at <= now:
            return ("expired", None)
        user = session.get(User, row.user_id)
        tenant = session.get(Tenant, row.tenant_id)
        if user is None or not user.active or user.deleted_at is not None or tenant.deleted_at is not None:
            return ("user_inactive", "token.refused")
        return None

    def logout(self, identity: Identity, token: str | None, everywhere: bool, client_address: str) -> int:
        with self.db.begin() as session:
            actor = Actor(identity.subject, client_address)
            if everywhere:
                count = refresh.revoke_user(session, identity.tenant_uuid, _uuid(identity.subject), "logout")
                audit.record(session, actor, AuditRecord("logout.everywhere", identity.tenant_uuid, "user",
                                                         identity.subject, details={"revoked": str(count)}))
                return count
            if not token:
                raise InvalidInput("is required unless all_sessions is true", field="refresh_token")
            row = refresh.find_for_update(session, token)
            # Another user's token is answered like an unknown one: no oracle for stolen tokens.
            if row is None or str(row.user_id) != identity.subject or row.tenant_id != identity.tenant_uuid:
                raise NotFound("no such refresh token", field="refresh_token")
            count = refresh.revoke_family(session, row.family_id, "logout")
            audit.record(session, actor, AuditRecord("logout", identity.tenant_uuid, "refresh_token_family",
                                                     str(row.family_id)))
            return count


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        raise Unauthenticated("identity is not a user") from None
