"""Secrets of the local stack: generated once, kept in the state folder (mode 0600), never in code."""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from devstack.layout import SERVICES

NAMES = (
    [f"DB_PASSWORD_{s.package.upper()}" for s in SERVICES]
    + [name for s in SERVICES for name in s.secrets]  # the catalogue's extra secrets per service
    + ["POSTGRES_SUPERUSER_PASSWORD", "DEMO_ADMIN_PASSWORD", "DEMO_KITCHEN_PASSWORD"]
    # Signs the short-lived tokens services mint for each other (chassis.internal_token).
    + ["INTERNAL_TOKEN_KEY"]
)


def _new(name: str) -> str:
    if name.endswith(("ENCRYPTION_KEY", "CREDENTIALS_KEY")):
        return base64.b64encode(os.urandom(32)).decode()  # AES-256-GCM key
    if name == "INTERNAL_TOKEN_KEY":
        return secrets.token_urlsafe(32)  # 43 characters, 256 bits for HS256
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
