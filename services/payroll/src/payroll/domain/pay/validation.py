"""Field parsers for the request dict. Every error names the field path as the JSON names it.

Floats are refused (0.1 + 0.2 has lost the cent before we see it); so are booleans where a number
belongs, unknown keys inside the objects this engine owns (a typo would otherwise fall back to a
default), NaN/Infinity, and money with fractions of a cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import PayInputError
from .money import CENT, ZERO

MAX_AMOUNT = Decimal("9999999.99")
MAX_RATE = Decimal("10000")


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def obj(raw: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise PayInputError(path or "request", "must be an object")
    return raw


def array(raw: Any, path: str) -> Sequence[Any]:
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise PayInputError(path, "must be a list")
    return raw


def check_keys(raw: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    allowed = set(allowed)
    for key in raw:
        if key not in allowed:
            raise PayInputError(join(path, str(key)), "unknown field")


def decimal_value(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayInputError(field, 'must be a decimal string such as "19.50"')
    try:
        d = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise PayInputError(field, f"{value!r} is not a decimal number") from None
    if not d.is_finite():
        raise PayInputError(field, f"{value!r} is not a finite number")
    return d + ZERO  # -0 -> 0


def money(raw: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> Decimal:
    field = join(path, key)
    if raw.get(key) is None:
        if required:
            raise PayInputError(field, "is required")
        return ZERO
    d = decimal_value(raw[key], field)
    if d < 0:
        raise PayInputError(field, "must not be negative")
    if d > MAX_AMOUNT:
        raise PayInputError(field, f"must not exceed {MAX_AMOUNT}")
    if d != d.quantize(CENT):
        raise PayInputError(field, "must not have fractions of a cent")
    return d


def rate(raw: Mapping[str, Any], key: str, path: str) -> Decimal:
    """An hourly rate: positive, at most 4 decimals (rates such as 16.9025 exist; 1e-9 does not)."""
    field = join(path, key)
    if raw.get(key) is None:
        raise PayInputError(field, "is required")
    d = decimal_value(raw[key], field)
    if d <= 0:
        raise PayInputError(field, "must be greater than 0")
    if d > MAX_RATE:
        raise PayInputError(field, f"must not exceed {MAX_RATE}")
    if d != d.quantize(Decimal("0.0001")):
        raise PayInputError(field, "must not have more than 4 decimals")
    return d


def hours(value: Any, field: str) -> Decimal:
    d = decimal_value(value, field)
    if d < 0:
        raise PayInputError(field, "must not be negative")
    if d > 24:
        raise PayInputError(field, "a day has at most 24 hours")
    if d != d.quantize(Decimal("0.000001")):  # 7 h 20 min = "7.333333"; finer than that is noise
        raise PayInputError(field, "must not have more than 6 decimals")
    return d


def choice(raw: Mapping[str, Any], key: str, path: str, choices: Sequence[str]) -> str:
    field = join(path, key)
    value = raw.get(key)
    if value is None:
        raise PayInputError(field, "is required")
    if value not in choices:
        raise PayInputError(field, f"{value!r} is not one of {', '.join(choices)}")
    return value


def iso_date(raw: Mapping[str, Any], key: str, path: str) -> date:
    if raw.get(key) is None:
        raise PayInputError(join(path, key), "is required")
    return optional_iso_date(raw, key, path)  # type: ignore[return-value]


def optional_iso_date(raw: Mapping[str, Any], key: str, path: str = "") -> date | None:
    """`raw[key]` as a date, None when absent or null; else 422 naming `path.key`."""
    field = join(path, key)
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PayInputError(field, 'must be a date such as "2026-03-06"')
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PayInputError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def count(raw: Mapping[str, Any], key: str, path: str, *, maximum: int) -> int:
    field = join(path, key)
    value = raw.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayInputError(field, "must be a whole number")
    if not 0 <= value <= maximum:
        raise PayInputError(field, f"must be between 0 and {maximum}")
    return value


def optional_index(raw: Mapping[str, Any], key: str, path: str, size: int) -> int | None:
    field = join(path, key)
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayInputError(field, "must be a whole number (a workweek index from 0)")
    if not 0 <= value < size:
        raise PayInputError(field, f"must be between 0 and {size - 1} (there are {size} workweeks)")
    return value
