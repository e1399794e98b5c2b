"""JWT signing keys: ES256 pairs kept in the database with the private half sealed (AES-GCM).

Rotation without a failed request (see service_layer/key_rotation.py): a NEXT key is published in
the JWKS before it signs anything, and a superseded key stays published until every token it
signed has expired.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chassis.crypto import Sealer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from auth.adapters.orm import SigningKey

ALGORITHM = "ES256"


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey


def _aad(kid: str) -> bytes:
    return f"signing_keys:{kid}".encode()


def lock(session: Session) -> None:
    """Serializes key changes (start-up, rotation) across processes for this transaction."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('auth.signing_keys'))"))


def create_key(session: Session, sealer: Sealer, activate: bool) -> str:
    private_key = ec.generate_private_key(ec.SECP256R1())
    kid = uuid.uuid4().hex[:16]
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    jwk = json.loads(ECAlgorithm.to_jwk(private_key.public_key()))
    jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    now = datetime.now(UTC)
    session.add(SigningKey(kid=kid, algorithm=ALGORITHM, private_key_sealed=sealer.seal(pem, _aad(kid)),
                           public_jwk=jwk, created_at=now, activated_at=now if activate else None,
                           retired_at=None))
    session.flush()
    return kid


def _active_row(session: Session) -> SigningKey | None:
    return session.scalars(select(SigningKey).where(
        SigningKey.activated_at.is_not(None), SigningKey.superseded_at.is_(None), SigningKey.retired_at.is_(None))
        .order_by(SigningKey.activated_at.desc())).first()


def ensure_active_key(session: Session, sealer: Sealer) -> str:
    """Creates the first key if there is none; serialized so concurrent starters make only one."""
    lock(session)
    current = _active_row(session)
    return current.kid if current else create_key(session, sealer, activate=True)


def active_key(session: Session, sealer: Sealer) -> ActiveKey:
    row = _active_row(session)
    if row is None:
        raise LookupError("no active signing key")
    pem = sealer.open(row.private_key_sealed, _aad(row.kid))
    return ActiveKey(row.kid, serialization.load_pem_private_key(pem, password=None))


def pending_keys(session: Session) -> list[SigningKey]:
    return list(session.scalars(select(SigningKey).where(
        SigningKey.activated_at.is_(None), SigningKey.retired_at.is_(None)).order_by(SigningKey.created_at)))


def activate(session: Session, kid: str, now: datetime) -> str | None:
    """Makes `kid` the signing key; the previous one is superseded (still published). Returns it."""
    lock(session)
    previous = _active_row(session)
    row = session.get(SigningKey, kid)
    if row is None or row.retired_at is not None:
        raise LookupError(f"no pending key {kid}")
    row.activated_at = now
    if previous is not None and previous.kid != kid:
        previous.superseded_at = now
        return previous.kid
    return None


def retire_expired(session: Session, now: datetime, token_lifetime: timedelta) -> list[str]:
    """Unpublishes superseded keys whose every token has expired (lifetime includes clock skew)."""
    rows = session.scalars(select(SigningKey).where(
        SigningKey.superseded_at.is_not(None), SigningKey.retired_at.is_(None),
        SigningKey.superseded_at <= now - token_lifetime)).all()
    for row in rows:
        row.retired_at = now
    return [row.kid for row in rows]


def published_jwks(session: Session, now: datetime | None = None, token_lifetime: timedelta | None = None) -> dict:
    """Every key verifiers may meet: pending (next), active, and superseded ones whose tokens may
    still be alive. A superseded key past that is left out even before a rotation run retires it."""
    query = select(SigningKey).where(SigningKey.retired_at.is_(None))
    if now is not None and token_lifetime is not None:
        query = query.where(or_(SigningKey.superseded_at.is_(None), SigningKey.superseded_at > now - token_lifetime))
    rows = session.scalars(query.order_by(SigningKey.created_at)).all()
    return {"keys": [row.public_jwk for row in rows]}
