"""The common model as JSON and back (how pos-bridge stores a POS order it fetched). Pure."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pos_bridge.domain.model import (
    AppliedTax,
    Discount,
    LineItem,
    Modifier,
    Money,
    Order,
    OrderState,
    Payment,
    Tax,
    Totals,
)


def _money(value: Money | None) -> dict | None:
    return None if value is None else {"minor": value.minor, "currency": value.currency}


def _money_in(value: dict | None) -> Money | None:
    return None if value is None else Money(value["minor"], value["currency"])


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time_in(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def order_to_json(order: Order) -> dict:
    return {
        "provider": order.provider, "provider_order_id": order.provider_order_id, "location_ref": order.location_ref,
        "state": order.state.value, "created_at": _time(order.created_at), "updated_at": _time(order.updated_at),
        "closed_at": _time(order.closed_at), "version": order.version, "external_ref": order.external_ref,
        "line_items": [{
            "id": line.id, "catalog_ref": line.catalog_ref, "name": line.name, "quantity": str(line.quantity),
            "unit_price": _money(line.unit_price), "note": line.note, "total": _money(line.total),
            "modifiers": [{"id": m.id, "catalog_ref": m.catalog_ref, "name": m.name, "quantity": str(m.quantity),
                           "unit_price": _money(m.unit_price), "group_ref": m.group_ref} for m in line.modifiers],
            "applied_taxes": [{"tax_ref": t.tax_ref, "amount": _money(t.amount)} for t in line.applied_taxes],
        } for line in order.line_items],
        "taxes": [{"id": t.id, "name": t.name, "rate_percent": str(t.rate_percent), "inclusive": t.inclusive,
                   "amount": _money(t.amount)} for t in order.taxes],
        "discounts": [{"id": d.id, "name": d.name, "amount": _money(d.amount)} for d in order.discounts],
        "totals": None if order.totals is None else {
            k: _money(getattr(order.totals, k)) for k in ("total", "tax", "discount", "tip", "service_charge")},
        "payments": [{"id": p.id, "status": p.status, "amount": _money(p.amount), "tip": _money(p.tip),
                      "tender": p.tender, "card_brand": p.card_brand, "card_last4": p.card_last4,
                      "refunded": p.refunded} for p in order.payments],
    }


def payment_to_json(payment: Payment, order_id: str) -> dict:
    """The common payment JSON the inbound worker records in orders (as Square's payment events give it)."""
    return {"payment_id": payment.id, "order_id": order_id, "status": payment.status,
            "amount_cents": payment.amount.minor, "tip_cents": payment.tip.minor if payment.tip else 0,
            "tender": payment.tender, "card_brand": payment.card_brand, "card_last4": payment.card_last4,
            "processor_reference": payment.id if payment.tender == "card" else ""}


def order_from_json(data: dict) -> Order:
    return Order(
        provider=data["provider"], provider_order_id=data["provider_order_id"], location_ref=data["location_ref"],
        state=OrderState(data["state"]), created_at=_time_in(data["created_at"]),
        updated_at=_time_in(data["updated_at"]), closed_at=_time_in(data["closed_at"]), version=data["version"],
        external_ref=data["external_ref"],
        line_items=tuple(LineItem(
            id=line["id"], catalog_ref=line["catalog_ref"], name=line["name"], quantity=Decimal(line["quantity"]),
            unit_price=_money_in(line["unit_price"]), note=line["note"], total=_money_in(line["total"]),
            modifiers=tuple(Modifier(m["id"], m["catalog_ref"], m["name"], Decimal(m["quantity"]),
                                     _money_in(m["unit_price"]), m["group_ref"]) for m in line["modifiers"]),
            applied_taxes=tuple(AppliedTax(t["tax_ref"], _money_in(t["amount"])) for t in line["applied_taxes"]),
        ) for line in data["line_items"]),
        taxes=tuple(Tax(t["id"], t["name"], Decimal(t["rate_percent"]), t["inclusive"], _money_in(t["amount"]))
                    for t in data["taxes"]),
        discounts=tuple(Discount(d["id"], d["name"], _money_in(d["amount"])) for d in data["discounts"]),
        totals=None if data["totals"] is None else Totals(**{k: _money_in(v) for k, v in data["totals"].items()}),
        payments=tuple(Payment(p["id"], p["status"], _money_in(p["amount"]), _money_in(p["tip"]), p["tender"],
                               p["card_brand"], p["card_last4"], p["refunded"])
                       for p in data.get("payments") or ()),   # orders held before payments were kept: none
    )
