"""Access tokens: short-lived ES256 JWTs carrying tenant, roles and permissions."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from chassis.rbac import permissions_for_roles

from auth.adapters.keys import ALGORITHM, ActiveKey


def issue_access_token(key: ActiveKey, issuer: str, audience: str, ttl_seconds: int, user_id: str,
                       tenant_id: str, roles: list[str], location_ids: list[str]) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": user_id,
        "tenant_id": tenant_id,
        "roles": roles,
        "permissions": sorted(permissions_for_roles(roles)),
        "location_ids": location_ids,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
