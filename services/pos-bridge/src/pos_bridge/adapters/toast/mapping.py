"""Toast's wire format (orders API v2) <-> the common model (pure: no I/O).

Toast: money as JSON doubles in major units (8.5), converted through their decimal text and refused
unless they come out as whole cents; quantities as doubles (decimal for items sold by weight);
times like `2016-01-01T14:13:12.000+0000` (no colon in the offset); modifiers are nested selections
with an `optionGroup`; no currency field (the restaurant's; USD unless told); `modifiedDate` as the
version (Toast has no concurrency token).

Coming in, every check's selections become the order's line items (an order with several checks
loses which check a line was on); going out, one check holds them all. The tax `rate` is taken as
a percentage (Toast's spec: "a fixed amount, a percentage, or null"; unverified on a real capture).
What Toast does not carry, so the Toast adapter never holds it: line totals, the order's discount
and service-charge totals, order-level tax amounts per tax, inclusive taxes, DRAFT orders."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from chassis.errors import InvalidInput

from pos_bridge.adapters.timefmt import parse_rfc3339, to_epoch_ms
from pos_bridge.domain.model import (
    AppliedTax,
    Discount,
    LineItem,
    Menu,
    MenuItem,
    MenuVariation,
    Modifier,
    Money,
    Order,
    OrderState,
    Payment,
    Tax,
    Totals,
)

PROVIDER = "toast"


def money_in(value, field: str, currency: str) -> Money | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput("must be a number", field=field)
    cents = Decimal(str(value)) * 100
    if cents != cents.to_integral_value():
        raise InvalidInput("must be a whole number of cents", field=field)
    return Money(int(cents), currency)


def money_out(value: Money | None) -> float | None:
    return None if value is None else float(Decimal(value.minor) / 100)


def quantity_in(value, field: str) -> Decimal:
    if value is None:
        return Decimal(1)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("must be a number", field=field)
    return Decimal(str(value))


def quantity_out(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def time_out(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def order_from_toast(data: dict, restaurant_guid: str, currency: str = "USD") -> Order:
    taxes: dict[str, Tax] = {}
    lines: list[LineItem] = []
    discounts: list[Discount] = []
    total = tax_total = tip = None
    payments: list[Payment] = []
    for c, check in enumerate(data.get("checks") or []):
        for s, selection in enumerate(check.get("selections") or []):
            if selection.get("voided"):   # voided on the POS: Toast keeps it on the check, it is not sold
                continue
            lines.append(_line_in(selection, f"checks[{c}].selections[{s}]", currency, taxes))
        for d, discount in enumerate(check.get("appliedDiscounts") or []):
            discounts.append(Discount(discount["guid"], discount.get("name", ""),
                                      money_in(discount.get("discountAmount", 0), f"checks[{c}].appliedDiscounts[{d}]",
                                               currency)))
        total = _add(total, money_in(check.get("totalAmount"), f"checks[{c}].totalAmount", currency))
        tax_total = _add(tax_total, money_in(check.get("taxAmount"), f"checks[{c}].taxAmount", currency))
        for p, payment in enumerate(check.get("payments") or []):
            tip = _add(tip, money_in(payment.get("tipAmount"), f"checks[{c}].payments[{p}].tipAmount", currency))
            if payment.get("guid"):   # a payment without a guid is not one Toast took (our own tip carrier)
                payments.append(payment_from_toast(payment, currency, f"checks[{c}].payments[{p}]"))
    if data.get("voided"):
        state = OrderState.CANCELED
    elif data.get("closedDate"):
        state = OrderState.COMPLETED
    else:
        state = OrderState.OPEN
    modified = parse_rfc3339(data.get("modifiedDate") or data.get("createdDate"), "modifiedDate")
    return Order(
        provider=PROVIDER, provider_order_id=data["guid"], location_ref=restaurant_guid, state=state,
        created_at=parse_rfc3339(data.get("createdDate"), "createdDate"), updated_at=modified,
        closed_at=parse_rfc3339(data.get("closedDate"), "closedDate"), version=to_epoch_ms(modified),
        external_ref=data.get("externalId"), line_items=tuple(lines), taxes=tuple(taxes.values()),
        discounts=tuple(discounts),
        totals=None if total is None else Totals(total, tax=tax_total, tip=tip), payments=tuple(payments))


# Toast's paymentStatus (set for CREDIT; cash and other payments often have none: taken when recorded).
PAYMENT_STATES = {None: "COMPLETED", "CAPTURED": "COMPLETED", "AUTHORIZED": "COMPLETED",
                  "CAPTURE_IN_PROGRESS": "COMPLETED", "VOIDED": "VOIDED", "VOIDED_AT_RISK": "VOIDED",
                  "CANCELLED": "VOIDED", "PROCESSING_VOID": "VOIDED", "ERROR": "FAILED", "ERROR_NETWORK": "FAILED",
                  "DENIED": "FAILED"}
TENDERS = {"CASH": "cash", "CREDIT": "card", "GIFTCARD": "gift_card"}


def payment_from_toast(data: dict, currency: str, field: str = "payment") -> Payment:
    """A Toast check payment: `amount` excludes the tip (`tipAmount`), a `voidInfo` voids it."""
    status = "VOIDED" if data.get("voidInfo") else PAYMENT_STATES.get(data.get("paymentStatus"), "PENDING")
    return Payment(
        id=str(data["guid"]), status=status,
        amount=money_in(data.get("amount") or 0, f"{field}.amount", currency),
        tip=money_in(data.get("tipAmount"), f"{field}.tipAmount", currency),
        tender=TENDERS.get(str(data.get("type") or ""), "external"), card_brand=str(data.get("cardType") or ""),
        card_last4=str(data.get("last4Digits") or "")[-4:],
        refunded=(data.get("refundStatus") or "NONE") != "NONE")


def _add(a: Money | None, b: Money | None) -> Money | None:
    if a is None or b is None:
        return a or b
    return Money(a.minor + b.minor, a.currency)


def _line_in(selection: dict, field: str, currency: str, taxes: dict[str, Tax]) -> LineItem:
    applied = []
    for t, tax in enumerate(selection.get("appliedTaxes") or []):
        ref = (tax.get("taxRate") or {}).get("guid") or tax.get("guid")
        taxes.setdefault(ref, Tax(ref, tax.get("name", ""), Decimal(str(tax.get("rate") or 0))))
        applied.append(AppliedTax(ref, money_in(tax.get("taxAmount"), f"{field}.appliedTaxes[{t}].taxAmount", currency)))
    return LineItem(
        id=selection["guid"], catalog_ref=(selection.get("item") or {}).get("guid"),
        name=selection.get("displayName", ""), quantity=quantity_in(selection.get("quantity"), f"{field}.quantity"),
        unit_price=money_in(selection.get("receiptLinePrice", 0), f"{field}.receiptLinePrice", currency),
        modifiers=tuple(Modifier(
            id=m.get("guid"), catalog_ref=(m.get("item") or {}).get("guid"), name=m.get("displayName", ""),
            quantity=quantity_in(m.get("quantity"), f"{field}.modifiers[{j}].quantity"),
            unit_price=money_in(m.get("receiptLinePrice", 0), f"{field}.modifiers[{j}].receiptLinePrice", currency),
            group_ref=(m.get("optionGroup") or {}).get("guid")) for j, m in enumerate(selection.get("modifiers") or [])),
        applied_taxes=tuple(applied))


def order_to_toast(order: Order) -> dict:
    if order.state is OrderState.DRAFT:
        raise InvalidInput("Toast has no draft orders", field="state")
    taxes = {t.id: t for t in order.taxes}
    check: dict = {"entityType": "Check", "selections": [_line_out(line, taxes) for line in order.line_items]}
    if order.discounts:
        check["appliedDiscounts"] = [{"guid": d.id, "name": d.name, "discountAmount": money_out(d.amount)}
                                     for d in order.discounts]
    if order.totals is not None:
        check["totalAmount"] = money_out(order.totals.total)
        if order.totals.tax is not None:
            check["taxAmount"] = money_out(order.totals.tax)
        if order.totals.tip is not None:
            check["payments"] = [{"type": "OTHER", "tipAmount": money_out(order.totals.tip)}]
    data: dict = {"guid": order.provider_order_id, "entityType": "Order", "createdDate": time_out(order.created_at),
                  "modifiedDate": time_out(order.updated_at), "checks": [check],
                  "voided": order.state is OrderState.CANCELED}
    if order.closed_at is not None:
        data["closedDate"] = time_out(order.closed_at)
    if order.external_ref is not None:
        data["externalId"] = order.external_ref
    return data


def _line_out(line: LineItem, taxes: dict[str, Tax]) -> dict:
    data: dict = {"guid": line.id, "entityType": "MenuItemSelection", "displayName": line.name,
                  "quantity": quantity_out(line.quantity), "receiptLinePrice": money_out(line.unit_price)}
    if line.catalog_ref is not None:
        data["item"] = {"guid": line.catalog_ref, "entityType": "MenuItem"}
    if line.modifiers:
        data["modifiers"] = []
        for m in line.modifiers:
            modifier: dict = {"displayName": m.name, "quantity": quantity_out(m.quantity),
                              "receiptLinePrice": money_out(m.unit_price)}
            if m.id is not None:
                modifier["guid"] = m.id
            if m.catalog_ref is not None:
                modifier["item"] = {"guid": m.catalog_ref}
            if m.group_ref is not None:
                modifier["optionGroup"] = {"guid": m.group_ref}
            data["modifiers"].append(modifier)
    if line.applied_taxes:
        data["appliedTaxes"] = []
        for t in line.applied_taxes:
            applied: dict = {"entityType": "AppliedTaxRate", "taxRate": {"guid": t.tax_ref},
                             "name": taxes[t.tax_ref].name, "rate": float(taxes[t.tax_ref].rate_percent)}
            if t.amount is not None:
                applied["taxAmount"] = money_out(t.amount)
            data["appliedTaxes"].append(applied)
    return data


def menu_from_toast(restaurant: dict, currency: str = "USD") -> Menu:
    """A menus v3 `Restaurant` as a menu: every menu item of every (nested) menu group, once, its
    group as its category, its modifier groups resolved through `modifierGroupReferences`. Toast
    prices are doubles in major units (None: priced at the POS, e.g. OPEN_PRICE); tax rates live in
    Toast's config API, so `taxInfo` guids are kept as tax ids and the menu carries no tax rates."""
    groups = restaurant.get("modifierGroupReferences") or {}
    items: dict[str, MenuItem] = {}

    def walk(group: dict, field: str) -> None:
        for i, item in enumerate(group.get("menuItems") or []):
            if item.get("guid") in items:
                continue
            price = money_in(item.get("price"), f"{field}.menuItems[{i}].price", currency)
            items[item["guid"]] = MenuItem(
                id=item["guid"], name=item.get("name", ""), description=item.get("description"),
                variations=(MenuVariation(item["guid"], item.get("name", ""), price, item.get("sku")),),
                category_ids=(group["guid"],) if group.get("guid") else (),
                modifier_group_ids=tuple((groups.get(str(ref)) or {}).get("guid", str(ref))
                                         for ref in item.get("modifierGroupReferences") or []),
                tax_ids=tuple(item.get("taxInfo") or ()),
                # menus v3 says nothing of an 86 (that is Toast's stock API): availability stays ours
                available=None, category_name=group.get("name") or None)
        for j, child in enumerate(group.get("menuGroups") or []):
            walk(child, f"{field}.menuGroups[{j}]")

    for m, menu in enumerate(restaurant.get("menus") or []):
        walk(menu, f"menus[{m}]")
    return Menu(items=tuple(items.values()))
