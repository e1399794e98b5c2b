"""Access tokens: short-lived JWTs carrying tenant, roles and permissions, signed by the key ring."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth.adapters.orm import SigningKey
from auth.service_layer.ports import KeyRing


@dataclass(frozen=True)
class TokenSettings:
    issuer: str
    audience: str
    ttl_seconds: int


def access_claims(settings: TokenSettings, now: datetime, user_id: str, tenant_id: str, roles: list[str],
                  location_ids: list[str], permissions: frozenset[str], jti: str) -> dict:
    return {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": user_id,
        "tenant_id": tenant_id,
        "roles": list(roles),
        "permissions": sorted(permissions),
        "location_ids": list(location_ids),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.ttl_seconds)).timestamp()),
        "jti": jti,
    }


def issue_access_token(keyring: KeyRing, key: SigningKey, settings: TokenSettings, now: datetime, user_id: str,
                       tenant_id: str, roles: list[str], location_ids: list[str],
                       permissions: frozenset[str]) -> str:
    claims = access_claims(settings, now, user_id, tenant_id, roles, location_ids, permissions, uuid.uuid4().hex)
    return keyring.sign(key, claims)
