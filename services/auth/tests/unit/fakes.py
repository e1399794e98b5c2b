"""In-memory stand-ins for the auth adapters, for service-layer tests (no database, Redis or crypto).

FakeAuthUnitOfWork holds repositories with the same methods as auth.adapters.repositories; rows get
what the database would give them on insert (an id, created/updated times). Unique constraints are
checked like PostgreSQL's partial indexes (among live rows).
"""
from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta

from auth.adapters.orm import SigningKey
from chassis.uow import FakeUnitOfWork

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _inserted(row, now: datetime = NOW):
    """What the database fills in on insert."""
    if getattr(row, "id", None) is None:
        row.id = uuid.uuid4()
    for column in ("created_at", "updated_at"):
        if hasattr(type(row), column) and getattr(row, column) is None:
            setattr(row, column, now)
    return row


def _live(row) -> bool:
    return getattr(row, "deleted_at", None) is None


class FakeTenants:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, object] = {}

    def add(self, tenant) -> bool:
        if any(t.slug == tenant.slug for t in self.rows.values()):
            return False
        self.rows[_inserted(tenant).id] = tenant
        return True

    def live(self, tenant_id):
        tenant = self.rows.get(tenant_id)
        return tenant if tenant is not None and _live(tenant) else None

    def get(self, tenant_id):
        return self.rows.get(tenant_id)

    def by_slug(self, slug):
        return next((t for t in self.rows.values() if t.slug == slug and _live(t)), None)

    def id_by_slug(self, slug):
        return next((t.id for t in self.rows.values() if t.slug == slug), None)


class FakeLocations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, object] = {}

    def add(self, location):
        self.rows[_inserted(location).id] = location
        return location

    def live(self, tenant_id, location_id):
        row = self.rows.get(location_id)
        return row if row is not None and row.tenant_id == tenant_id and _live(row) else None

    def of_tenant(self, tenant_id):
        return sorted((r for r in self.rows.values() if r.tenant_id == tenant_id and _live(r)), key=lambda r: r.name)

    def first_created(self, tenant_id):
        return min((r for r in self.rows.values() if r.tenant_id == tenant_id), key=lambda r: r.created_at,
                   default=None)

    def existing_ids(self, tenant_id, location_ids):
        return {i for i in location_ids if self.live(tenant_id, i) is not None}


class FakeUsers:
    def __init__(self, tenants: FakeTenants) -> None:
        self.tenants = tenants
        self.rows: dict[uuid.UUID, object] = {}

    def add(self, user) -> bool:
        if any(u.tenant_id == user.tenant_id and u.email == user.email and _live(u) for u in self.rows.values()):
            return False
        self.rows[_inserted(user).id] = user
        return True

    def get(self, user_id):
        return self.rows.get(user_id)

    def in_tenant(self, tenant_id, user_id, for_update=False):
        user = self.rows.get(user_id)
        return user if user is not None and user.tenant_id == tenant_id and _live(user) else None

    def of_tenant(self, tenant_id, include_inactive=True):
        return sorted((u for u in self.rows.values() if u.tenant_id == tenant_id and _live(u)
                       and (include_inactive or u.active)), key=lambda u: u.email)

    def by_email(self, tenant_id, email):
        return next((u for u in self.rows.values() if u.tenant_id == tenant_id and u.email == email), None)

    def for_login(self, tenant_slug, email):
        tenant = self.tenants.by_slug(tenant_slug)
        return next((u for u in self.rows.values() if tenant is not None and u.tenant_id == tenant.id
                     and u.email == email and _live(u)), None)

    def count_holding(self, tenant_id, role):
        return sum(1 for u in self.rows.values() if u.tenant_id == tenant_id and _live(u) and role in u.roles)


class FakeRoles:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, object] = {}

    def add(self, role) -> bool:
        if self.by_name(role.tenant_id, role.name) is not None:
            return False
        self.rows[_inserted(role).id] = role
        return True

    def by_name(self, tenant_id, name, for_update=False):
        return next((r for r in self.rows.values() if r.tenant_id == tenant_id and r.name == name and _live(r)), None)

    def of_tenant(self, tenant_id):
        return sorted((r for r in self.rows.values() if r.tenant_id == tenant_id and _live(r)), key=lambda r: r.name)

    def permissions_by_name(self, tenant_id):
        return {r.name: frozenset(r.permissions) for r in self.of_tenant(tenant_id)}


class FakeRefreshTokens:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, object] = {}

    def add(self, token):
        self.rows[_inserted(token).id] = token
        return token

    def by_hash_for_update(self, token_hash):
        return next((t for t in self.rows.values() if t.token_hash == token_hash), None)

    def _revoke(self, rows, reason, now) -> int:
        live = [t for t in rows if t.revoked_at is None]
        for token in live:
            token.revoked_at, token.revoke_reason, token.updated_at = now, reason, now
        return len(live)

    def revoke_family(self, family_id, reason, now) -> int:
        return self._revoke([t for t in self.rows.values() if t.family_id == family_id], reason, now)

    def revoke_user(self, tenant_id, user_id, reason, now) -> int:
        return self._revoke([t for t in self.rows.values() if t.tenant_id == tenant_id and t.user_id == user_id],
                            reason, now)


