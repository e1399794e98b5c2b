"""Hand-computed orders for every seeded location (the arithmetic is in each docstring).

Rates here are asserted literally, so a change of seed data or of rounding shows up as a
failing number, not as a silently different tax.
"""

from __future__ import annotations

from decimal import Decimal

from tax.domain.sales import calculate_sales_tax


def juris(result):
    return [(j.jurisdiction_id, j.rate, j.taxable_cents, j.tax_cents) for j in result.jurisdictions]


def taxes(result):
    return {l.line_id: l.tax_cents for l in result.lines}


def test_los_angeles_after_measure_a(seed, make_request):
    """LA city 9.75 % = 7.25 state + 0.50 Measure A + 2.00 Metro; groceries exempt.

    burger 2 x 12.99 = 25.98 -> 2.53305; beer 7.50 -> 0.73125; coffee beans exempt.
    Invoice exact 3.26430 -> 326. Lines: quotas 252.97 / 73.03 -> 253 / 73.
    Jurisdictions on 33.48: 242.73 / 16.74 / 66.96, scaled to 326 -> 242.41 / 16.72 / 66.87,
    floors 242+16+66 = 324, the 2 leftover cents go to the biggest remainders (Metro, county).
    """
    req = make_request(
        "us-ca-los-angeles", "2025-06-01",
        ("burger", "prepared_food", 2, 1299), ("beer", "alcohol", 1, 750), ("beans", "grocery", 1, 1500),
    )
    r = calculate_sales_tax(req, seed)
    assert r.total_tax_cents == 326
    assert taxes(r) == {"burger": 253, "beer": 73, "beans": 0}
    assert r.subtotal_cents == 2598 + 750 + 1500
    assert r.total_cents == 4848 + 326
    assert r.rounding == "per_invoice"
    assert {l.line_id: l.rate for l in r.lines} == {
        "burger": Decimal("0.0975"), "beer": Decimal("0.0975"), "beans": Decimal(0),
    }
    assert juris(r) == [
        ("us-ca", Decimal("0.0725"), 3348, 242),
        ("us-ca-la-county-homelessness", Decimal("0.005"), 3348, 17),
        ("us-ca-la-metro", Decimal("0.02"), 3348, 67),
    ]


def test_los_angeles_before_measure_a(seed, make_request):
    """Day before the switch: 9.50 % (Measure H 0.25 %). 33.48 x 0.095 = 3.1806 -> 318."""
    req = make_request("us-ca-los-angeles", "2025-03-31", ("burger", "prepared_food", 2, 1299), ("beer", "alcohol", 1, 750))
    r = calculate_sales_tax(req, seed)
    assert r.total_tax_cents == 318
    assert [j.rate for j in r.jurisdictions] == [Decimal("0.0725"), Decimal("0.0025"), Decimal("0.02")]


def test_san_francisco_half_cent_rounds_up(seed, make_request):
    """SF 8.625 %: 20.00 -> 1.725 exactly -> ROUND_HALF_UP gives 1.73 (banker's would give 1.72).

    Split 145 / 25 / 2.5 scaled to 173: 145.42 / 25.07 / 2.51 -> floors 172, the leftover
    cent goes to Caltrain (largest remainder .51).
    """
    r = calculate_sales_tax(make_request("us-ca-san-francisco", "2026-03-01", ("salad", "prepared_food", 1, 2000)), seed)
    assert r.total_tax_cents == 173
    assert juris(r) == [
        ("us-ca", Decimal("0.0725"), 2000, 145),
        ("us-ca-caltrain", Decimal("0.00125"), 2000, 3),
        ("us-ca-sf-districts", Decimal("0.0125"), 2000, 25),
    ]


def test_san_francisco_before_caltrain_tax(seed, make_request):
    """2021-06-30: 8.50 % (Caltrain Measure RR started 2021-07-01). 20.00 -> 1.70."""
    r = calculate_sales_tax(make_request("us-ca-san-francisco", "2021-06-30", ("salad", "prepared_food", 1, 2000)), seed)
    assert r.total_tax_cents == 170
    assert [j.jurisdiction_id for j in r.jurisdictions] == ["us-ca", "us-ca-sf-districts"]


def test_chicago_categories_and_filing_lines(seed, make_request):
    """Chicago 2025: prepared food 10.75 % (10.25 + 0.50 restaurant tax), grocery 2.25 %
    (state 1 % + RTA 1.25 %), general merchandise 10.25 %.

    10.00 x 10.75 % = 1.075; 10.00 x 2.25 % = 0.225; 20.00 x 10.25 % = 2.05 -> 3.35 exactly.
    Filing lines (exact): IL 6.25 % 1.875, IL 1 % 0.10, Cook 0.525, Chicago 0.375,
    restaurant 0.05, RTA 1.25 % 0.125, RTA 1 % 0.30. Floors sum 333; the 2 leftover cents
    tie at .5 and go to the first two in canonical order (IL 6.25 %, Cook).
    """
    req = make_request(
        "us-il-chicago", "2025-06-01",
        ("pizza", "prepared_food", 1, 1000), ("coffee", "grocery", 1, 1000), ("shirt", "general", 1, 2000),
    )
    r = calculate_sales_tax(req, seed)
    assert r.total_tax_cents == 335
    assert {l.line_id: l.rate for l in r.lines} == {
        "pizza": Decimal("0.1075"), "coffee": Decimal("0.0225"), "shirt": Decimal("0.1025"),
    }
    assert juris(r) == [
        ("us-il", Decimal("0.0625"), 3000, 188),
        ("us-il", Decimal("0.01"), 1000, 10),
        ("us-il-cook", Decimal("0.0175"), 3000, 53),
        ("us-il-chicago", Decimal("0.0125"), 3000, 37),
        ("us-il-chicago-restaurant", Decimal("0.005"), 1000, 5),
        ("us-il-rta", Decimal("0.0125"), 1000, 12),
        ("us-il-rta", Decimal("0.01"), 3000, 30),
    ]


