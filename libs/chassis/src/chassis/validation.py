"""Input checks every service makes the same way, raising InvalidInput that names the field."""
from __future__ import annotations

import uuid
from typing import Any

from chassis.errors import InvalidInput


def parse_uuid(value: Any, field: str) -> uuid.UUID:
    """`value` as a UUID, or InvalidInput naming `field` (never a 500 for a malformed id)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput("must be a UUID", field=field) from None


def parse_optional_uuid(value: Any, field: str) -> uuid.UUID | None:
    """Like parse_uuid, but None or "" (proto3's unset string) mean no value."""
    if value is None or value == "":
        return None
    return parse_uuid(value, field)


def reject_nul(value: str, field: str) -> str:
    """PostgreSQL text cannot hold NUL: refuse it as bad input instead of failing in the database."""
    if "\x00" in value:
        raise InvalidInput("must not contain NUL characters", field=field)
    return value
