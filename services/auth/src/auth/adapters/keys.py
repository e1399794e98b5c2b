"""JWT signing keys: ES256 pairs kept in the database with the private half sealed (AES-GCM)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from chassis.crypto import Sealer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from auth.adapters.orm import SigningKey

ALGORITHM = "ES256"


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey


def _aad(kid: str) -> bytes:
    return f"signing_keys:{kid}".encode()


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
    return kid


def ensure_active_key(session: Session, sealer: Sealer) -> str:
    """Creates the first key if there is none; serialized so concurrent starters make only one."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('auth.signing_keys'))"))
    current = session.scalars(select(SigningKey.kid).where(
        SigningKey.activated_at.is_not(None), SigningKey.retired_at.is_(None))).first()
    return current or create_key(session, sealer, activate=True)


def active_key(session: Session, sealer: Sealer) -> ActiveKey:
    row = session.scalars(select(SigningKey).where(
        SigningKey.activated_at.is_not(None), SigningKey.retired_at.is_(None))
        .order_by(SigningKey.activated_at.desc())).first()
    if row is None:
        raise LookupError("no active signing key")
    pem = sealer.open(row.private_key_sealed, _aad(row.kid))
    return ActiveKey(row.kid, serialization.load_pem_private_key(pem, password=None))


def published_jwks(session: Session) -> dict:
    """Every key not yet retired: the active one, the next one and the previous ones whose tokens
    may still be alive, so verifiers never meet an unknown kid."""
    rows = session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))
                           .order_by(SigningKey.created_at)).all()
    return {"keys": [row.public_jwk for row in rows]}
