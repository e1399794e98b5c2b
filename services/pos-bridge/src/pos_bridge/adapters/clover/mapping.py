"""Clover's wire format <-> the common model (pure: no I/O).

Clover: money in long cents, tax rates as percent x 100,000 (797500 = 7.975 %), times in epoch
milliseconds, expanded collections wrapped as `{"elements": [...]}`, and no quantity: each unit is
its own line item (`unitQty`, thousandths, only for PER_UNIT items sold by weight or measure).

Coming in, consecutive identical line items (same item, name, price, note, modifications, tax rates)
collapse into one LineItem whose quantity is their count and whose id is the first line's id; going
out, an integer quantity expands into that many lines (Clover assigns the extra lines' ids) and a
fractional one becomes a single line with `unitQty`. Repeated modifications work the same way.

What Clover does not carry, so the Clover adapter never holds it: per-line applied tax amounts and
line totals (Clover computes tax per order), the order's tax, discount, tip and service-charge
totals (only `total`), a closed time, and the DRAFT and CANCELED states (Clover orders are `open`
or `locked`). `modifiedTime` is the version (Clover has no concurrency token)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from chassis.errors import InvalidInput

from pos_bridge.adapters.timefmt import from_epoch_ms, to_epoch_ms
from pos_bridge.domain.model import (
    AppliedTax,
    Discount,
    LineItem,
    Menu,
    MenuItem,
    MenuTax,
    MenuVariation,
    Modifier,
    Money,
    Order,
    OrderState,
    Payment,
    Tax,
    Totals,
)

PROVIDER = "clover"
RATE_SCALE = Decimal(100_000)     # Clover tax rate units per percent
UNIT_QTY_SCALE = Decimal(1000)


def _elements(value) -> list[dict]:
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value.get("elements") or [])
    return list(value)


def _cents(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("must be integer cents", field=field)
    return value


def rate_in(rate: int) -> Decimal:
    return Decimal(rate) / RATE_SCALE


def rate_out(percent: Decimal) -> int:
    scaled = percent * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise InvalidInput("Clover tax rates have at most 5 decimals", field="rate")
    return int(scaled)


def order_from_clover(data: dict, merchant_id: str | None = None) -> Order:
    currency = data.get("currency") or "USD"
    merchant = merchant_id or (data.get("merchant") or {}).get("id")
    if not merchant:
        raise InvalidInput("is required", field="merchant.id")
    taxes: dict[str, Tax] = {}
    lines: list[LineItem] = []
    for i, raw in enumerate(_elements(data.get("lineItems"))):
        field = f"lineItems[{i}]"
        line_taxes = []
        for tax in _elements(raw.get("taxRates")):
            taxes.setdefault(tax["id"], Tax(tax["id"], tax.get("name", ""), rate_in(tax.get("rate", 0))))
            line_taxes.append(AppliedTax(tax["id"]))
        modifiers: list[Modifier] = []
        for j, mod in enumerate(_elements(raw.get("modifications"))):
            modifier = Modifier(
                id=mod.get("id"), catalog_ref=(mod.get("modifier") or {}).get("id"), name=mod.get("name", ""),
                quantity=Decimal(1), unit_price=Money(_cents(mod.get("amount", 0), f"{field}.modifications[{j}]"), currency),
                group_ref=((mod.get("modifier") or {}).get("modifierGroup") or {}).get("id"))
            if modifiers and _same_modifier(modifiers[-1], modifier):
                modifiers[-1] = replace(modifiers[-1], quantity=modifiers[-1].quantity + 1)
            else:
                modifiers.append(modifier)
        unit_qty = raw.get("unitQty")
        line = LineItem(
            id=raw.get("id", ""), catalog_ref=(raw.get("item") or {}).get("id"), name=raw.get("name", ""),
            quantity=Decimal(unit_qty) / UNIT_QTY_SCALE if unit_qty is not None else Decimal(1),
            unit_price=Money(_cents(raw.get("price", 0), f"{field}.price"), currency),
            modifiers=tuple(modifiers), applied_taxes=tuple(line_taxes), note=raw.get("note"))
        if unit_qty is None and lines and _same_line(lines[-1], line) and lines[-1].quantity == int(lines[-1].quantity):
            lines[-1] = replace(lines[-1], quantity=lines[-1].quantity + 1)
        else:
            lines.append(line)
    modified = data.get("modifiedTime") or data.get("createdTime")
    return Order(
        provider=PROVIDER, provider_order_id=data["id"], location_ref=merchant,
        state=OrderState.OPEN if (data.get("state") or "open") == "open" else OrderState.COMPLETED,
        created_at=from_epoch_ms(data.get("createdTime")), updated_at=from_epoch_ms(modified),
        version=modified, external_ref=data.get("externalReferenceId"),
        line_items=tuple(lines), taxes=tuple(taxes.values()),
        discounts=tuple(Discount(d["id"], d.get("name", ""), Money(-_cents(d.get("amount", 0), "discounts.amount"), currency))
                        for d in _elements(data.get("discounts"))),
        totals=None if data.get("total") is None else Totals(Money(_cents(data["total"], "total"), currency)),
        payments=tuple(payment_from_clover(p, currency, f"payments[{i}]")
                       for i, p in enumerate(_elements(data.get("payments")))))


# Clover's payment `result` -> the common payment state (SUCCESS is money taken).
PAYMENT_RESULTS = {"SUCCESS": "COMPLETED", "AUTH_COMPLETED": "COMPLETED", "FAIL": "FAILED", "VOIDED": "VOIDED",
                   "VOID_FAILED": "COMPLETED"}
TENDERS = {"com.clover.tender.cash": "cash", "com.clover.tender.credit_card": "card",
           "com.clover.tender.debit_card": "card"}


def payment_from_clover(data: dict, currency: str, field: str = "payment") -> Payment:
    """A Clover Payment (an order expanded with `payments`): `amount` excludes the tip (`tipAmount`);
    the tender by its `labelKey`; the card's type and last four only."""
    card = data.get("cardTransaction") or {}
    tip = data.get("tipAmount")
    return Payment(
        id=str(data.get("id") or ""), status=PAYMENT_RESULTS.get(str(data.get("result") or ""), "PENDING"),
        amount=Money(_cents(data.get("amount", 0), f"{field}.amount"), currency),
        tip=None if tip is None else Money(_cents(tip, f"{field}.tipAmount"), currency),
        tender=TENDERS.get((data.get("tender") or {}).get("labelKey") or "", "external"),
        card_brand=str(card.get("cardType") or ""), card_last4=str(card.get("last4") or "")[-4:],
        refunded=bool(_elements(data.get("refunds"))))


