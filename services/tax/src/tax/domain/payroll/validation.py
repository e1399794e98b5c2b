"""Field parsers for request dicts. Every error names the field path ("federal.filing_status").

The engine never guesses: a missing required field, a float where a decimal string belongs, an amount
with fractions of a cent, an unknown key (a typo such as "filing_stauts" would otherwise silently fall
back to a default) are all rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .money import CENT, ZERO

MAX_AMOUNT = Decimal("999999999.99")


class ValidationError(ValueError):
    """A request field is missing or malformed. `field` is the dotted path, `message` the reason."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def obj(raw: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationError(path or "request", "must be an object")
    return raw


def check_keys(raw: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    allowed = set(allowed)
    for key in raw:
        if key not in allowed:
            raise ValidationError(join(path, str(key)), "unknown field")


def _decimal(value: Any, field: str) -> Decimal:
    # Floats are refused: 0.1 + 0.2 has already lost the cent before we see it.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, "must be a decimal string such as \"1000.00\"")
    try:
        d = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not a decimal number") from None
    if not d.is_finite():
        raise ValidationError(field, f"{value!r} is not a finite number")
    return d


def money(raw: Mapping[str, Any], key: str, path: str, *, required: bool = True, default: Decimal = ZERO) -> Decimal:
    field = join(path, key)
    if key not in raw or raw[key] is None:
        if required:
            raise ValidationError(field, "is required")
        return default
    d = _decimal(raw[key], field)
    if d < 0:
        raise ValidationError(field, "must not be negative")
    if d > MAX_AMOUNT:  # checked before quantize, which cannot represent "1e3000" to the cent
        raise ValidationError(field, f"must not exceed {MAX_AMOUNT}")
    if d != d.quantize(CENT):
        raise ValidationError(field, "must not have fractions of a cent")
    return d + ZERO  # normalises -0 to 0


def optional_money(raw: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    if key not in raw or raw[key] is None:
        return None
    return money(raw, key, path)


def rate(raw: Mapping[str, Any], key: str, path: str) -> Decimal | None:
    """A rate as a decimal fraction ("0.034" = 3.4%); optional."""
    field = join(path, key)
    if key not in raw or raw[key] is None:
        return None
    d = _decimal(raw[key], field)
    if not (0 <= d <= 1):
        raise ValidationError(field, "must be a fraction between 0 and 1 (\"0.034\" means 3.4%)")
    return d


def choice(raw: Mapping[str, Any], key: str, path: str, choices: Iterable[str], *, required: bool = True,
           default: str | None = None) -> str | None:
    field = join(path, key)
    if key not in raw or raw[key] is None:
        if required:
            raise ValidationError(field, "is required")
        return default
    value = raw[key]
    choices = tuple(choices)
    if value not in choices:
        raise ValidationError(field, f"{value!r} is not one of {', '.join(choices)}")
    return value


def boolean(raw: Mapping[str, Any], key: str, path: str, *, default: bool = False) -> bool:
    if key not in raw or raw[key] is None:
        return default
    if not isinstance(raw[key], bool):
        raise ValidationError(join(path, key), "must be true or false")
    return raw[key]


def count(raw: Mapping[str, Any], key: str, path: str, *, required: bool = True, default: int = 0) -> int:
    field = join(path, key)
    if key not in raw or raw[key] is None:
        if required:
            raise ValidationError(field, "is required")
        return default
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    if not 0 <= value <= 99:
        raise ValidationError(field, "must be between 0 and 99")
    return value
