"""Provider time formats <-> aware UTC datetimes (pure; shared by the provider adapters)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from chassis.errors import InvalidInput


def parse_rfc3339(value: str | None, field: str) -> datetime | None:
    """RFC 3339 (Square: `2020-01-17T20:47:53.293Z`; Toast: `...000+0400`, no colon) as aware UTC."""
    if value in (None, ""):
        return None
    text = str(value)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)   # Toast writes +0400
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput("must be an RFC 3339 time", field=field) from None
    if parsed.tzinfo is None:
        raise InvalidInput("must carry a UTC offset", field=field)
    return parsed.astimezone(UTC)


def format_rfc3339(value: datetime | None) -> str | None:
    """UTC with a Z; milliseconds as Square writes them, microseconds only when there are some."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    if value.microsecond % 1000 == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_epoch_ms(value: int | None) -> datetime | None:
    """Clover's epoch milliseconds as aware UTC."""
    if value is None:
        return None
    seconds, millis = divmod(int(value), 1000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=millis * 1000)


def to_epoch_ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    delta = value.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