def _same_modifier(a: Modifier, b: Modifier) -> bool:
    return (a.catalog_ref, a.name, a.unit_price, a.group_ref) == (b.catalog_ref, b.name, b.unit_price, b.group_ref)


def _same_line(a: LineItem, b: LineItem) -> bool:
    """Two units of one thing: everything but Clover's own line and modification ids agrees."""
    def key(line: LineItem) -> tuple:
        modifiers = tuple((m.catalog_ref, m.name, m.quantity, m.unit_price, m.group_ref) for m in line.modifiers)
        return line.catalog_ref, line.name, line.unit_price, modifiers, line.applied_taxes, line.note

    return key(a) == key(b)


def order_to_clover(order: Order) -> dict:
    if order.state not in (OrderState.OPEN, OrderState.COMPLETED):
        raise InvalidInput("Clover orders are open or locked", field="state")
    currency = _currency(order)
    taxes = {t.id: t for t in order.taxes}
    data: dict = {"id": order.provider_order_id, "merchant": {"id": order.location_ref}, "currency": currency,
                  "state": "open" if order.state is OrderState.OPEN else "locked",
                  "createdTime": to_epoch_ms(order.created_at),
                  "modifiedTime": order.version if order.version is not None else to_epoch_ms(order.updated_at)}
    if order.external_ref is not None:
        data["externalReferenceId"] = order.external_ref
    if order.totals is not None:
        data["total"] = order.totals.total.minor
    elements: list[dict] = []
    for line in order.line_items:
        base: dict = {"name": line.name, "price": line.unit_price.minor}
        if line.catalog_ref is not None:
            base["item"] = {"id": line.catalog_ref}
        if line.note is not None:
            base["note"] = line.note
        if line.modifiers:
            base["modifications"] = {"elements": [
                _modification(m, k == 0) for m in line.modifiers for k in range(_units(m.quantity, "modifier quantity"))]}
        if line.applied_taxes:
            base["taxRates"] = {"elements": [
                {"id": t.tax_ref, "name": taxes[t.tax_ref].name, "rate": rate_out(taxes[t.tax_ref].rate_percent)}
                for t in line.applied_taxes]}
        if line.quantity == line.quantity.to_integral_value():
            for k in range(_units(line.quantity, "quantity")):
                elements.append(base | ({"id": line.id} if k == 0 else {}))
        else:
            thousandths = line.quantity * UNIT_QTY_SCALE
            if thousandths != thousandths.to_integral_value() or thousandths <= 0:
                raise InvalidInput("Clover measures in thousandths", field="quantity")
            elements.append(base | {"id": line.id, "unitQty": int(thousandths)})
    if elements:
        data["lineItems"] = {"elements": elements}
    if order.discounts:
        data["discounts"] = {"elements": [{"id": d.id, "name": d.name, "amount": -d.amount.minor}
                                          for d in order.discounts]}
    return data


