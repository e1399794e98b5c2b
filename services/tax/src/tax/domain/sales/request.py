"""SalesTaxRequest / SalesLine and their validation.

Validation lives here (not in the HTTP layer) so that gRPC, REST, Kafka consumers and tests
all get the same rules and the same field paths ("lines[2].quantity"). `from_dict` is
strict: unknown keys and wrong JSON types are errors, because a silently ignored
"discount" (instead of "discount_cents") would mis-tax an order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import SalesTaxValidationError
from .jurisdiction import CATEGORIES, Category

_REQUEST_KEYS = {"location_id", "as_of", "tax_exempt", "exemption_reason", "prices_include_tax", "lines"}
_LINE_KEYS = {"line_id", "category", "quantity", "unit_price_cents", "discount_cents"}


@dataclass(frozen=True)
class SalesLine:
    line_id: str
    category: Category
    quantity: int
    unit_price_cents: int  # tax-inclusive when the request says prices_include_tax
    discount_cents: int = 0  # for the whole line (not per unit); reduces the taxable base

    @property
    def gross_cents(self) -> int:
        """Amount charged for the line before tax is added (or including it, if inclusive)."""
        return self.quantity * self.unit_price_cents - self.discount_cents


@dataclass(frozen=True)
class SalesTaxRequest:
    location_id: str
    as_of: date
    lines: tuple[SalesLine, ...]
    tax_exempt: bool = False
    exemption_reason: str | None = None
    prices_include_tax: bool = False

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SalesTaxRequest:
        """Parse a JSON-shaped dict; raise SalesTaxValidationError naming the bad field."""
        if not isinstance(d, Mapping):
            raise SalesTaxValidationError("$", "request must be an object")
        _reject_unknown(d, _REQUEST_KEYS, "")
        raw_lines = _require(d, "lines", "lines")
        if not isinstance(raw_lines, list):
            raise SalesTaxValidationError("lines", "must be a list")
        lines = tuple(_line_from_dict(raw, f"lines[{i}]") for i, raw in enumerate(raw_lines))
        req = cls(
            location_id=_require(d, "location_id", "location_id"),
            as_of=_parse_date(_require(d, "as_of", "as_of"), "as_of"),
            lines=lines,
            tax_exempt=d.get("tax_exempt", False),
            exemption_reason=d.get("exemption_reason"),
            prices_include_tax=d.get("prices_include_tax", False),
        )
        validate_request(req)
        return req


def validate_request(req: SalesTaxRequest) -> None:
    """Check every rule; called by from_dict and again by the engine (objects may be built directly)."""
    if not isinstance(req.location_id, str) or not req.location_id.strip():
        raise SalesTaxValidationError("location_id", "must be a non-empty string")
    # datetime is a subclass of date; a timestamp here usually means a timezone bug upstream.
    if not isinstance(req.as_of, date) or type(req.as_of) is not date:
        raise SalesTaxValidationError("as_of", "must be a date (YYYY-MM-DD)")
    _check_bool(req.tax_exempt, "tax_exempt")
    _check_bool(req.prices_include_tax, "prices_include_tax")
    if req.exemption_reason is not None and not isinstance(req.exemption_reason, str):
        raise SalesTaxValidationError("exemption_reason", "must be a string")
    # An exempt sale must be justified (resale certificate, government buyer...) for audit.
    if req.tax_exempt and not (req.exemption_reason or "").strip():
        raise SalesTaxValidationError("exemption_reason", "is required when tax_exempt is true")
    if not isinstance(req.lines, (tuple, list)) or not req.lines:
        raise SalesTaxValidationError("lines", "must contain at least one line")
    seen: dict[str, int] = {}
    for i, line in enumerate(req.lines):
        path = f"lines[{i}]"
        if not isinstance(line, SalesLine):
            raise SalesTaxValidationError(path, "must be a SalesLine")
        if not isinstance(line.line_id, str) or not line.line_id:
            raise SalesTaxValidationError(f"{path}.line_id", "must be a non-empty string")
        if line.line_id in seen:
            raise SalesTaxValidationError(
                f"{path}.line_id", f"duplicates lines[{seen[line.line_id]}].line_id {line.line_id!r}"
            )
        seen[line.line_id] = i
        if line.category not in CATEGORIES:
            raise SalesTaxValidationError(f"{path}.category", f"must be one of {', '.join(CATEGORIES)}")
        _check_int(line.quantity, f"{path}.quantity", minimum=1)
        _check_int(line.unit_price_cents, f"{path}.unit_price_cents", minimum=0)
        _check_int(line.discount_cents, f"{path}.discount_cents", minimum=0)
        if line.discount_cents > line.quantity * line.unit_price_cents:
            raise SalesTaxValidationError(
                f"{path}.discount_cents", "exceeds quantity * unit_price_cents (negative line total)"
            )


def _line_from_dict(raw: Any, path: str) -> SalesLine:
    if not isinstance(raw, Mapping):
        raise SalesTaxValidationError(path, "must be an object")
    _reject_unknown(raw, _LINE_KEYS, f"{path}.")
    return SalesLine(
        line_id=_require(raw, "line_id", f"{path}.line_id"),
        category=_require(raw, "category", f"{path}.category"),
        quantity=_require(raw, "quantity", f"{path}.quantity"),
        unit_price_cents=_require(raw, "unit_price_cents", f"{path}.unit_price_cents"),
        discount_cents=raw.get("discount_cents", 0),
    )


def _require(d: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in d or d[key] is None:
        raise SalesTaxValidationError(path, "is required")
    return d[key]


def _reject_unknown(d: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for key in d:
        if key not in allowed:
            raise SalesTaxValidationError(f"{prefix}{key}", "is not a known field")


def _parse_date(value: Any, path: str) -> date:
    if type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise SalesTaxValidationError(path, "must be a date in YYYY-MM-DD form")


def _check_bool(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise SalesTaxValidationError(path, "must be true or false")


def _check_int(value: Any, path: str, *, minimum: int) -> None:
    # bool is an int subclass and floats like 2.0 sneak in from JSON: both rejected, since
    # money and counts must be exact integers.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SalesTaxValidationError(path, "must be an integer")
    if value < minimum:
        raise SalesTaxValidationError(path, f"must be >= {minimum}")
