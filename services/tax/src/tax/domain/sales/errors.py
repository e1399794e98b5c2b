"""Errors raised by the sales-tax engine.

Three kinds, because callers react differently to each:
- SalesTaxValidationError: the *request* is wrong (HTTP 422 / gRPC INVALID_ARGUMENT).
- SalesTaxRateNotFoundError: the request is well formed but we hold no rate for that
  place or date (HTTP 404/422, gRPC NOT_FOUND / FAILED_PRECONDITION). Kept separate so a
  missing rate is never mistaken for a client typo, and never silently taxed at 0.
- SalesTaxDataError: the *rate data* is inconsistent (overlapping rows, mixed rounding
  modes...). That is our bug, not the caller's (HTTP 500 / gRPC INTERNAL).
Each carries `field`, a path such as "lines[2].quantity" or "jurisdiction_rates[4].rate".
"""

from __future__ import annotations

from datetime import date


class SalesTaxError(ValueError):
    """Base class; `field` names the offending input path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SalesTaxValidationError(SalesTaxError):
    """The request is malformed or violates a rule (e.g. quantity <= 0)."""


class SalesTaxRateNotFoundError(SalesTaxError):
    """No rate for the location (field="location_id") or none in force on as_of (field="as_of")."""

    def __init__(self, field: str, message: str, *, location_id: str, as_of: date) -> None:
        super().__init__(field, message)
        self.location_id = location_id
        self.as_of = as_of


class SalesTaxDataError(SalesTaxError):
    """Rate rows or JurisdictionRate objects are invalid or contradict each other."""