def _currency(order: Order) -> str:
    """A Clover order has one currency (the merchant's): the first any amount of the order names."""
    amounts = ([order.totals.total] if order.totals else []) + [line.unit_price for line in order.line_items] + [
        d.amount for d in order.discounts]
    return amounts[0].currency if amounts else "USD"


def _units(quantity: Decimal, what: str) -> int:
    if quantity != quantity.to_integral_value() or quantity < 1:
        raise InvalidInput("Clover repeats whole units", field=what)
    return int(quantity)


def _modification(modifier: Modifier, first: bool) -> dict:
    data: dict = {"name": modifier.name, "amount": modifier.unit_price.minor}
    if first and modifier.id is not None:
        data["id"] = modifier.id
    if modifier.catalog_ref is not None or modifier.group_ref is not None:
        data["modifier"] = {"id": modifier.catalog_ref}
        if modifier.group_ref is not None:
            data["modifier"]["modifierGroup"] = {"id": modifier.group_ref}
    return data


def menu_from_clover(items: list[dict], tax_rates: list[dict], cursor: str | None = None,
                     currency: str = "USD") -> Menu:
    """Clover inventory items (expanded with taxRates, modifierGroups, categories) and tax rates as a
    menu. A Clover item has one price, so one variation with the item's id; a VARIABLE-priced item
    has no price (rung up at the POS); hidden or unavailable items are not available."""
    menu_items = []
    for i, item in enumerate(items):
        variable = item.get("priceType") == "VARIABLE"
        price = None if variable else Money(_cents(item.get("price", 0), f"items[{i}].price"), currency)
        menu_items.append(MenuItem(
            id=item["id"], name=item.get("name", ""),
            variations=(MenuVariation(item["id"], item.get("name", ""), price, item.get("sku")),),
            category_ids=tuple(c["id"] for c in _elements(item.get("categories"))),
            modifier_group_ids=tuple(g["id"] for g in _elements(item.get("modifierGroups"))),
            tax_ids=tuple(t["id"] for t in _elements(item.get("taxRates"))),
            available=bool(item.get("available", True)) and not item.get("hidden", False),
            version=item.get("modifiedTime"),
            category_name=next((c.get("name") for c in _elements(item.get("categories")) if c.get("name")), None)))
    taxes = tuple(MenuTax(t["id"], t.get("name", ""), rate_in(t.get("rate", 0))) for t in tax_rates)
    return Menu(items=tuple(menu_items), taxes=taxes, cursor=cursor)
