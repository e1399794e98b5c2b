"""JWT signing keys: ES256 pairs kept in the database with the private half sealed (AES-GCM).

The key ring makes new key rows and signs with a stored key; which key signs, and when keys are
published, activated and retired, is the service layer's business (service_layer/key_rotation.py).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt
from chassis.crypto import Sealer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy.orm import Session

from auth.adapters.orm import SigningKey

ALGORITHM = "ES256"


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey


def _aad(kid: str) -> bytes:
    return f"signing_keys:{kid}".encode()


class KeyRing:
    """Creates sealed key pairs and signs tokens with them (the service layer's `KeyRing` port)."""

    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer

    def new_key(self, now: datetime, activate: bool) -> SigningKey:
        """A fresh key pair as an unsaved row: published once added, signing when activated."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        kid = uuid.uuid4().hex[:16]
        pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        jwk = json.loads(ECAlgorithm.to_jwk(private_key.public_key()))
        jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
        return SigningKey(kid=kid, algorithm=ALGORITHM, private_key_sealed=self.sealer.seal(pem, _aad(kid)),
                          public_jwk=jwk, created_at=now, activated_at=now if activate else None, retired_at=None)

    def unseal(self, key: SigningKey) -> ActiveKey:
        pem = self.sealer.open(key.private_key_sealed, _aad(key.kid))
        return ActiveKey(key.kid, serialization.load_pem_private_key(pem, password=None))

    def sign(self, key: SigningKey, claims: dict) -> str:
        """A JWT of `claims` signed with `key`, its kid in the header."""
        active = self.unseal(key)
        return jwt.encode(claims, active.private_key, algorithm=ALGORITHM, headers={"kid": active.kid})


def active_key(session: Session, sealer: Sealer) -> ActiveKey:
    """The signing key, unsealed (for tools and tests that forge tokens with the real key)."""
    from auth.adapters.repositories import SigningKeyRepository

    row = SigningKeyRepository(session).active()
    if row is None:
        raise LookupError("no active signing key")
    return KeyRing(sealer).unseal(row)
