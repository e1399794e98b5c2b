"""The day's report as JSON and as CSV (one flat table: section, key, label and the figures)."""
from __future__ import annotations

import csv
import io

from orders.domain.reports import DailySales

CSV_COLUMNS = ("section", "key", "label", "count", "gross_cents", "discount_cents", "net_cents", "tax_cents",
               "tip_cents", "refunded_cents", "refunded_tip_cents", "total_cents")


def daily_to_json(day: DailySales) -> dict:
    return {
        "location_id": str(day.location_id), "business_date": day.business_date.isoformat(),
        "sales": {"orders": day.orders, "gross_cents": day.gross_cents, "discount_cents": day.discount_cents,
                  "net_cents": day.net_cents, "tax_cents": day.tax_cents, "total_cents": day.total_cents},
        "by_category": [{"category": c.key, "name": c.name, "quantity": c.quantity, "gross_cents": c.gross_cents,
                         "discount_cents": c.discount_cents, "net_cents": c.net_cents} for c in day.by_category],
        "by_server": [{"server_staff_id": str(s.server_staff_id), "orders": s.orders, "net_cents": s.net_cents,
                       "tax_cents": s.tax_cents, "tip_cents": s.tip_cents} for s in day.by_server],
        "by_tender": [{"tender": t.tender, "payments": t.payments, "amount_cents": t.amount_cents,
                       "tip_cents": t.tip_cents, "refunds": t.refunds, "refunded_cents": t.refunded_cents,
                       "refunded_tip_cents": t.refunded_tip_cents, "net_cents": t.net_cents} for t in day.by_tender],
        "discounts": {"lines": day.discounted_lines, "amount_cents": day.discount_cents},
        "voids": {"lines": day.voided_lines, "line_cents": day.voided_line_cents, "checks": day.voided_checks,
                  "check_cents": day.voided_check_cents, "cancelled_checks": day.cancelled_checks,
                  "cancelled_cents": day.cancelled_check_cents},
        "refunds": {"count": day.refunds, "amount_cents": day.refunded_cents, "tip_cents": day.refunded_tip_cents},
        "tips": {"at_opening_cents": day.tips_at_opening_cents, "with_payments_cents": day.tips_with_payments_cents,
                 "refunded_cents": day.refunded_tip_cents, "net_cents": day.tip_cents},
        "payments": {"count": day.payments, "amount_cents": day.paid_cents,
                     "tip_cents": day.tips_with_payments_cents, "collected_cents": day.collected_cents},
    }


def daily_to_csv(day: DailySales) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerow({"section": "sales", "key": day.business_date.isoformat(), "label": str(day.location_id),
                     "count": day.orders, "gross_cents": day.gross_cents, "discount_cents": day.discount_cents,
                     "net_cents": day.net_cents, "tax_cents": day.tax_cents, "tip_cents": day.tip_cents,
                     "refunded_cents": day.refunded_cents, "refunded_tip_cents": day.refunded_tip_cents,
                     "total_cents": day.total_cents})
    for c in day.by_category:
        writer.writerow({"section": "category", "key": c.key, "label": _safe(c.name), "count": c.quantity,
                         "gross_cents": c.gross_cents, "discount_cents": c.discount_cents, "net_cents": c.net_cents})
    for s in day.by_server:
        writer.writerow({"section": "server", "key": str(s.server_staff_id), "count": s.orders,
                         "net_cents": s.net_cents, "tax_cents": s.tax_cents, "tip_cents": s.tip_cents})
    for t in day.by_tender:
        writer.writerow({"section": "tender", "key": t.tender, "count": t.payments, "net_cents": t.amount_cents,
                         "tip_cents": t.tip_cents, "refunded_cents": t.refunded_cents,
                         "refunded_tip_cents": t.refunded_tip_cents, "total_cents": t.net_cents})
    writer.writerow({"section": "voids", "key": "lines", "count": day.voided_lines, "total_cents": day.voided_line_cents})
    writer.writerow({"section": "voids", "key": "checks", "count": day.voided_checks,
                     "total_cents": day.voided_check_cents})
    writer.writerow({"section": "voids", "key": "cancelled", "count": day.cancelled_checks,
                     "total_cents": day.cancelled_check_cents})
    writer.writerow({"section": "payments", "key": "all", "count": day.payments, "net_cents": day.paid_cents,
                     "tip_cents": day.tips_with_payments_cents, "refunded_cents": day.refunded_cents,
                     "refunded_tip_cents": day.refunded_tip_cents, "total_cents": day.collected_cents})
    return out.getvalue()


def _safe(text: str) -> str:
    """A menu name that a spreadsheet would run as a formula is kept as text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
