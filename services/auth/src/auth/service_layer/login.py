"""Log a user in with tenant, email and password."""
from __future__ import annotations

from dataclasses import dataclass

from chassis.errors import Unauthenticated
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.adapters.orm import Tenant, User
from auth.domain.passwords import verify_password


@dataclass(frozen=True)
class AuthenticatedUser:
    user_id: str
    tenant_id: str
    roles: list[str]
    location_ids: list[str]


def authenticate(session: Session, tenant_slug: str, email: str, password: str) -> AuthenticatedUser:
    user = session.execute(
        select(User).join(Tenant, Tenant.id == User.tenant_id).where(
            Tenant.slug == tenant_slug.lower(), Tenant.deleted_at.is_(None),
            User.email == email.strip().lower(), User.deleted_at.is_(None))
    ).scalar_one_or_none()
    # Same work and the same answer whether the user is unknown, inactive or mistyped a password.
    valid = verify_password(user.password_hash if user else None, password)
    if not (valid and user and user.active):
        raise Unauthenticated("invalid tenant, email or password")
    return AuthenticatedUser(str(user.id), str(user.tenant_id), list(user.roles),
                             [str(loc) for loc in user.location_ids])
