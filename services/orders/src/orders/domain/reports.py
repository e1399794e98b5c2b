"""Sales figures as reports present them (computed by the repository, filtered by the service layer)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class LocationSales:
    """One location's orders placed in a period, cancelled ones left out."""

    location_id: uuid.UUID
    orders: int
    subtotal_cents: int
    tax_cents: int
    tip_cents: int
    total_cents: int


# ---------------------------------------------------------------- the day's report (issue 9)
# The repository hands over the day's raw rows (`DayRows`); `daily_sales` sums them. Sales are the
# checks opened on the business day (the location's local date) that were not cancelled or voided;
# payments and refunds are those taken on that business day (a check of yesterday paid today counts
# in today's tenders), so the tenders add up to exactly what the payments recorded that day.
CANCELLED, VOIDED, LINE_VOIDED = "cancelled", "voided", "voided"
OPEN_PRICE = "open_price"


@dataclass(frozen=True)
class ReportOrder:
    order_id: uuid.UUID
    server_staff_id: uuid.UUID
    status: str
    subtotal_cents: int
    tax_cents: int
    tip_cents: int
    total_cents: int


@dataclass(frozen=True)
class ReportLine:
    order_id: uuid.UUID
    category_key: str  # the menu category's id, or "open_price" for a line priced by hand
    category_name: str
    quantity: int
    gross_cents: int  # quantity x unit price
    discount_cents: int
    status: str


@dataclass(frozen=True)
class ReportPayment:
    tender: str
    amount_cents: int
    tip_cents: int
    server_staff_id: uuid.UUID


@dataclass(frozen=True)
class ReportRefund:
    tender: str  # the refunded payment's
    amount_cents: int
    tip_cents: int


@dataclass(frozen=True)
class DayRows:
    orders: list[ReportOrder]
    lines: list[ReportLine]
    payments: list[ReportPayment]
    refunds: list[ReportRefund]


@dataclass(frozen=True)
class CategorySales:
    key: str
    name: str
    quantity: int
    gross_cents: int
    discount_cents: int
    net_cents: int


@dataclass(frozen=True)
class ServerSales:
    server_staff_id: uuid.UUID
    orders: int
    net_cents: int
    tax_cents: int
    tip_cents: int  # given at opening and with payments, less refunded tips


@dataclass(frozen=True)
class TenderTotals:
    tender: str
    payments: int
    amount_cents: int
    tip_cents: int
    refunds: int
    refunded_cents: int
    refunded_tip_cents: int

    @property
    def net_cents(self) -> int:
        """What the tender brought in, net: amounts and tips, less what was given back."""
        return self.amount_cents + self.tip_cents - self.refunded_cents - self.refunded_tip_cents


@dataclass(frozen=True)
class DailySales:
    location_id: uuid.UUID
    business_date: date
    orders: int
    gross_cents: int
    discount_cents: int
    net_cents: int
    tax_cents: int
    tip_cents: int  # given at opening (on the checks) + with payments - refunded
    total_cents: int  # the checks' totals (net + tax + opening tips)
    by_category: list[CategorySales]
    by_server: list[ServerSales]
    by_tender: list[TenderTotals]
    discounted_lines: int
    voided_lines: int
    voided_line_cents: int
    voided_checks: int
    voided_check_cents: int
    cancelled_checks: int
    cancelled_check_cents: int
    refunds: int
    refunded_cents: int
    refunded_tip_cents: int
    tips_at_opening_cents: int
    tips_with_payments_cents: int
    payments: int
    paid_cents: int  # payments' amounts (tips not included)
    collected_cents: int  # amounts + tips - refunds: the tenders' net, summed


def daily_sales(location_id: uuid.UUID, business_date: date, rows: DayRows) -> DailySales:
    sold = [order for order in rows.orders if order.status not in (CANCELLED, VOIDED)]
    sold_ids = {order.order_id for order in sold}
    active = [line for line in rows.lines if line.order_id in sold_ids and line.status != LINE_VOIDED]
    voided_lines = [line for line in rows.lines if line.order_id in sold_ids and line.status == LINE_VOIDED]
    categories: dict[str, list[ReportLine]] = {}
    for line in active:
        categories.setdefault(line.category_key, []).append(line)
    by_category = sorted((CategorySales(key, group[0].category_name, sum(x.quantity for x in group),
                                        sum(x.gross_cents for x in group), sum(x.discount_cents for x in group),
                                        sum(x.gross_cents - x.discount_cents for x in group))
                          for key, group in categories.items()), key=lambda c: (-c.net_cents, c.name, c.key))
    tender_tips: dict[uuid.UUID, int] = {}
    for payment in rows.payments:
        tender_tips[payment.server_staff_id] = tender_tips.get(payment.server_staff_id, 0) + payment.tip_cents
    servers: dict[uuid.UUID, list[ReportOrder]] = {}
    for order in sold:
        servers.setdefault(order.server_staff_id, []).append(order)
    by_server = sorted((ServerSales(server, len(group), sum(o.subtotal_cents for o in group),
                                    sum(o.tax_cents for o in group),
                                    sum(o.tip_cents for o in group) + tender_tips.get(server, 0))
                        for server, group in servers.items()), key=lambda s: (-s.net_cents, str(s.server_staff_id)))
    by_tender = _tenders(rows)
    voided = [o for o in rows.orders if o.status == VOIDED]
    cancelled = [o for o in rows.orders if o.status == CANCELLED]
    refunded_tips = sum(r.tip_cents for r in rows.refunds)
    opening_tips = sum(o.tip_cents for o in sold)
    payment_tips = sum(p.tip_cents for p in rows.payments)
    return DailySales(
        location_id, business_date, len(sold), sum(x.gross_cents for x in active),
        sum(x.discount_cents for x in active), sum(o.subtotal_cents for o in sold), sum(o.tax_cents for o in sold),
        opening_tips + payment_tips - refunded_tips, sum(o.total_cents for o in sold), by_category, by_server,
        by_tender, sum(1 for x in active if x.discount_cents > 0), len(voided_lines),
        sum(x.gross_cents - x.discount_cents for x in voided_lines), len(voided), sum(o.total_cents for o in voided),
        len(cancelled), sum(o.total_cents for o in cancelled), len(rows.refunds),
        sum(r.amount_cents for r in rows.refunds), refunded_tips, opening_tips, payment_tips, len(rows.payments),
        sum(p.amount_cents for p in rows.payments), sum(t.net_cents for t in by_tender))


def _tenders(rows: DayRows) -> list[TenderTotals]:
    names = sorted({p.tender for p in rows.payments} | {r.tender for r in rows.refunds})
    result = []
    for name in names:
        paid = [p for p in rows.payments if p.tender == name]
        back = [r for r in rows.refunds if r.tender == name]
        result.append(TenderTotals(name, len(paid), sum(p.amount_cents for p in paid), sum(p.tip_cents for p in paid),
                                   len(back), sum(r.amount_cents for r in back), sum(r.tip_cents for r in back)))
    return result