def test_chicago_grocery_after_state_repeal(seed, make_request):
    """From 2026-01-01 the state 1 % grocery tax is gone; RTA's 1.25 % stays: 10.00 -> 0.125 -> 13."""
    r = calculate_sales_tax(make_request("us-il-chicago", "2026-01-01", ("coffee", "grocery", 1, 1000)), seed)
    assert r.total_tax_cents == 13
    assert juris(r) == [("us-il-rta", Decimal("0.0125"), 1000, 13)]


def test_illinois_grocery_suspension_2022(seed, make_request):
    """2022-07-01..2023-06-30 the state grocery rate was 0: grocery pays RTA 1.25 % only."""
    during = calculate_sales_tax(make_request("us-il-chicago", "2022-07-01", ("coffee", "grocery", 1, 1000)), seed)
    before = calculate_sales_tax(make_request("us-il-chicago", "2022-06-30", ("coffee", "grocery", 1, 1000)), seed)
    after = calculate_sales_tax(make_request("us-il-chicago", "2023-07-01", ("coffee", "grocery", 1, 1000)), seed)
    assert (before.total_tax_cents, during.total_tax_cents, after.total_tax_cents) == (23, 13, 23)


def test_chicago_downtown_mpea(seed, make_request):
    """Inside the MPEA area prepared food is 11.75 %: 10.00 -> 1.175 -> 118 (half-up)."""
    r = calculate_sales_tax(make_request("us-il-chicago-mpea", "2026-06-01", ("pizza", "prepared_food", 1, 1000)), seed)
    assert r.total_tax_cents == 118
    assert ("us-il-mpea", Decimal("0.01"), 1000, 10) in juris(r)


def test_philadelphia_food_grocery_and_liquor_tax(seed, make_request):
    """Philadelphia: prepared food 8 % (6 state + 2 local); drinks 10 % Philadelphia liquor
    tax instead of sales tax; grocery exempt.
    12.00 -> 0.96 (0.72 + 0.24); beer 6.00 -> 0.60; sauce 5.00 -> 0.
    """
    req = make_request(
        "us-pa-philadelphia", "2026-06-01",
        ("cheesesteak", "prepared_food", 1, 1200), ("beer", "alcohol", 1, 600), ("sauce", "grocery", 1, 500),
    )
    r = calculate_sales_tax(req, seed)
    assert r.total_tax_cents == 156
    assert taxes(r) == {"cheesesteak": 96, "beer": 60, "sauce": 0}
    assert juris(r) == [
        ("us-pa", Decimal("0.06"), 1200, 72),
        ("us-pa-philadelphia", Decimal("0.02"), 1200, 24),
        ("us-pa-philadelphia-liquor", Decimal("0.1"), 600, 60),
    ]
    sauce = next(l for l in r.lines if l.line_id == "sauce")
    assert (sauce.taxable_cents, sauce.net_cents, sauce.rate) == (0, 500, Decimal(0))


def test_austin_mixed_beverage_and_grocery(seed, make_request):
    """Austin 8.25 % (6.25 + 1 city + 1 CapMetro); alcohol under the 8.25 % mixed beverage
    sales tax instead; grocery exempt.
    tacos 3 x 9.99 = 29.97 -> 2.472525; margarita 11.00 -> 0.9075; total exact 3.380025 -> 338.
    Split 187.3125 / 90.75 / 29.97 / 29.97 scaled to 338 -> floors 335, leftover 3 cents to
    city, CapMetro (.97 each) and mixed beverage (.75).
    """
    req = make_request(
        "us-tx-austin", "2026-06-01",
        ("tacos", "prepared_food", 3, 999), ("margarita", "alcohol", 1, 1100), ("tortillas", "grocery", 2, 250),
    )
    r = calculate_sales_tax(req, seed)
    assert r.total_tax_cents == 338
    assert juris(r) == [
        ("us-tx", Decimal("0.0625"), 2997, 187),
        ("us-tx-mixed-beverage", Decimal("0.0825"), 1100, 91),
        ("us-tx-austin", Decimal("0.01"), 2997, 30),
        ("us-tx-capmetro", Decimal("0.01"), 2997, 30),
    ]
    assert taxes(r)["tortillas"] == 0


def test_result_to_dict_is_json_shaped(seed, make_request):
    r = calculate_sales_tax(make_request("us-ca-los-angeles", "2025-06-01", ("burger", "prepared_food", 1, 1000)), seed)
    d = r.to_dict()
    assert d == {
        "location_id": "us-ca-los-angeles",
        "as_of": "2025-06-01",
        "rounding": "per_invoice",
        "subtotal_cents": 1000,
        "total_tax_cents": 98,
        "total_cents": 1098,
        "lines": [{"line_id": "burger", "taxable_cents": 1000, "tax_cents": 98, "net_cents": 1000, "rate": "0.0975"}],
        "jurisdictions": [
            {"jurisdiction_id": "us-ca", "name": d["jurisdictions"][0]["name"], "level": "state",
             "taxable_cents": 1000, "tax_cents": 73, "rate": "0.0725"},
            {"jurisdiction_id": "us-ca-la-county-homelessness", "name": d["jurisdictions"][1]["name"],
             "level": "county", "taxable_cents": 1000, "tax_cents": 5, "rate": "0.005"},
            {"jurisdiction_id": "us-ca-la-metro", "name": d["jurisdictions"][2]["name"], "level": "special",
             "taxable_cents": 1000, "tax_cents": 20, "rate": "0.02"},
        ],
    }
