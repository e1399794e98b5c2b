"""Who is calling: the identity proved by the request's credential.

The credential is verified by `chassis.internal_token` (the end user's access token that Envoy
forwards, or an internal token a peer minted for this service); its claims become an Identity here.
The old `x-jwt-payload` header is no longer believed by any service: it carried no signature, so any
process that reached a service port could forge it (issue 13). `encode_claims`/`identity_from_header`
remain for tools that read or print claims.
"""
from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field

IDENTITY_HEADER = "x-jwt-payload"


class IdentityError(Exception):
    """No identity, or one that cannot be read."""


@dataclass(frozen=True)
class Identity:
    subject: str  # user id, or "service:<name>" for background jobs
    tenant_id: str
    roles: tuple[str, ...] = ()
    permissions: frozenset[str] = field(default_factory=frozenset)
    location_ids: tuple[str, ...] = ()
    raw: str = ""  # the credential it was read from (never forwarded: peers get a token of their own)

    @property
    def tenant_uuid(self) -> uuid.UUID:
        return uuid.UUID(self.tenant_id)

    @property
    def is_service(self) -> bool:
        return self.subject.startswith("service:")

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def may(self, permission: str, owner_id: str | None = None) -> bool:
        """`permission` on any record, or `permission:own` when the record belongs to the caller."""
        if permission in self.permissions:
            return True
        return owner_id is not None and str(owner_id) == self.subject and f"{permission}:own" in self.permissions

    def may_access_location(self, location_id: str) -> bool:
        """An identity without location_ids works at every location of its tenant."""
        return not self.location_ids or str(location_id) in self.location_ids

    def header(self) -> tuple[str, str]:
        """The claims, unsigned: for tools and logs. Services do not believe it (see internal_token)."""
        return (IDENTITY_HEADER, encode_claims(self.claims()))

    def claims(self) -> dict:
        return {"sub": self.subject, "tenant_id": self.tenant_id, "roles": list(self.roles),
                "permissions": sorted(self.permissions), "location_ids": list(self.location_ids)}


def encode_claims(claims: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()


def identity_from_header(value: str | None) -> Identity:
    if not value:
        raise IdentityError("no verified identity on the request")
    try:
        padded = value + "=" * (-len(value) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError) as error:
        raise IdentityError("identity header is not base64url JSON") from error
    return identity_from_claims(claims, raw=value)


def identity_from_claims(claims: object, raw: str = "") -> Identity:
    """The Identity of verified claims; IdentityError when they name no subject or tenant."""
    if not isinstance(claims, dict) or not claims.get("sub") or not claims.get("tenant_id"):
        raise IdentityError("identity lacks sub or tenant_id")
    try:
        uuid.UUID(str(claims["tenant_id"]))
    except ValueError:
        raise IdentityError("identity tenant_id is not a UUID") from None
    return Identity(
        subject=str(claims["sub"]),
        tenant_id=str(claims["tenant_id"]),
        roles=tuple(claims.get("roles") or ()),
        permissions=frozenset(claims.get("permissions") or ()),
        location_ids=tuple(claims.get("location_ids") or ()),
        raw=raw,
    )


def service_identity(service: str, tenant_id: str, permissions: frozenset[str] = frozenset()) -> Identity:
    """The identity a background job uses on a peer call: never an anonymous call."""
    return Identity(subject=f"service:{service}", tenant_id=tenant_id, permissions=permissions)
