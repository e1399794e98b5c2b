"""Square's wire format <-> the common model (pure: no I/O).

Square: money objects `{amount: int minor units, currency}`, quantities as decimal strings, RFC 3339
times, `version` an integer incremented on every update. Read-only totals Square computes
(`total_money`, `total_tax_money`, ...) are read into the model and written back so a round trip
keeps them; Square ignores them on writes. Square's line-item modifiers do not name their modifier
list, so `Modifier.group_ref` is None for Square (the menu knows the list)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from chassis.errors import InvalidInput

from pos_bridge.adapters.timefmt import format_rfc3339, parse_rfc3339
from pos_bridge.domain.model import (
    AppliedTax,
    Discount,
    EventKind,
    LineItem,
    Menu,
    MenuItem,
    MenuTax,
    MenuVariation,
    Modifier,
    Money,
    Order,
    OrderState,
    Tax,
    Totals,
    WebhookEvent,
)

PROVIDER = "square"


# ---------------------------------------------------------------------------------------- values

def money_in(value: dict | None, field: str) -> Money | None:
    if value is None:
        return None
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("must be an integer amount", field=f"{field}.amount")
    return Money(amount, value.get("currency") or "USD")


def money_out(value: Money | None) -> dict | None:
    return None if value is None else {"amount": value.minor, "currency": value.currency}


def quantity_in(value: str | None, field: str) -> Decimal:
    if value is None:
        return Decimal(1)
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput("must be a decimal string", field=field) from None
    if not quantity.is_finite():
        raise InvalidInput("must be a finite decimal", field=field)
    return quantity


def quantity_out(value: Decimal) -> str:
    """A decimal string, no exponent (Square refuses "1E+1"); trailing zeros kept as given."""
    return format(value, "f")


def _put(target: dict, key: str, value) -> None:
    if value is not None:
        target[key] = value


# ---------------------------------------------------------------------------------------- orders

def order_from_square(data: dict) -> Order:
    """A Square `Order` object (RetrieveOrder's `order`) in the common model."""
    try:
        state = OrderState(data.get("state", "OPEN"))
    except ValueError:
        raise InvalidInput("unknown order state", field="order.state") from None
    totals = None
    if "total_money" in data:
        totals = Totals(
            total=money_in(data["total_money"], "order.total_money"),
            tax=money_in(data.get("total_tax_money"), "order.total_tax_money"),
            discount=money_in(data.get("total_discount_money"), "order.total_discount_money"),
            tip=money_in(data.get("total_tip_money"), "order.total_tip_money"),
            service_charge=money_in(data.get("total_service_charge_money"), "order.total_service_charge_money"),
        )
    return Order(
        provider=PROVIDER,
        provider_order_id=data["id"],
        location_ref=data["location_id"],
        state=state,
        created_at=parse_rfc3339(data.get("created_at"), "order.created_at"),
        updated_at=parse_rfc3339(data.get("updated_at") or data.get("created_at"), "order.updated_at"),
        closed_at=parse_rfc3339(data.get("closed_at"), "order.closed_at"),
        version=data.get("version"),
        external_ref=data.get("reference_id"),
        line_items=tuple(_line_in(line, f"order.line_items[{i}]") for i, line in enumerate(data.get("line_items", []))),
        taxes=tuple(_tax_in(tax, f"order.taxes[{i}]") for i, tax in enumerate(data.get("taxes", []))),
        discounts=tuple(Discount(d["uid"], d.get("name", ""),
                                 money_in(d.get("applied_money") or d.get("amount_money"), f"order.discounts[{i}]"))
                        for i, d in enumerate(data.get("discounts", []))),
        totals=totals,
    )


def _line_in(line: dict, field: str) -> LineItem:
    return LineItem(
        id=line["uid"],
        catalog_ref=line.get("catalog_object_id"),
        name=line.get("name", ""),
        quantity=quantity_in(line.get("quantity"), f"{field}.quantity"),
        unit_price=money_in(line.get("base_price_money") or {"amount": 0, "currency": "USD"},
                            f"{field}.base_price_money"),
        modifiers=tuple(
            Modifier(id=m.get("uid"), catalog_ref=m.get("catalog_object_id"), name=m.get("name", ""),
                     quantity=quantity_in(m.get("quantity"), f"{field}.modifiers[{j}].quantity"),
                     unit_price=money_in(m.get("base_price_money") or {"amount": 0, "currency": "USD"},
                                         f"{field}.modifiers[{j}].base_price_money"))
            for j, m in enumerate(line.get("modifiers", []))),
        applied_taxes=tuple(AppliedTax(t["tax_uid"], money_in(t.get("applied_money"), f"{field}.applied_taxes[{j}]"))
                            for j, t in enumerate(line.get("applied_taxes", []))),
        note=line.get("note"),
        total=money_in(line.get("total_money"), f"{field}.total_money"),
    )


def _tax_in(tax: dict, field: str) -> Tax:
    try:
        rate = Decimal(tax.get("percentage") or "0")
    except InvalidOperation:
        raise InvalidInput("must be a decimal string", field=f"{field}.percentage") from None
    return Tax(id=tax["uid"], name=tax.get("name", ""), rate_percent=rate,
               inclusive=tax.get("type") == "INCLUSIVE", amount=money_in(tax.get("applied_money"), f"{field}.applied_money"))


def order_to_square(order: Order) -> dict:
    """The common model as a Square `Order` object."""
    data: dict = {"id": order.provider_order_id, "location_id": order.location_ref, "state": order.state.value,
                  "created_at": format_rfc3339(order.created_at), "updated_at": format_rfc3339(order.updated_at)}
    _put(data, "closed_at", format_rfc3339(order.closed_at))
    _put(data, "version", order.version)
    _put(data, "reference_id", order.external_ref)
    if order.line_items:
        data["line_items"] = [_line_out(line) for line in order.line_items]
    if order.taxes:
        data["taxes"] = [_tax_out(tax) for tax in order.taxes]
    if order.discounts:
        data["discounts"] = [{"uid": d.id, "name": d.name, "applied_money": money_out(d.amount),
                              "type": "FIXED_AMOUNT", "scope": "ORDER"} for d in order.discounts]
    if order.totals is not None:
        for key, value in (("total_money", order.totals.total), ("total_tax_money", order.totals.tax),
                           ("total_discount_money", order.totals.discount), ("total_tip_money", order.totals.tip),
                           ("total_service_charge_money", order.totals.service_charge)):
            _put(data, key, money_out(value))
    return data


def _line_out(line: LineItem) -> dict:
    data: dict = {"uid": line.id, "name": line.name, "quantity": quantity_out(line.quantity),
                  "base_price_money": money_out(line.unit_price)}
    _put(data, "catalog_object_id", line.catalog_ref)
    _put(data, "note", line.note)
    _put(data, "total_money", money_out(line.total))
    if line.modifiers:
        data["modifiers"] = []
        for m in line.modifiers:
            modifier = {"name": m.name, "quantity": quantity_out(m.quantity), "base_price_money": money_out(m.unit_price)}
            _put(modifier, "uid", m.id)
            _put(modifier, "catalog_object_id", m.catalog_ref)
            data["modifiers"].append(modifier)
    if line.applied_taxes:
        data["applied_taxes"] = []
        for t in line.applied_taxes:
            applied = {"tax_uid": t.tax_ref}
            _put(applied, "applied_money", money_out(t.amount))
            data["applied_taxes"].append(applied)
    return data


def _tax_out(tax: Tax) -> dict:
    data = {"uid": tax.id, "name": tax.name, "percentage": quantity_out(tax.rate_percent),
            "type": "INCLUSIVE" if tax.inclusive else "ADDITIVE", "scope": "ORDER"}
    _put(data, "applied_money", money_out(tax.amount))
    return data


# ---------------------------------------------------------------------------------------- webhooks

def event_from_square(envelope: dict) -> WebhookEvent:
    """Square's webhook envelope `{merchant_id, type, event_id, created_at, data{type, id, object}}`.

    Order events are thin (`order_created` / `order_updated` carry id, version, state, location):
    the full order is fetched afterwards. Payment events carry the whole Payment."""
    event_type = envelope.get("type") or ""
    event_id = envelope.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidInput("is required", field="event_id")
    data = envelope.get("data") or {}
    inner = next(iter((data.get("object") or {}).values()), None) if isinstance(data.get("object"), dict) else None
    inner = inner if isinstance(inner, dict) else {}
    prefix = event_type.split(".", 1)[0]
    kind = {"order": EventKind.ORDER, "payment": EventKind.PAYMENT, "catalog": EventKind.MENU}.get(prefix, EventKind.OTHER)
    version = inner.get("version")
    return WebhookEvent(
        provider_event_id=event_id, event_type=event_type, kind=kind,
        merchant_ref=envelope.get("merchant_id"),
        location_ref=inner.get("location_id"),
        object_id=inner.get("order_id") or data.get("id"),
        object_version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        occurred_at=parse_rfc3339(inner.get("updated_at") or envelope.get("created_at"), "created_at"),
        embedded={"common_payment": payment_from_square(inner)} if kind is EventKind.PAYMENT else None,
    )


def payment_from_square(payment: dict) -> dict | None:
    """A Square Payment (the full object a payment.* event carries) as the common payment JSON the
    inbound worker records in orders (`RecordPayment`): amounts in cents, `amount_money` excluding the
    tip (Square's rule), the card's brand and last four only. None when it names no order."""
    if not isinstance(payment, dict) or not payment.get("id") or not payment.get("order_id"):
        return None
    amount = money_in(payment.get("amount_money"), "amount_money")
    tip = money_in(payment.get("tip_money"), "tip_money")
    card = ((payment.get("card_details") or {}).get("card") or {})
    return {"payment_id": payment["id"], "order_id": payment["order_id"], "status": payment.get("status"),
            "amount_cents": amount.minor if amount else 0, "tip_cents": tip.minor if tip else 0,
            "tender": "card" if payment.get("source_type") == "CARD" else
                      "cash" if payment.get("source_type") == "CASH" else "external",
            "card_brand": card.get("card_brand") or "", "card_last4": (card.get("last_4") or "")[-4:],
            # Square processed a card charge: its payment id is the processor's reference (cash has none:
            # orders refuses a processor reference on cash)
            "processor_reference": payment["id"] if payment.get("source_type") == "CARD" else ""}


# ---------------------------------------------------------------------------------------- catalog

def menu_from_square(objects: list[dict], cursor: str | None = None, location_id: str | None = None) -> Menu:
    """ListCatalog objects (ITEM with ITEM_VARIATIONs, TAX, CATEGORY) as a menu; other types are
    skipped. With the connection's `location_id`, an item is available only where Square sells it:
    not archived, present at the location (`present_at_all_locations` less `absent_at_location_ids`,
    or `present_at_location_ids`; our 86 is the location in `absent_at_location_ids`), and not every
    variation `sold_out` there (its `location_overrides`)."""
    items, taxes, categories = [], [], []
    for obj in objects:
        if obj.get("is_deleted"):
            continue
        if obj.get("type") == "ITEM":
            item = obj.get("item_data") or {}
            variations = tuple(
                MenuVariation(id=v["id"], name=(v.get("item_variation_data") or {}).get("name", ""),
                              price=money_in((v.get("item_variation_data") or {}).get("price_money"), "price_money"),
                              sku=(v.get("item_variation_data") or {}).get("sku"))
                for v in item.get("variations", []))
            items.append(MenuItem(
                id=obj["id"], name=item.get("name", ""), variations=variations, description=item.get("description"),
                category_ids=tuple(c["id"] for c in item.get("categories", []) if "id" in c)
                or ((item["category_id"],) if item.get("category_id") else ()),
                modifier_group_ids=tuple(m["modifier_list_id"] for m in item.get("modifier_list_info", [])
                                         if "modifier_list_id" in m),
                tax_ids=tuple(item.get("tax_ids", [])),
                available=_sold_at(obj, item, location_id), version=obj.get("version")))
        elif obj.get("type") == "TAX":
            tax = obj.get("tax_data") or {}
            taxes.append(MenuTax(id=obj["id"], name=tax.get("name", ""),
                                 rate_percent=Decimal(tax.get("percentage") or "0"),
                                 inclusive=tax.get("inclusion_type") == "INCLUSIVE"))
        elif obj.get("type") == "CATEGORY" and (obj.get("category_data") or {}).get("name"):
            categories.append((obj["id"], obj["category_data"]["name"]))
    return Menu(items=tuple(items), taxes=tuple(taxes), cursor=cursor, categories=tuple(categories))


def _sold_at(obj: dict, item: dict, location_id: str | None) -> bool:
    if item.get("is_archived"):
        return False
    if location_id is None:
        return True
    if obj.get("present_at_all_locations", True):
        present = location_id not in (obj.get("absent_at_location_ids") or [])
    else:
        present = location_id in (obj.get("present_at_location_ids") or [])
    if not present:
        return False
    variations = item.get("variations") or []
    sold_out = [any(o.get("location_id") == location_id and o.get("sold_out")
                    for o in (v.get("item_variation_data") or {}).get("location_overrides") or [])
                for v in variations]
    return not (variations and all(sold_out))
