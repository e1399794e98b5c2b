"""Request validation: every error names the field path the caller must fix."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest
from tax.domain.sales import (
    SalesLine,
    SalesTaxRequest,
    SalesTaxValidationError,
    calculate_sales_tax,
)

VALID = {
    "location_id": "us-ca-los-angeles",
    "as_of": "2026-01-15",
    "tax_exempt": False,
    "prices_include_tax": False,
    "lines": [
        {"line_id": "a", "category": "prepared_food", "quantity": 1, "unit_price_cents": 100},
        {"line_id": "b", "category": "alcohol", "quantity": 2, "unit_price_cents": 500, "discount_cents": 100},
        {"line_id": "c", "category": "grocery", "quantity": 3, "unit_price_cents": 250},
    ],
}

DELETE = object()  # sentinel: remove the key instead of setting it


def mutate(path, value):
    """Copy VALID and set (or with value=DELETE, remove) the key at `path`."""
    d = copy.deepcopy(VALID)
    target = d
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


def test_valid_request_parses():
    req = SalesTaxRequest.from_dict(VALID)
    assert req.as_of == date(2026, 1, 15)
    assert req.lines[1] == SalesLine("b", "alcohol", 2, 500, 100)
    assert req.lines[0].discount_cents == 0  # default


def test_defaults_for_optional_flags():
    d = mutate(["tax_exempt"], DELETE)
    del d["prices_include_tax"]
    req = SalesTaxRequest.from_dict(d)
    assert (req.tax_exempt, req.prices_include_tax, req.exemption_reason) == (False, False, None)


@pytest.mark.parametrize(
    "path, value, field",
    [
        (["lines", 2, "quantity"], 0, "lines[2].quantity"),
        (["lines", 2, "quantity"], -1, "lines[2].quantity"),
        (["lines", 2, "quantity"], 1.0, "lines[2].quantity"),
        (["lines", 2, "quantity"], True, "lines[2].quantity"),
        (["lines", 2, "quantity"], "3", "lines[2].quantity"),
        (["lines", 0, "unit_price_cents"], -5, "lines[0].unit_price_cents"),
        (["lines", 0, "unit_price_cents"], 1.5, "lines[0].unit_price_cents"),
        (["lines", 1, "discount_cents"], -1, "lines[1].discount_cents"),
        (["lines", 1, "discount_cents"], 1001, "lines[1].discount_cents"),  # > 2 x 500
        (["lines", 0, "category"], "food", "lines[0].category"),
        (["lines", 0, "line_id"], "", "lines[0].line_id"),
        (["lines", 2, "line_id"], "a", "lines[2].line_id"),  # duplicate of lines[0]
        (["lines", 0, "category"], DELETE, "lines[0].category"),
        (["lines", 1, "discount"], 5, "lines[1].discount"),  # unknown key, likely a typo
        (["lines", 1], "not an object", "lines[1]"),
        (["lines"], [], "lines"),
        (["lines"], {"a": 1}, "lines"),
        (["location_id"], DELETE, "location_id"),
        (["location_id"], "  ", "location_id"),
        (["location_id"], 42, "location_id"),
        (["as_of"], "2026-13-01", "as_of"),
        (["as_of"], "15/01/2026", "as_of"),
        (["as_of"], 20260115, "as_of"),
        (["tax_exempt"], "yes", "tax_exempt"),
        (["prices_include_tax"], 1, "prices_include_tax"),
        (["tax_exempt"], True, "exemption_reason"),  # exempt without a reason
        (["currency"], "USD", "currency"),
    ],
)
def test_invalid_field_is_named(path, value, field):
    with pytest.raises(SalesTaxValidationError) as e:
        SalesTaxRequest.from_dict(mutate(path, value))
    assert e.value.field == field
    assert field in str(e.value)


def test_request_must_be_an_object():
    with pytest.raises(SalesTaxValidationError) as e:
        SalesTaxRequest.from_dict(["not", "a", "dict"])
    assert e.value.field == "$"


def test_exempt_with_reason_is_valid():
    req = SalesTaxRequest.from_dict(mutate(["exemption_reason"], "resale certificate 123") | {"tax_exempt": True})
    assert req.tax_exempt


def test_engine_validates_directly_built_requests(seed):
    """Objects built without from_dict (e.g. by a gRPC mapper) get the same checks."""
    req = SalesTaxRequest(
        location_id="us-tx-austin", as_of=date(2026, 1, 15),
        lines=(SalesLine("a", "general", 1, 100), SalesLine("b", "general", 0, 100)),
    )
    with pytest.raises(SalesTaxValidationError) as e:
        calculate_sales_tax(req, seed)
    assert e.value.field == "lines[1].quantity"


def test_datetime_is_not_a_date(seed):
    req = SalesTaxRequest(location_id="us-tx-austin", as_of=datetime(2026, 1, 15, 12), lines=(SalesLine("a", "general", 1, 1),))
    with pytest.raises(SalesTaxValidationError) as e:
        calculate_sales_tax(req, seed)
    assert e.value.field == "as_of"
