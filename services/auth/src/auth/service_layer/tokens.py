"""Access tokens: short-lived ES256 JWTs carrying tenant, roles and permissions."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from auth.adapters.keys import ALGORITHM, ActiveKey


@dataclass(frozen=True)
class TokenSettings:
    issuer: str
    audience: str
    ttl_seconds: int


def issue_access_token(key: ActiveKey, issuer: str, audience: str, ttl_seconds: int, user_id: str,
                       tenant_id: str, roles: list[str], location_ids: list[str],
                       permissions: frozenset[str] | None = None) -> str:
    if permissions is None:
        from chassis.rbac import permissions_for_roles

        permissions = permissions_for_roles(roles)
    now = datetime.now(UTC)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": user_id,
        "tenant_id": tenant_id,
        "roles": list(roles),
        "permissions": sorted(permissions),
        "location_ids": list(location_ids),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
