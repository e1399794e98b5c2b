"""Secrets of the local stack: generated once, kept in the state folder (mode 0600), never in code."""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from devstack.layout import SERVICES, ServiceSpec


def signing_key_name(service: ServiceSpec) -> str:
    return f"INTERNAL_TOKEN_SIGNING_KEY_{service.package.upper()}"


def public_key(signing_key: str) -> str:
    """The public half of an INTERNAL_TOKEN_SIGNING_KEY value, as a callee lists it (base64url, raw)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = base64.urlsafe_b64decode(signing_key + "=" * (-len(signing_key) % 4))
    raw = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")

NAMES = (
    [f"DB_PASSWORD_{s.package.upper()}" for s in SERVICES]
    + [name for s in SERVICES for name in s.secrets]  # the catalogue's extra secrets per service
    + ["POSTGRES_SUPERUSER_PASSWORD", "DEMO_ADMIN_PASSWORD", "DEMO_KITCHEN_PASSWORD"]
    # Each service's own Ed25519 key for the short-lived tokens it mints for its peers (chassis.internal_token);
    # its callees get the public half (services.py).
    + [signing_key_name(s) for s in SERVICES]
)


def _new(name: str) -> str:
    if name.endswith(("ENCRYPTION_KEY", "CREDENTIALS_KEY")):
        return base64.b64encode(os.urandom(32)).decode()  # AES-256-GCM key
    if name.startswith("INTERNAL_TOKEN_SIGNING_KEY_"):
        return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")  # an Ed25519 seed
    if name in ("DEMO_ADMIN_PASSWORD", "DEMO_KITCHEN_PASSWORD"):
        return "Demo-" + secrets.token_urlsafe(9)
    return secrets.token_urlsafe(18)


def load_or_create(state_dir: Path) -> dict[str, str]:
    path = state_dir / "secrets.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                values[key] = value
    missing = [name for name in NAMES if name not in values]
    if missing:
        values.update({name: _new(name) for name in missing})
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return values
