"""Shared fixtures for the sales-tax unit tests (seed jurisdictions, request builder)."""

from __future__ import annotations

import pytest
from tax.domain.sales import SalesTaxRequest
from tax.rules.sales_data import load_seed_jurisdictions


@pytest.fixture(scope="session")
def seed():
    return load_seed_jurisdictions()


def build_request(location_id, as_of, *lines, inclusive=False, exempt_reason=None):
    """lines: (line_id, category, quantity, unit_price_cents[, discount_cents])."""
    return SalesTaxRequest.from_dict(
        {
            "location_id": location_id,
            "as_of": as_of,
            "prices_include_tax": inclusive,
            "tax_exempt": exempt_reason is not None,
            "exemption_reason": exempt_reason,
            "lines": [
                {
                    "line_id": l[0],
                    "category": l[1],
                    "quantity": l[2],
                    "unit_price_cents": l[3],
                    "discount_cents": l[4] if len(l) > 4 else 0,
                }
                for l in lines
            ],
        }
    )


@pytest.fixture
def make_request():
    return build_request
