"""ReportsRepository: one location's business day as raw rows (orders.domain.reports.DayRows); the
domain sums them. Four indexed reads: the day's checks, their lines (with the menu category of
lines priced from the menu), the payments and the refunds taken that business day."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders.adapters.orm import OrderLineRow, OrderRow
from orders.adapters.orm_menu import MenuCategoryRow, MenuItemRow
from orders.adapters.orm_payments import PaymentRow, RefundRow
from orders.domain.reports import (
    OPEN_PRICE,
    DayRows,
    ReportLine,
    ReportOrder,
    ReportPayment,
    ReportRefund,
)


class ReportsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def day_rows(self, tenant_id: uuid.UUID, location_id: uuid.UUID, business_date: date) -> DayRows:
        day_orders = (OrderRow.tenant_id == tenant_id, OrderRow.location_id == location_id,
                      OrderRow.business_date == business_date, OrderRow.deleted_at.is_(None))
        orders = [ReportOrder(*row) for row in self.session.execute(
            select(OrderRow.id, OrderRow.server_staff_id, OrderRow.status, OrderRow.subtotal_cents,
                   OrderRow.tax_cents, OrderRow.tip_cents, OrderRow.total_cents).where(*day_orders))]
        lines = []
        for order_id, item_category, category_name, tax_category, quantity, unit, discount, status in self.session.execute(
                select(OrderLineRow.order_id, MenuItemRow.category_id, MenuCategoryRow.name, OrderLineRow.category,
                       OrderLineRow.quantity, OrderLineRow.unit_price_cents, OrderLineRow.discount_cents,
                       OrderLineRow.status)
                .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
                .outerjoin(MenuItemRow, MenuItemRow.id == OrderLineRow.item_id)
                .outerjoin(MenuCategoryRow, MenuCategoryRow.id == MenuItemRow.category_id)
                .where(*day_orders)):
            key, name = ((str(item_category), category_name) if item_category is not None
                         else (OPEN_PRICE, f"Open price ({tax_category})"))
            lines.append(ReportLine(order_id, key, name, quantity, quantity * unit, discount, status))
        payments = [ReportPayment(*row) for row in self.session.execute(
            select(PaymentRow.tender, PaymentRow.amount_cents, PaymentRow.tip_cents, PaymentRow.server_staff_id)
            .where(PaymentRow.tenant_id == tenant_id, PaymentRow.location_id == location_id,
                   PaymentRow.business_date == business_date))]
        refunds = [ReportRefund(*row) for row in self.session.execute(
            select(PaymentRow.tender, RefundRow.amount_cents, RefundRow.tip_cents)
            .join(PaymentRow, PaymentRow.id == RefundRow.payment_id)
            .where(RefundRow.tenant_id == tenant_id, RefundRow.location_id == location_id,
                   RefundRow.business_date == business_date))]
        return DayRows(orders, lines, payments, refunds)
