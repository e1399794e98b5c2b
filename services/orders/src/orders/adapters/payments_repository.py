"""Payments and settlement queries: rows of orm_payments <-> domain payments, splits, refunds, imports.

`ledger()` loads a check's money (its payments, split parts and refunds); `save()` writes what the
use case changed on it: new payments, refunds and split parts, the refunded totals of payments.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from orders.adapters.orm_payments import (
    OrderSplitRow,
    PaymentRow,
    RefundRow,
    SettlementImportRow,
    SettlementRowRow,
)
from orders.adapters.repositories import translating_integrity_errors
from orders.domain.payments import Ledger, Payment, Refund
from orders.domain.reconciliation import SettlementImport, SettlementLine
from orders.domain.splits import SplitPart


class PaymentsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[uuid.UUID, PaymentRow] = {}
        self._splits: dict[uuid.UUID, list[uuid.UUID]] = {}  # order -> the split ids stored
        self._refunds: set[uuid.UUID] = set()

    def ledger(self, tenant_id: uuid.UUID, order_id: uuid.UUID, total_cents: int) -> Ledger:
        """The check's money (the caller holds the order's row lock: payments of one check are serialized)."""
        payments = self.session.scalars(select(PaymentRow).where(
            PaymentRow.tenant_id == tenant_id, PaymentRow.order_id == order_id)
            .order_by(PaymentRow.paid_at, PaymentRow.id)).all()
        splits = self.session.scalars(select(OrderSplitRow).where(
            OrderSplitRow.tenant_id == tenant_id, OrderSplitRow.order_id == order_id)
            .order_by(OrderSplitRow.position)).all()
        refunds = self.session.scalars(select(RefundRow).where(
            RefundRow.tenant_id == tenant_id, RefundRow.order_id == order_id)
            .order_by(RefundRow.refunded_at, RefundRow.id)).all()
        parts = [_to_part(row) for row in splits]
        labels = {part.split_id: part.label for part in parts}
        for row in payments:
            self._rows[row.id] = row
        self._splits[order_id] = [part.split_id for part in parts]
        self._refunds |= {row.id for row in refunds}
        return Ledger(total_cents, [_to_payment(row, labels) for row in payments], parts,
                      [_to_refund(row) for row in refunds])

    def save(self, tenant_id: uuid.UUID, order_id: uuid.UUID, ledger: Ledger, at: datetime) -> None:
        """Writes what changed on `ledger` (`at`: when, for new split parts)."""
        split_ids = [part.split_id for part in ledger.splits]
        if split_ids != self._splits.get(order_id, []):
            self.session.execute(delete(OrderSplitRow).where(OrderSplitRow.order_id == order_id))
            for part in ledger.splits:
                self.session.add(_part_row(part, tenant_id, order_id, at))
            self._splits[order_id] = split_ids
        for payment in ledger.payments:
            row = self._rows.get(payment.payment_id)
            if row is None:
                row = self._rows[payment.payment_id] = _payment_row(payment)
                self.session.add(row)
                # At once: a POS payment recorded twice (its external reference) is caught here.
                translating_integrity_errors(self.session.flush)
            row.refunded_cents, row.refunded_tip_cents = payment.refunded_cents, payment.refunded_tip_cents
        self.session.flush()
        for refund in ledger.refunds:
            if refund.refund_id not in self._refunds:
                self.session.add(_refund_row(refund))
                self._refunds.add(refund.refund_id)
        self.session.flush()

    def by_external_reference(self, tenant_id: uuid.UUID, tender: str, reference: str) -> Payment | None:
        row = self.session.scalars(select(PaymentRow).where(
            PaymentRow.tenant_id == tenant_id, PaymentRow.tender == tender,
            PaymentRow.external_reference == reference)).first()
        return _to_payment(row, {}) if row is not None else None

    def for_day(self, tenant_id: uuid.UUID, location_id: uuid.UUID, business_date: date) -> list[Payment]:
        """The payments taken at a location on a business day (the location's local date)."""
        rows = self.session.scalars(select(PaymentRow).where(
            PaymentRow.tenant_id == tenant_id, PaymentRow.location_id == location_id,
            PaymentRow.business_date == business_date).order_by(PaymentRow.paid_at, PaymentRow.id))
        return [_to_payment(row, {}) for row in rows]

    def refunds_for_day(self, tenant_id: uuid.UUID, location_id: uuid.UUID, business_date: date) -> list[Refund]:
        rows = self.session.scalars(select(RefundRow).where(
            RefundRow.tenant_id == tenant_id, RefundRow.location_id == location_id,
            RefundRow.business_date == business_date).order_by(RefundRow.refunded_at, RefundRow.id))
        return [_to_refund(row) for row in rows]


class SettlementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, tenant_id: uuid.UUID, location_id: uuid.UUID, business_date: date,
             file_sha256: str) -> SettlementImport | None:
        row = self.session.scalars(select(SettlementImportRow).where(
            SettlementImportRow.tenant_id == tenant_id, SettlementImportRow.location_id == location_id,
            SettlementImportRow.business_date == business_date,
            SettlementImportRow.file_sha256 == file_sha256)).first()
        return _to_import(row) if row is not None else None

    def add(self, settlement: SettlementImport, lines: list[SettlementLine], new_id) -> None:
        """Inserts at once: the same file imported concurrently raises IdempotencyKeyTaken here."""
        self.session.add(SettlementImportRow(
            id=settlement.import_id, tenant_id=settlement.tenant_id, location_id=settlement.location_id,
            business_date=settlement.business_date, file_sha256=settlement.file_sha256, source=settlement.source,
            row_count=settlement.row_count, actor_id=settlement.actor_id, imported_at=settlement.imported_at))
        translating_integrity_errors(self.session.flush)
        self.session.add_all([SettlementRowRow(
            id=new_id(), import_id=settlement.import_id, tenant_id=settlement.tenant_id, position=line.position,
            processor_reference=line.processor_reference, amount_cents=line.amount_cents, tip_cents=line.tip_cents,
            settled_at=line.settled_at) for line in lines])
        self.session.flush()

    def latest(self, tenant_id: uuid.UUID, location_id: uuid.UUID,
               business_date: date) -> tuple[SettlementImport, list[SettlementLine]] | None:
        """The last file imported for the location and day (earlier ones stay for the record)."""
        row = self.session.scalars(select(SettlementImportRow).where(
            SettlementImportRow.tenant_id == tenant_id, SettlementImportRow.location_id == location_id,
            SettlementImportRow.business_date == business_date)
            .order_by(SettlementImportRow.imported_at.desc(), SettlementImportRow.id.desc())).first()
        if row is None:
            return None
        lines = self.session.scalars(select(SettlementRowRow).where(SettlementRowRow.import_id == row.id)
                                     .order_by(SettlementRowRow.position))
        return _to_import(row), [SettlementLine(line.position, line.processor_reference, line.amount_cents,
                                                line.tip_cents, line.settled_at) for line in lines]


