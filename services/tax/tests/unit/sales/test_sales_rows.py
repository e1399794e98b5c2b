"""Rows -> JurisdictionRate builder, and integrity of the seed data itself."""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal

import pytest
from tax.domain.sales import (
    JurisdictionRate,
    SalesTaxDataError,
    build_jurisdiction_rates,
    calculate_sales_tax,
    select_jurisdictions,
)
from tax.rules.sales_data import load_sales_rows

ROW = {
    "jurisdiction_id": "x", "name": "X", "level": "state", "rate": "0.05",
    "rate_prepared_food": None, "rate_alcohol": "0.07", "rate_grocery": "0",
    "effective_from": "2024-01-01", "effective_to": None, "rounding": "per_invoice", "source": "[S] test",
}
LOC = {"location_id": "loc", "jurisdiction_id": "x", "source": "test"}


def build(rows, locs=(LOC,)):
    return build_jurisdiction_rates(rows, list(locs))


def test_row_becomes_jurisdiction_rate():
    (j,) = build([ROW])
    assert j == JurisdictionRate(
        jurisdiction_id="x", name="X", level="state", rate=Decimal("0.05"),
        effective_from=date(2024, 1, 1), effective_to=None, rounding="per_invoice",
        location_ids=frozenset({"loc"}), category_rates={"alcohol": Decimal("0.07"), "grocery": Decimal(0)},
        source="[S] test",
    )
    assert (j.rate_for("prepared_food"), j.rate_for("alcohol"), j.rate_for("grocery")) == (
        Decimal("0.05"), Decimal("0.07"), Decimal(0),
    )


@pytest.mark.parametrize(
    "key, value, field",
    [
        ("rate", 0.05, "jurisdiction_rates[0].rate"),  # float: already inexact
        ("rate", "5%", "jurisdiction_rates[0].rate"),
        ("rate", "6.25", "jurisdiction_rates[0].rate"),  # percent, not fraction
        ("rate_alcohol", "-0.01", "jurisdiction_rates[0].rate_alcohol"),
        ("level", "federal", "jurisdiction_rates[0].level"),
        ("rounding", "banker", "jurisdiction_rates[0].rounding"),
        ("effective_from", "2024-02-30", "jurisdiction_rates[0].effective_from"),
        ("effective_to", "2023-12-31", "jurisdiction_rates[0].effective_to"),  # before from
        ("source", None, "jurisdiction_rates[0].source"),
        ("rate_general", "0.01", "jurisdiction_rates[0].rate_general"),  # not an override column
    ],
)
def test_bad_row_is_named(key, value, field):
    row = dict(ROW, **{key: value})
    with pytest.raises(SalesTaxDataError) as e:
        build([row])
    assert e.value.field == field


def test_overlapping_periods_rejected():
    second = dict(ROW, effective_from="2025-01-01", rate="0.06")
    with pytest.raises(SalesTaxDataError) as e:
        build([ROW, second])  # first row is open-ended, so it overlaps
    assert e.value.field == "x.effective_from"
    closed = dict(ROW, effective_to="2024-12-31")
    assert len(build([closed, second])) == 2


def test_location_row_must_reference_a_rate_row():
    with pytest.raises(SalesTaxDataError):
        build([ROW], [LOC, {"location_id": "loc", "jurisdiction_id": "missing", "source": "t"}])


def test_combined_rate_above_100_percent_rejected(make_request):
    rows = [dict(ROW, jurisdiction_id=f"j{i}", rate="0.6") for i in range(2)]
    js = build(rows, [{"location_id": "loc", "jurisdiction_id": f"j{i}"} for i in range(2)])
    with pytest.raises(SalesTaxDataError):
        calculate_sales_tax(make_request("loc", "2025-01-01", ("a", "general", 1, 100)), js)


# --- the seed file ------------------------------------------------------------------------

def test_seed_rows_have_source_with_confidence_marker():
    rows = load_sales_rows()
    for row in rows.jurisdiction_rates:
        assert re.search(r"\[(C|S|X)\]", row["source"]), row["jurisdiction_id"]


def test_seed_rows_are_not_mutated_by_building():
    rows = load_sales_rows()
    before = copy.deepcopy(rows)
    build_jurisdiction_rates(rows.jurisdiction_rates, rows.location_jurisdictions)
    assert rows == before


SEED_LOCATIONS = [
    "us-ca-los-angeles", "us-ca-san-francisco", "us-il-chicago", "us-il-chicago-mpea", "us-pa-philadelphia", "us-tx-austin",
]


@pytest.mark.parametrize("location", SEED_LOCATIONS)
def test_every_seed_location_has_one_rounding_mode_every_month(seed, location):
    """Walk 2022-2026 monthly: rates resolve, no overlap, a single rounding mode."""
    for year in range(2022, 2027):
        for month in range(1, 13):
            active = select_jurisdictions(location, date(year, month, 1), seed)
            assert len({j.rounding for j in active}) == 1


# Combined rate a customer sees, per location / date / category (the published totals).
EXPECTED = [
    ("us-ca-los-angeles", "2025-03-31", "general", "0.095"),
    ("us-ca-los-angeles", "2025-04-01", "general", "0.0975"),
    ("us-ca-los-angeles", "2025-04-01", "alcohol", "0.0975"),
    ("us-ca-los-angeles", "2025-04-01", "grocery", "0"),
    ("us-ca-san-francisco", "2021-06-30", "prepared_food", "0.085"),
    ("us-ca-san-francisco", "2021-07-01", "prepared_food", "0.08625"),
    ("us-il-chicago", "2025-06-01", "general", "0.1025"),
    ("us-il-chicago", "2025-06-01", "prepared_food", "0.1075"),
    ("us-il-chicago", "2025-06-01", "alcohol", "0.1075"),
    ("us-il-chicago", "2025-06-01", "grocery", "0.0225"),
    ("us-il-chicago", "2026-01-01", "grocery", "0.0125"),
    ("us-il-chicago-mpea", "2026-01-01", "prepared_food", "0.1175"),
    ("us-il-chicago-mpea", "2026-01-01", "general", "0.1025"),
    ("us-pa-philadelphia", "2026-01-01", "prepared_food", "0.08"),
    ("us-pa-philadelphia", "2026-01-01", "alcohol", "0.10"),
    ("us-pa-philadelphia", "2026-01-01", "grocery", "0"),
    ("us-tx-austin", "2026-01-01", "prepared_food", "0.0825"),
    ("us-tx-austin", "2026-01-01", "alcohol", "0.0825"),
    ("us-tx-austin", "2026-01-01", "grocery", "0"),
]


@pytest.mark.parametrize("location, day, category, rate", EXPECTED)
def test_seed_combined_rates(seed, location, day, category, rate):
    active = select_jurisdictions(location, date.fromisoformat(day), seed)
    assert sum((j.rate_for(category) for j in active), Decimal(0)) == Decimal(rate)
