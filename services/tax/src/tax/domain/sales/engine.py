"""calculate_sales_tax: the pure sales-tax computation.

How an order is taxed, and why:
1. Pick the location's jurisdictions in force on `as_of` (rates are effective-dated data).
2. Each line's combined rate is the sum of its jurisdictions' rates for the line's category
   (so "grocery exempt at state level but taxed by the transit district" just works).
3. Compute every tax amount exactly (Fractions), then round ONCE per the location's mode:
   per_line rounds each line; per_invoice rounds the order total. Half-cents round up.
4. Split the rounded total back over lines and over jurisdictions with the
   largest-remainder method, so both breakdowns sum to the total to the cent. Rounding
   each jurisdiction separately would not (three jurisdictions x 0.4 cent each).
Tax-inclusive prices: the price is net * (1 + r), so tax = price * r / (1 + r); net is then
price - tax, which makes net + tax == price hold exactly by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from .errors import SalesTaxDataError, SalesTaxRateNotFoundError
from .jurisdiction import LEVEL_ORDER, JurisdictionRate
from .money import allocate, round_half_up, to_fraction
from .request import SalesTaxRequest, validate_request
from .result import JurisdictionTax, LineTax, SalesTaxResult


def calculate_sales_tax(req: SalesTaxRequest, jurisdictions: Iterable[JurisdictionRate]) -> SalesTaxResult:
    validate_request(req)
    active = select_jurisdictions(req.location_id, req.as_of, jurisdictions)
    rounding = _rounding_mode(active)
    lines = req.lines
    gross = [line.gross_cents for line in lines]

    # rates[l][j]: rate of jurisdiction j on line l. An exempt order still resolves its
    # jurisdictions above (an unknown location is an error even when exempt), then taxes at 0.
    if req.tax_exempt:
        rates = [[Decimal(0)] * len(active) for _ in lines]
    else:
        rates = [[j.rate_for(line.category) for j in active] for line in lines]
    combined = [sum(row, Decimal(0)) for row in rates]
    for i, r in enumerate(combined):
        # r <= 1 keeps back-calculated inclusive tax below the price (see money.allocate).
        if r > 1:
            raise SalesTaxDataError(f"lines[{i}].rate", f"combined rate {r} exceeds 100 %")

    # Exact tax per (line, jurisdiction); a line's exact tax is the sum over jurisdictions.
    exact = [[_exact_tax(g, rj, r, req.prices_include_tax) for rj in row] for g, row, r in zip(gross, rates, combined)]
    exact_line = [sum(row, Fraction(0)) for row in exact]

    if rounding == "per_line":
        line_tax = [round_half_up(e) for e in exact_line]
        total_tax = sum(line_tax)
    else:
        total_tax = round_half_up(sum(exact_line, Fraction(0)))
        line_tax = allocate(total_tax, exact_line)

    net = [g - t for g, t in zip(gross, line_tax)] if req.prices_include_tax else list(gross)

    line_results = tuple(
        LineTax(
            line_id=line.line_id,
            taxable_cents=n if r > 0 else 0,
            tax_cents=t,
            net_cents=n,
            rate=r,
        )
        for line, n, t, r in zip(lines, net, line_tax, combined)
    )
    juris_results = _by_jurisdiction(active, rates, exact, net, total_tax)
    subtotal = sum(net)
    return SalesTaxResult(
        location_id=req.location_id,
        as_of=req.as_of,
        rounding=rounding,
        subtotal_cents=subtotal,
        total_tax_cents=total_tax,
        total_cents=subtotal + total_tax,
        lines=line_results,
        jurisdictions=juris_results,
    )


def select_jurisdictions(
    location_id: str, as_of: date, jurisdictions: Iterable[JurisdictionRate]
) -> list[JurisdictionRate]:
    """Jurisdictions covering `location_id` in force on `as_of`, in canonical order.

    Accepts the whole rate table or a pre-filtered list: filtering here means a caller
    that passes the wrong location's rates gets an error, not a wrong tax.
    """
    at_location = []
    for i, j in enumerate(jurisdictions):
        if not isinstance(j, JurisdictionRate):
            raise SalesTaxDataError(f"jurisdictions[{i}]", "must be a JurisdictionRate")
        if location_id in j.location_ids:
            at_location.append(j)
    if not at_location:
        raise SalesTaxRateNotFoundError(
            "location_id", f"no sales-tax jurisdictions for location {location_id!r}",
            location_id=location_id, as_of=as_of,
        )
    active = [j for j in at_location if j.in_force_on(as_of)]
    if not active:
        raise SalesTaxRateNotFoundError(
            "as_of", f"no sales-tax rate in force on {as_of.isoformat()} for location {location_id!r}",
            location_id=location_id, as_of=as_of,
        )
    ids = [j.jurisdiction_id for j in active]
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        # Two rows of one jurisdiction in force on the same day: the data is ambiguous.
        raise SalesTaxDataError(f"{dupes[0]}.effective_from", f"overlapping rates in force on {as_of.isoformat()}")
    return sorted(active, key=lambda j: (LEVEL_ORDER[j.level], j.jurisdiction_id))


def _rounding_mode(active: Sequence[JurisdictionRate]) -> str:
    # Tax is charged once, at the combined rate, so one mode must govern the whole order.
    # Mixed modes would be a data error, not something to resolve by guessing.
    modes = {j.rounding for j in active}
    if len(modes) != 1:
        raise SalesTaxDataError("rounding", f"jurisdictions at one location disagree: {sorted(modes)}")
    return modes.pop()


def _exact_tax(gross_cents: int, rate: Decimal, combined: Decimal, inclusive: bool) -> Fraction:
    if rate == 0:
        return Fraction(0)
    share = Fraction(gross_cents) * to_fraction(rate)
    # Inclusive: jurisdiction j's part of the embedded tax is price * r_j / (1 + r).
    return share / (1 + to_fraction(combined)) if inclusive else share


def _by_jurisdiction(
    active: Sequence[JurisdictionRate],
    rates: Sequence[Sequence[Decimal]],
    exact: Sequence[Sequence[Fraction]],
    net: Sequence[int],
    total_tax: int,
) -> tuple[JurisdictionTax, ...]:
    # Group by (jurisdiction, rate): one filing line per rate the jurisdiction applied.
    groups: dict[tuple[int, Decimal], list] = {}
    for li, row in enumerate(rates):
        for ji, r in enumerate(row):
            if r == 0:
                continue
            g = groups.setdefault((ji, r), [Fraction(0), 0])
            g[0] += exact[li][ji]
            g[1] += net[li]
    keys = sorted(groups, key=lambda k: (k[0], -k[1]))  # active is already canonical
    taxes = allocate(total_tax, [groups[k][0] for k in keys])
    return tuple(
        JurisdictionTax(
            jurisdiction_id=active[ji].jurisdiction_id,
            name=active[ji].name,
            level=active[ji].level,
            taxable_cents=groups[(ji, r)][1],
            tax_cents=t,
            rate=r,
        )
        for (ji, r), t in zip(keys, taxes)
    )
