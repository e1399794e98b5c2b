"""Engine rules: inclusive prices, rounding modes, exemptions, discounts, effective dates."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from tax.domain.sales import (
    JurisdictionRate,
    SalesTaxDataError,
    SalesTaxRateNotFoundError,
    SalesTaxValidationError,
    calculate_sales_tax,
)


def with_rounding(jurisdictions, mode):
    return [dataclasses.replace(j, rounding=mode) for j in jurisdictions]


def make_rate(jid="x-state", rate="0.05", level="state", rounding="per_invoice", frm="2020-01-01", to=None, **overrides):
    return JurisdictionRate(
        jurisdiction_id=jid, name=jid.upper(), level=level, rate=Decimal(rate),
        effective_from=date.fromisoformat(frm), effective_to=None if to is None else date.fromisoformat(to),
        rounding=rounding, location_ids=frozenset({"loc"}),
        category_rates={k: Decimal(v) for k, v in overrides.items()}, source="test",
    )


# --- tax-inclusive vs tax-exclusive -------------------------------------------------------

def test_exclusive_adds_tax_on_top(seed, make_request):
    """LA 9.75 %: 10.00 + 0.975 -> 0.98 on top; customer pays 10.98."""
    r = calculate_sales_tax(make_request("us-ca-los-angeles", "2026-01-15", ("a", "prepared_food", 1, 1000)), seed)
    assert (r.subtotal_cents, r.total_tax_cents, r.total_cents) == (1000, 98, 1098)


def test_inclusive_backs_tax_out_of_price(seed, make_request):
    """LA 9.75 % inclusive: 10.00 x 0.0975 / 1.0975 = 0.88838... -> 0.89 tax, 9.11 net; pays 10.00."""
    r = calculate_sales_tax(
        make_request("us-ca-los-angeles", "2026-01-15", ("a", "prepared_food", 1, 1000), inclusive=True), seed
    )
    line = r.lines[0]
    assert (line.net_cents, line.tax_cents, line.taxable_cents) == (911, 89, 911)
    assert (r.subtotal_cents, r.total_tax_cents, r.total_cents) == (911, 89, 1000)
    # jurisdiction taxable base is the net amount; shares 0.6589 / 0.0456 / 0.1822 of 89 cents
    assert [(j.taxable_cents, j.tax_cents) for j in r.jurisdictions] == [(911, 66), (911, 5), (911, 18)]


def test_inclusive_mixed_categories_net_plus_tax_is_price(seed, make_request):
    """Philadelphia inclusive: 10.80 food at 8 % -> 0.80 tax; 5.50 beer at 10 % -> 0.50 tax;
    grocery 3.00 has no tax inside it."""
    req = make_request(
        "us-pa-philadelphia", "2026-01-15",
        ("food", "prepared_food", 1, 1080), ("beer", "alcohol", 1, 550), ("jar", "grocery", 1, 300), inclusive=True,
    )
    r = calculate_sales_tax(req, seed)
    assert [(l.net_cents, l.tax_cents) for l in r.lines] == [(1000, 80), (500, 50), (300, 0)]
    assert r.total_cents == 1080 + 550 + 300


# --- rounding modes -----------------------------------------------------------------------

def test_per_line_and_per_invoice_differ_by_a_cent(seed, make_request):
    """Two 2.00 items at LA's 9.75 %: each is 0.195 exactly.
    per_line: 0.20 + 0.20 = 0.40; per_invoice: 0.39 on the total -> 0.39 split 20 / 19."""
    req = make_request("us-ca-los-angeles", "2026-01-15", ("a", "general", 1, 200), ("b", "general", 1, 200))
    per_line = calculate_sales_tax(req, with_rounding(seed, "per_line"))
    per_invoice = calculate_sales_tax(req, with_rounding(seed, "per_invoice"))
    assert per_line.rounding == "per_line" and per_invoice.rounding == "per_invoice"
    assert [l.tax_cents for l in per_line.lines] == [20, 20]
    assert per_line.total_tax_cents == 40
    assert [l.tax_cents for l in per_invoice.lines] == [20, 19]  # tie at .5 -> first line
    assert per_invoice.total_tax_cents == 39
    assert sum(j.tax_cents for j in per_line.jurisdictions) == 40
    assert sum(j.tax_cents for j in per_invoice.jurisdictions) == 39


def test_per_line_inclusive_rounds_each_line(seed, make_request):
    """Per line, inclusive: each 1.00 at 9.75 % holds 0.08884 -> 0.09 tax, 0.91 net, per line."""
    req = make_request("us-ca-los-angeles", "2026-01-15", *[(f"l{i}", "general", 1, 100) for i in range(3)], inclusive=True)
    r = calculate_sales_tax(req, with_rounding(seed, "per_line"))
    assert [(l.net_cents, l.tax_cents) for l in r.lines] == [(91, 9)] * 3


def test_mixed_rounding_modes_at_one_location_is_a_data_error(make_request):
    js = [make_rate("a", rounding="per_line"), make_rate("b", level="city", rounding="per_invoice")]
    with pytest.raises(SalesTaxDataError) as e:
        calculate_sales_tax(make_request("loc", "2026-01-01", ("a", "general", 1, 100)), js)
    assert e.value.field == "rounding"


# --- exemptions and categories ------------------------------------------------------------

def test_tax_exempt_order(seed, make_request):
    req = make_request(
        "us-il-chicago", "2026-01-15", ("pizza", "prepared_food", 4, 1500), ("wine", "alcohol", 1, 4000),
        exempt_reason="IL E-number E9999-9999-01 (school)",
    )
    r = calculate_sales_tax(req, seed)
    assert r.total_tax_cents == 0
    assert r.jurisdictions == ()
    assert [(l.taxable_cents, l.tax_cents, l.net_cents, l.rate) for l in r.lines] == [
        (0, 0, 6000, Decimal(0)), (0, 0, 4000, Decimal(0)),
    ]
    assert r.total_cents == r.subtotal_cents == 10000


def test_tax_exempt_inclusive_keeps_full_price_as_net(seed, make_request):
    req = make_request("us-tx-austin", "2026-01-15", ("a", "prepared_food", 1, 1000), inclusive=True, exempt_reason="gov")
    r = calculate_sales_tax(req, seed)
    assert (r.lines[0].net_cents, r.total_tax_cents) == (1000, 0)


def test_exempt_order_still_needs_a_known_location(seed, make_request):
    with pytest.raises(SalesTaxRateNotFoundError):
        calculate_sales_tax(make_request("nowhere", "2026-01-15", ("a", "general", 1, 1), exempt_reason="x"), seed)


@pytest.mark.parametrize("location", ["us-ca-los-angeles", "us-ca-san-francisco", "us-pa-philadelphia", "us-tx-austin"])
def test_grocery_exempt_where_seeded(seed, make_request, location):
    r = calculate_sales_tax(make_request(location, "2026-01-15", ("milk", "grocery", 3, 499)), seed)
    assert (r.total_tax_cents, r.lines[0].taxable_cents, r.lines[0].rate) == (0, 0, Decimal(0))
    assert r.jurisdictions == ()


@pytest.mark.parametrize("location", ["us-ca-los-angeles", "us-il-chicago-mpea", "us-pa-philadelphia", "us-tx-austin"])
def test_non_taxable_is_never_taxed(seed, make_request, location):
    r = calculate_sales_tax(make_request(location, "2026-01-15", ("gift-card", "non_taxable", 1, 5000)), seed)
    assert r.total_tax_cents == 0


def test_non_taxable_ignores_a_base_rate(make_request):
    r = calculate_sales_tax(make_request("loc", "2026-01-01", ("x", "non_taxable", 1, 1000)), [make_rate(rate="0.1")])
    assert r.total_tax_cents == 0


def test_alcohol_surcharge_override(make_request):
    """A jurisdiction with base 0 and alcohol 2 % adds only to alcohol lines."""
    js = [make_rate("st", rate="0.05"), make_rate("drink", level="special", rate="0", alcohol="0.02")]
    r = calculate_sales_tax(make_request("loc", "2026-01-01", ("w", "alcohol", 1, 1000), ("f", "prepared_food", 1, 1000)), js)
    assert [(l.rate, l.tax_cents) for l in r.lines] == [(Decimal("0.07"), 70), (Decimal("0.05"), 50)]
    assert [(j.jurisdiction_id, j.taxable_cents, j.tax_cents) for j in r.jurisdictions] == [
        ("st", 2000, 100), ("drink", 1000, 20),
    ]


# --- discounts ----------------------------------------------------------------------------

def test_discount_reduces_taxable_base(seed, make_request):
    """LA: 2 x 12.99 - 5.00 = 20.98 taxable -> 2.04555 -> 2.05."""
    r = calculate_sales_tax(make_request("us-ca-los-angeles", "2026-01-15", ("b", "prepared_food", 2, 1299, 500)), seed)
    assert (r.lines[0].net_cents, r.lines[0].taxable_cents, r.total_tax_cents) == (2098, 2098, 205)


def test_full_discount_means_no_tax(seed, make_request):
    r = calculate_sales_tax(make_request("us-tx-austin", "2026-01-15", ("comp", "prepared_food", 1, 1500, 1500)), seed)
    assert (r.total_cents, r.total_tax_cents) == (0, 0)


def test_discount_on_inclusive_price(seed, make_request):
    """Inclusive: 2 x 5.40 - 1.08 discount = 9.72 paid; at 8 % that holds 0.72 tax, 9.00 net."""
    r = calculate_sales_tax(
        make_request("us-pa-philadelphia", "2026-01-15", ("f", "prepared_food", 2, 540, 108), inclusive=True), seed
    )
    assert (r.lines[0].net_cents, r.lines[0].tax_cents) == (900, 72)


# --- effective dates and missing rates ----------------------------------------------------

def test_effective_date_switch_is_inclusive_on_both_ends(make_request):
    js = [make_rate("s", rate="0.05", to="2025-12-31"), make_rate("s", rate="0.06", frm="2026-01-01")]
    line = ("a", "general", 1, 10000)
    assert calculate_sales_tax(make_request("loc", "2025-12-31", line), js).total_tax_cents == 500
    assert calculate_sales_tax(make_request("loc", "2026-01-01", line), js).total_tax_cents == 600


def test_unknown_location_names_location_id(seed, make_request):
    with pytest.raises(SalesTaxRateNotFoundError) as e:
        calculate_sales_tax(make_request("us-zz-atlantis", "2026-01-15", ("a", "general", 1, 100)), seed)
    assert e.value.field == "location_id"
    assert e.value.location_id == "us-zz-atlantis"
    assert not isinstance(e.value, SalesTaxValidationError)


def test_no_rate_in_force_names_as_of(seed, make_request):
    with pytest.raises(SalesTaxRateNotFoundError) as e:
        calculate_sales_tax(make_request("us-tx-austin", "2019-12-31", ("a", "general", 1, 100)), seed)
    assert e.value.field == "as_of"
    assert e.value.as_of == date(2019, 12, 31)


def test_ended_jurisdiction_drops_out_but_others_remain(make_request):
    js = [make_rate("st", rate="0.05"), make_rate("temp", level="city", rate="0.01", to="2025-06-30")]
    r = calculate_sales_tax(make_request("loc", "2025-07-01", ("a", "general", 1, 1000)), js)
    assert [j.jurisdiction_id for j in r.jurisdictions] == ["st"]


def test_two_rows_of_one_jurisdiction_in_force_is_a_data_error(make_request):
    js = [make_rate("s", rate="0.05"), make_rate("s", rate="0.06", frm="2025-01-01")]
    with pytest.raises(SalesTaxDataError):
        calculate_sales_tax(make_request("loc", "2026-01-01", ("a", "general", 1, 100)), js)


def test_other_locations_rates_are_ignored(seed, make_request):
    """Passing the whole table is fine: only the request's location counts."""
    only_austin = [j for j in seed if "us-tx-austin" in j.location_ids]
    req = make_request("us-tx-austin", "2026-01-15", ("a", "prepared_food", 1, 1234))
    assert calculate_sales_tax(req, seed) == calculate_sales_tax(req, only_austin)


def test_input_order_of_jurisdictions_does_not_matter(seed, make_request):
    req = make_request("us-il-chicago", "2025-06-01", ("a", "prepared_food", 3, 333), ("b", "grocery", 1, 777))
    assert calculate_sales_tax(req, seed) == calculate_sales_tax(req, list(reversed(seed)))
