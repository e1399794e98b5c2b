"""Payments as the outside world reads them: REST JSON and the published protobuf contract."""
from __future__ import annotations

import csv
import io

from auraconnect.orders.v1 import payments_pb2
from chassis.timestamps import to_timestamp

from orders.domain import reconciliation as rec
from orders.domain.payments import Ledger, Payment, Refund, tender_summary
from orders.domain.splits import SplitPart


def payment_to_proto(p: Payment) -> payments_pb2.Payment:
    return payments_pb2.Payment(
        payment_id=str(p.payment_id), tenant_id=str(p.tenant_id), order_id=str(p.order_id),
        location_id=str(p.location_id), tender=p.tender, amount_cents=p.amount_cents, tip_cents=p.tip_cents,
        tendered_cents=p.tendered_cents, change_cents=p.change_cents, card_brand=p.card_brand,
        card_last4=p.card_last4, processor_reference=p.processor_reference,
        external_reference=p.external_reference, split_id=str(p.split_id or ""), split_label=p.split_label,
        seat=p.seat or 0, server_staff_id=str(p.server_staff_id), business_date=p.business_date.isoformat(),
        paid_at=to_timestamp(p.paid_at), actor_id=p.actor_id, refunded_cents=p.refunded_cents,
        refunded_tip_cents=p.refunded_tip_cents)


def tenders_to_proto(payments: list[Payment]) -> list[payments_pb2.TenderSummary]:
    return [payments_pb2.TenderSummary(tender=t, count=n, amount_cents=a, tip_cents=tip)
            for t, n, a, tip in tender_summary(payments)]


def payment_to_json(p: Payment) -> dict:
    return {"payment_id": str(p.payment_id), "order_id": str(p.order_id), "location_id": str(p.location_id),
            "tender": p.tender, "amount_cents": p.amount_cents, "tip_cents": p.tip_cents,
            "tendered_cents": p.tendered_cents if p.tender == "cash" else None,
            "change_cents": p.change_cents if p.tender == "cash" else None,
            "card_brand": p.card_brand or None, "card_last4": p.card_last4 or None,
            "processor_reference": p.processor_reference or None,
            "external_reference": p.external_reference or None,
            "split_id": str(p.split_id) if p.split_id else None, "split_label": p.split_label or None,
            "seat": p.seat, "server_staff_id": str(p.server_staff_id), "business_date": p.business_date.isoformat(),
            "paid_at": p.paid_at.isoformat(), "actor_id": p.actor_id, "refunded_cents": p.refunded_cents,
            "refunded_tip_cents": p.refunded_tip_cents}


def refund_to_json(r: Refund) -> dict:
    return {"refund_id": str(r.refund_id), "order_id": str(r.order_id), "payment_id": str(r.payment_id),
            "amount_cents": r.amount_cents, "tip_cents": r.tip_cents, "line_ids": [str(x) for x in r.line_ids],
            "reason": r.reason, "actor_id": r.actor_id, "business_date": r.business_date.isoformat(),
            "refunded_at": r.refunded_at.isoformat()}


def part_to_json(part: SplitPart, paid_cents: int) -> dict:
    return {"split_id": str(part.split_id), "position": part.position, "kind": part.kind, "label": part.label,
            "seat": part.seat, "amount_cents": part.amount_cents, "paid_cents": paid_cents,
            "due_cents": part.amount_cents - paid_cents}


def ledger_to_json(ledger: Ledger, status: str) -> dict:
    """A check's money: total, paid, balance, tips, refunds, the split parts and every payment."""
    return {"status": status, "total_cents": ledger.total_cents, "paid_cents": ledger.paid_cents,
            "balance_cents": max(0, ledger.balance_cents), "tip_cents": ledger.tip_cents,
            "refunded_cents": ledger.refunded_cents,
            "refunded_tip_cents": sum(r.tip_cents for r in ledger.refunds),
            "paid_in_full": ledger.paid_in_full, "split_stale": ledger.split_stale,
            "splits": [part_to_json(b.part, b.paid_cents) for b in ledger.parts()],
            "payments": [payment_to_json(p) for p in ledger.payments],
            "refunds": [refund_to_json(r) for r in ledger.refunds]}


REPORT_COLUMNS = ("status", "reference", "tender", "payment_id", "order_id", "recorded_amount_cents",
                  "recorded_tip_cents", "settled_amount_cents", "settled_tip_cents", "difference_cents",
                  "settlement_row", "explanation")


def reconciled_row_to_json(row) -> dict:
    return {"status": row.status, "reference": row.reference, "tender": row.tender or None,
            "payment_id": str(row.payment_id) if row.payment_id else None,
            "order_id": str(row.order_id) if row.order_id else None,
            "recorded_amount_cents": row.recorded_amount_cents, "recorded_tip_cents": row.recorded_tip_cents,
            "settled_amount_cents": row.settled_amount_cents, "settled_tip_cents": row.settled_tip_cents,
            "difference_cents": row.difference_cents, "settlement_row": row.settlement_row,
            "explanation": row.explanation}


def settlement_to_json(settlement) -> dict | None:
    if settlement is None:
        return None
    return {"import_id": str(settlement.import_id), "file_sha256": settlement.file_sha256,
            "rows": settlement.row_count, "source": settlement.source, "imported_at": settlement.imported_at.isoformat(),
            "actor_id": settlement.actor_id}


def report_to_json(report) -> dict:
    result = report.reconciliation
    return {"location_id": report.location_id, "business_date": report.business_date.isoformat(),
            "tolerance_cents": result.tolerance_cents, "settlement": settlement_to_json(report.settlement),
            "balanced": result.balanced, "recorded_cents": report.recorded_cents,
            "settled_cents": report.settled_cents,
            "counts": {status: result.count(status) for status in (
                rec.MATCHED, rec.MISMATCH, rec.MISSING_IN_SETTLEMENT, rec.MISSING_IN_RECORDS)},
            "rows": [reconciled_row_to_json(row) for row in result.rows]}


def report_to_csv(report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report.reconciliation.rows:
        data = reconciled_row_to_json(row)
        writer.writerow({column: "" if data[column] is None else data[column] for column in REPORT_COLUMNS})
    return out.getvalue()