class FakeAudit:
    def __init__(self) -> None:
        self.rows: list = []
        self._ids = itertools.count(1)

    def add(self, entry) -> int:
        entry.id = next(self._ids)
        self.rows.append(entry)
        return entry.id

    def search(self, tenant_id, action=None, subject_id=None, before_id=None, limit=100):
        rows = [r for r in reversed(self.rows) if r.tenant_id == tenant_id and (not action or r.action == action)
                and (not subject_id or r.subject_id == subject_id) and (not before_id or r.id < before_id)]
        return rows[:limit]

    def actions(self) -> list[str]:
        return [r.action for r in self.rows]


class FakeSigningKeys:
    def __init__(self) -> None:
        self.rows: dict[str, SigningKey] = {}

    def lock(self) -> None:
        """One process, one thread: nothing to serialize."""

    def add(self, key):
        self.rows[key.kid] = key
        return key

    def get(self, kid):
        return self.rows.get(kid)

    def active(self):
        live = [k for k in self.rows.values() if k.activated_at and not k.superseded_at and not k.retired_at]
        return max(live, key=lambda k: k.activated_at, default=None)

    def pending(self):
        return sorted((k for k in self.rows.values() if not k.activated_at and not k.retired_at),
                      key=lambda k: k.created_at)

    def superseded_unretired(self, on_or_before):
        return [k for k in self.rows.values() if k.superseded_at and not k.retired_at
                and k.superseded_at <= on_or_before]

    def published(self, now=None, token_lifetime=None):
        keys = [k for k in self.rows.values() if not k.retired_at and (
            now is None or token_lifetime is None or not k.superseded_at or k.superseded_at > now - token_lifetime)]
        return sorted(keys, key=lambda k: k.created_at)


class FakeAuthUnitOfWork(FakeUnitOfWork):
    """Its repositories outlive a `with` block, like tables; a refused change is seen in `commits`
    and `events` (nothing staged is kept without a commit)."""

    def __init__(self) -> None:
        super().__init__(source="/auraconnect/auth")
        self.tenants = FakeTenants()
        self.locations = FakeLocations()
        self.users = FakeUsers(self.tenants)
        self.roles = FakeRoles()
        self.refresh_tokens = FakeRefreshTokens()
        self.audit = FakeAudit()
        self.signing_keys = FakeSigningKeys()

    def factory(self):
        """The unit-of-work factory use cases take: always this one (so a test sees what they did)."""
        return lambda: self


class FakeKeyRing:
    """Keys without key material; a "token" is the kid and the claims in clear."""

    def __init__(self) -> None:
        self._kids = itertools.count(1)

    def new_key(self, now: datetime, activate: bool) -> SigningKey:
        kid = f"kid{next(self._kids)}"
        return SigningKey(kid=kid, algorithm="none", private_key_sealed=b"", public_jwk={"kid": kid},
                          created_at=now, activated_at=now if activate else None, retired_at=None,
                          superseded_at=None)

    def sign(self, key: SigningKey, claims: dict) -> str:
        return f"{key.kid}.{json.dumps(claims, sort_keys=True)}"


class FakeThrottle:
    """Counts attempts per account like the Redis throttle (reserved before the password is checked,
    kept on failure, forgotten on success); locks after `max_failures` (no window, no address limit)."""

    def __init__(self, max_failures: int = 3, lockout_seconds: int = 600) -> None:
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.failures: dict[str, int] = {}  # failures plus attempts in flight
        self.locked: set[str] = set()

    def account(self, tenant_slug: str, email: str) -> str:
        return f"{tenant_slug}/{email}"

    def reserve(self, account: str, address: str) -> int | None:
        if account in self.locked or self.failures.get(account, 0) >= self.max_failures:
            return self.lockout_seconds
        self.failures[account] = self.failures.get(account, 0) + 1
        return None

    def record_failure(self, account: str, address: str) -> int | None:
        if self.failures.get(account, 0) >= self.max_failures:
            self.locked.add(account)
            self.failures.pop(account)
            return self.lockout_seconds
        return None

    def record_success(self, account: str, address: str) -> None:
        self.failures.pop(account, None)

    def unlock(self, account: str) -> bool:
        was = account in self.locked
        self.locked.discard(account)
        self.failures.pop(account, None)
        return was

    def locked_for(self, account: str) -> int:
        return self.lockout_seconds if account in self.locked else 0


class Clock:
    """A settable clock for the use cases (they take `clock=`)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)
