"""Pricing rules and quotes -> REST JSON."""
from __future__ import annotations

from orders.domain.pricing import LineDiscount, PricingRule, Quote, effect_to_data, target_to_data, window_to_data


def rule_to_json(rule: PricingRule) -> dict:
    return {
        "rule_id": rule.rule_id, "name": rule.name,
        "location_id": str(rule.location_id) if rule.location_id else None,
        "effect": effect_to_data(rule.effect), "target": target_to_data(rule.target),
        "windows": [window_to_data(window) for window in rule.windows], "min_quantity": rule.min_quantity,
        "starts_on": rule.starts_on.isoformat() if rule.starts_on else None,
        "ends_on": rule.ends_on.isoformat() if rule.ends_on else None,
        "priority": rule.priority, "exclusive": rule.exclusive, "active": rule.active, "version": rule.version,
    }


def discount_to_json(discount: LineDiscount) -> dict:
    body = {"line_ref": discount.line_ref, "rule_id": discount.rule_id, "rule_name": discount.rule_name,
            "amount_cents": discount.amount_cents}
    if discount.reason:
        body["reason"] = discount.reason
    return body


def quote_to_json(location_id: str, quote: Quote) -> dict:
    return {
        "location_id": location_id, "time_zone": quote.time_zone, "local_time": quote.local_time.isoformat(),
        "lines": [{"line_ref": p.line.line_ref, "item_id": p.line.item_id, "name": p.line.name,
                   "category": p.line.category, "tags": sorted(p.line.tags), "quantity": p.line.quantity,
                   "unit_price_cents": p.line.unit_price_cents, "amount_cents": p.line.amount_cents,
                   "discount_cents": p.discount_cents, "total_cents": p.total_cents,
                   "discounts": [discount_to_json(d) for d in p.discounts]} for p in quote.lines],
        "subtotal_cents": quote.subtotal_cents, "discount_cents": quote.discount_cents,
        "total_cents": quote.total_cents, "discounts": [discount_to_json(d) for d in quote.discounts],
    }
