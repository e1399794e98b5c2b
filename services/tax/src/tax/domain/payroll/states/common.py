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


# The generic state-form fields a payroll system sends for every employee (the API's documented
# `state` block). A flat-rate or no-tax state has no use for them, so they are accepted and ignored
# rather than refused; anything else is still an unknown field.
GENERIC_FORM_KEYS = ("filing_status", "regular_allowances", "estimated_deduction_allowances")


def extra_only_form(raw: Any, path: str) -> Decimal:
    """A state block whose only effective field is an agreed extra withholding amount (or absent)."""
    if raw is None:
        return ZERO
    raw = obj(raw, path)
    check_keys(raw, ("extra_withholding", *GENERIC_FORM_KEYS), path)
    return money(raw, "extra_withholding", path, required=False)


def no_form(raw: Any, path: str) -> None:
    if raw is None or (isinstance(raw, Mapping) and not raw):
        return None
    raw = obj(raw, path)
    check_keys(raw, GENERIC_FORM_KEYS + ("extra_withholding",), path)
    if money(raw, "extra_withholding", path, required=False):
        raise ValidationError(f"{path}.extra_withholding", "this state has no income tax to withhold extra of")
    return None
