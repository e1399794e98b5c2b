"""What every state method returns, and small helpers they share."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from ..money import ZERO
from ..validation import ValidationError, check_keys, money, obj


class StateAmounts(NamedTuple):
    income_tax: Decimal
    disability: Decimal  # e.g. California SDI
    unemployment: Decimal  # employee-paid UI, e.g. Pennsylvania UC
    taxable_wages: Decimal  # state income tax wages this period


NOTHING = StateAmounts(ZERO, ZERO, ZERO, ZERO)


def extra_only_form(raw: Any, path: str) -> Decimal:
    """A state block that may only carry an agreed extra withholding amount (or be absent)."""
    if raw is None:
        return ZERO
    raw = obj(raw, path)
    check_keys(raw, ("extra_withholding",), path)
    return money(raw, "extra_withholding", path, required=False)


def no_form(raw: Any, path: str) -> None:
    if raw is None or (isinstance(raw, Mapping) and not raw):
        return None
    raise ValidationError(path, "this state has no withholding form; send null or {}")
