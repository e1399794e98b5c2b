"""Encryption at rest for sensitive values (private keys, SSNs, bank accounts): AES-256-GCM.

The key comes from the environment (base64 of 32 bytes). Each value gets a fresh 96-bit nonce; the
associated data binds a ciphertext to its row and column, so a value copied to another row fails
to decrypt instead of silently revealing it there.
"""
from __future__ import annotations

import base64
import binascii
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"


class SealError(Exception):
    pass


class Sealer:
    def __init__(self, key_b64: str) -> None:
        try:
            key = base64.b64decode(key_b64, validate=True)
        except binascii.Error as error:
            raise ValueError("encryption key must be base64") from error
        if len(key) != 32:
            raise ValueError("encryption key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, sealed: bytes, associated_data: bytes) -> bytes:
        if not sealed or sealed[:1] != _VERSION:
            raise SealError("unknown ciphertext format")
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(sealed[1:13], sealed[13:], associated_data)
        except InvalidTag:
            raise SealError("ciphertext does not match its key or row") from None