def _to_payment(row: PaymentRow, labels: dict[uuid.UUID, str]) -> Payment:
    return Payment(row.id, row.tenant_id, row.order_id, row.location_id, row.tender, row.amount_cents,
                   row.tip_cents, row.server_staff_id, row.business_date, row.paid_at, row.actor_id,
                   row.tendered_cents, row.change_cents, row.card_brand, row.card_last4, row.processor_reference,
                   row.external_reference, row.split_id, row.seat, labels.get(row.split_id, "") if row.split_id else "",
                   row.refunded_cents, row.refunded_tip_cents)


def _payment_row(p: Payment) -> PaymentRow:
    return PaymentRow(id=p.payment_id, tenant_id=p.tenant_id, order_id=p.order_id, location_id=p.location_id,
                      tender=p.tender, amount_cents=p.amount_cents, tip_cents=p.tip_cents,
                      tendered_cents=p.tendered_cents, change_cents=p.change_cents, card_brand=p.card_brand,
                      card_last4=p.card_last4, processor_reference=p.processor_reference,
                      external_reference=p.external_reference, split_id=p.split_id, seat=p.seat,
                      server_staff_id=p.server_staff_id, business_date=p.business_date, paid_at=p.paid_at,
                      actor_id=p.actor_id, refunded_cents=p.refunded_cents, refunded_tip_cents=p.refunded_tip_cents)


def _to_part(row: OrderSplitRow) -> SplitPart:
    return SplitPart(row.id, row.position, row.kind, row.label, row.amount_cents, row.order_total_cents, row.seat)


def _part_row(part: SplitPart, tenant_id: uuid.UUID, order_id: uuid.UUID, at: datetime) -> OrderSplitRow:
    return OrderSplitRow(id=part.split_id, tenant_id=tenant_id, order_id=order_id, position=part.position,
                         kind=part.kind, label=part.label, seat=part.seat, amount_cents=part.amount_cents,
                         order_total_cents=part.order_total_cents, created_at=at)


def _to_refund(row: RefundRow) -> Refund:
    return Refund(row.id, row.tenant_id, row.order_id, row.payment_id, row.location_id, row.amount_cents,
                  row.tip_cents, row.reason, row.actor_id, row.business_date, row.refunded_at,
                  tuple(row.line_ids or ()))


def _refund_row(r: Refund) -> RefundRow:
    return RefundRow(id=r.refund_id, tenant_id=r.tenant_id, order_id=r.order_id, payment_id=r.payment_id,
                     location_id=r.location_id, amount_cents=r.amount_cents, tip_cents=r.tip_cents,
                     line_ids=list(r.line_ids), reason=r.reason, actor_id=r.actor_id,
                     business_date=r.business_date, refunded_at=r.refunded_at)


def _to_import(row: SettlementImportRow) -> SettlementImport:
    return SettlementImport(row.id, row.tenant_id, row.location_id, row.business_date, row.file_sha256,
                            row.row_count, row.actor_id, row.imported_at, row.source)
