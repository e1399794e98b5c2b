"""Login, refresh and logout: the life of a signed-in session (an access token plus a refresh family)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from chassis.bootstrap import Clock, IdGenerator, utc_now
from chassis.errors import InvalidInput, NotFound, Unauthenticated
from chassis.identity import Identity
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from auth.adapters.orm import RefreshToken, User
from auth.domain.errors import TooManyAttempts
from auth.domain.passwords import hash_password, needs_rehash, verify_password
from auth.service_layer import audit, refresh
from auth.service_layer.audit import Actor, AuditRecord
from auth.service_layer.directory import permissions_of
from auth.service_layer.ports import KeyRing, LoginThrottle
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
    """The session use cases and what they need (wired in bootstrap)."""

    uow: UnitOfWorkFactory
    keyring: KeyRing
    throttle: LoginThrottle
    tokens: TokenSettings
    refresh_settings: refresh.RefreshSettings
    clock: Clock = utc_now
    new_id: IdGenerator = field(default=uuid.uuid4)

    def _sign_in(self, tx: UnitOfWork, user: User, now: datetime, family: uuid.UUID | None = None,
                 family_expires_at: datetime | None = None) -> SignedIn:
        permissions = permissions_of(tx, user)
        issued = refresh.issue(tx, user, self.refresh_settings, now, family or self.new_id(), family_expires_at)
        key = tx.signing_keys.active()
        if key is None:
            raise LookupError("no active signing key")
        access = issue_access_token(self.keyring, key, self.tokens, now, str(user.id), str(user.tenant_id),
                                    list(user.roles), [str(x) for x in user.location_ids], permissions)
        return SignedIn(access, self.tokens.ttl_seconds, issued.token, issued.expires_at, str(user.id), key.kid)

    def _audit(self, actor: Actor, entry: AuditRecord) -> None:
        """An audit row of its own (a refused attempt writes nothing else)."""
        with self.uow() as tx:
            audit.record(tx, actor, entry, self.clock())
            tx.commit()

    def login(self, tenant_slug: str, email: str, password: str, client_address: str) -> SignedIn:
        tenant_slug, email = tenant_slug.strip().lower(), email.strip().lower()
        account = self.throttle.account(tenant_slug, email)
        actor = Actor("", client_address)
        # The attempt is counted before the password is checked (one atomic step in the throttle), so
        # concurrent attempts cannot all slip in under the limit.
        wait = self.throttle.reserve(account, client_address)
        if wait:
            self._audit(actor, AuditRecord("login.throttled", None, "account", email, "failure",
                                           {"tenant": tenant_slug}))
            raise TooManyAttempts("too many failed logins; retry later", wait)
        with self.uow() as tx:
            user = tx.users.for_login(tenant_slug, email)
            # Same work and the same answer whether the user is unknown, inactive or mistyped a password.
            valid = verify_password(user.password_hash if user else None, password)
            if valid and user is not None and user.active:
                self.throttle.record_success(account, client_address)
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                now = self.clock()
                signed = self._sign_in(tx, user, now)
                audit.record(tx, Actor(str(user.id), client_address), AuditRecord(
                    "login.succeeded", user.tenant_id, "user", str(user.id)), now)
                tx.commit()
                return signed
            tenant_id = user.tenant_id if user else tx.tenants.id_by_slug(tenant_slug)
            reason = "unknown_account" if user is None else ("inactive" if not user.active else "bad_password")
            subject = str(user.id) if user else email
        locked = self.throttle.record_failure(account, client_address)
        self._audit(actor, AuditRecord("login.failed", tenant_id, "user", subject, "failure", {"reason": reason}))
        if locked:
            self._audit(actor, AuditRecord("login.locked", tenant_id, "user", subject,
                                           "failure", {"lockout_seconds": str(locked)}))
        raise Unauthenticated("invalid tenant, email or password")

    def refresh(self, token: str, client_address: str) -> SignedIn:
        """Rotates the refresh token. Reuse of a rotated token revokes its family (and is committed
        even though the caller gets 401)."""
        outcome: SignedIn | None = None
        with self.uow() as tx:
            now = self.clock()
            row = refresh.find_for_update(tx, token)
            failure = ("unknown", None) if row is None else self._refresh_problem(tx, row, now)
            if row is not None and failure is None:
                user = tx.users.get(row.user_id)
                row.used_at = now
                outcome = self._sign_in(tx, user, now, row.family_id, row.family_expires_at)
                audit.record(tx, Actor(str(user.id), client_address), AuditRecord(
                    "token.refreshed", row.tenant_id, "refresh_token_family", str(row.family_id)), now)
            elif row is not None:
                reason, action = failure
                if action:
                    refresh.revoke_family(tx, row.family_id, reason, now)
                    audit.record(tx, Actor(str(row.user_id), client_address), AuditRecord(
                        action, row.tenant_id, "refresh_token_family", str(row.family_id), "failure",
                        {"reason": reason}), now)
            tx.commit()
        if outcome is None:
            raise Unauthenticated("refresh token is invalid, expired or revoked")
        return outcome

    @staticmethod
    def _refresh_problem(tx: UnitOfWork, row: RefreshToken, now: datetime) -> tuple[str, str | None] | None:
        """(reason, audit action or None) when the token may not be used; None when it may."""
        if row.revoked_at is not None:
            return ("revoked", None)
        if row.used_at is not None:
            return ("reuse", "token.reuse_detected")
        if row.expires_at <= now:
            return ("expired", None)
        user = tx.users.get(row.user_id)
        tenant = tx.tenants.get(row.tenant_id)
        if user is None or not user.active or user.deleted_at is not None or tenant.deleted_at is not None:
            return ("user_inactive", "token.refused")
        return None

    def logout(self, identity: Identity, token: str | None, everywhere: bool, client_address: str) -> int:
        with self.uow() as tx:
            now = self.clock()
            actor = Actor(identity.subject, client_address)
            if everywhere:
                count = refresh.revoke_user(tx, identity.tenant_uuid, _user_uuid(identity), "logout", now)
                audit.record(tx, actor, AuditRecord("logout.everywhere", identity.tenant_uuid, "user",
                                                    identity.subject, details={"revoked": str(count)}), now)
                tx.commit()
                return count
            if not token:
                raise InvalidInput("is required unless all_sessions is true", field="refresh_token")
            row = refresh.find_for_update(tx, token)
            # Another user's token is answered like an unknown one: no oracle for stolen tokens.
            if row is None or str(row.user_id) != identity.subject or row.tenant_id != identity.tenant_uuid:
                raise NotFound("no such refresh token", field="refresh_token")
            count = refresh.revoke_family(tx, row.family_id, "logout", now)
            audit.record(tx, actor, AuditRecord("logout", identity.tenant_uuid, "refresh_token_family",
                                                str(row.family_id)), now)
            tx.commit()
            return count


def _user_uuid(identity: Identity) -> uuid.UUID:
    """The caller's user id; a token whose subject is not a user (a service) has no sessions."""
    try:
        return parse_uuid(identity.subject, "sub")
    except InvalidInput:
        raise Unauthenticated("identity is not a user") from None
