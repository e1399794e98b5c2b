"""Fakes for the orders service layer: an in-memory repository and unit of work, a tax peer that
computes a flat rate, a fixed clock and predictable ids. No network, no database."""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chassis.errors import NotFound
from chassis.identity import Identity
from chassis.uow import FakeUnitOfWork
from orders.domain.idempotency import StoredResponse
from orders.domain.listing import OrderFilter
from orders.domain.order import CANCELLED, VOIDED, IdempotencyKeyTaken, Order, SalesTax
from orders.domain.payments import Ledger, Payment, Refund
from orders.domain.pricing import PricingRule
from orders.domain.reconciliation import SettlementImport, SettlementLine
from orders.domain.reports import LocationSales

from services.orders.tests.unit.kitchen_fakes import FakeKitchenRepository

NOW = datetime(2026, 3, 14, 12, 30, tzinfo=UTC)
TENANT = uuid.UUID("00000000-0000-4000-8000-00000000aaaa")
LOCATION = uuid.UUID("00000000-0000-4000-8000-00000000b001")
OTHER_LOCATION = uuid.UUID("00000000-0000-4000-8000-00000000b002")
STAFF = uuid.UUID("00000000-0000-4000-8000-00000000c001")


MANAGER = frozenset({"orders:create", "orders:read", "orders:update", "orders:delete", "orders:open_price",
                     "orders:discount", "kitchen:read", "kitchen:update", "reports:read"})


def identity(location_ids: tuple[str, ...] = (), tenant: uuid.UUID = TENANT, subject: uuid.UUID = STAFF,
             permissions: frozenset[str] = MANAGER) -> Identity:
    return Identity(subject=str(subject), tenant_id=str(tenant),
                    permissions=frozenset(permissions),
                    location_ids=location_ids)


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class SequentialIds:
    """uuid 1, 2, 3, ... so a test can name the ids it expects."""

    def __init__(self) -> None:
        self.issued = 0

    def __call__(self) -> uuid.UUID:
        self.issued += 1
        return uuid.UUID(int=self.issued)


@dataclass
class FakeTax:
    """SalesTaxPort: `rate_percent` of every line's net amount, rounded half up."""

    rate_percent: int = 8
    calls: list[Order] = field(default_factory=list)
    on_call: object = None  # callable(order) run during the call (to simulate a concurrent request)

    def sales_tax(self, identity: Identity, order: Order) -> SalesTax:
        self.calls.append(order)
        if self.on_call:
            self.on_call(order)
        line_tax, subtotal = {}, 0
        for line in order.active_lines:
            net = line.quantity * line.unit_price_cents - line.discount_cents
            subtotal += net
            line_tax[str(line.line_id)] = (net * self.rate_percent + 50) // 100
        return SalesTax(subtotal, sum(line_tax.values()), line_tax, "sales-test")


@dataclass
class FakeLocations:
    """LocationDirectory: the tenant's locations are LOCATION and OTHER_LOCATION (plus `known`)."""

    known: set[uuid.UUID] = field(default_factory=lambda: {LOCATION, OTHER_LOCATION})
    checked: list[uuid.UUID] = field(default_factory=list)

    def check_location(self, identity: Identity, location_id: uuid.UUID, field: str = "location_id") -> None:
        from chassis.errors import NotFound

        self.checked.append(location_id)
        if location_id not in self.known:
            raise NotFound("no such location in this tenant", field=field)


class FakeOrderRepository:
    """Like the real one: hands out working copies and keeps them only when the unit of work commits."""

    def __init__(self) -> None:
        self.saved: dict[uuid.UUID, Order] = {}
        self._working: dict[uuid.UUID, Order] = {}

    def add(self, order: Order) -> None:
        """Refuses a taken channel + external id at once, as the database's unique index does."""
        if order.external_id and self.get_by_external_id(order.tenant_id, order.channel, order.external_id):
            raise IdempotencyKeyTaken(order.external_id)
        self._working[order.order_id] = order

    def get(self, tenant_id: uuid.UUID, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        order = self.saved.get(order_id)
        return self._work_on(order) if order and order.tenant_id == tenant_id else None

    def get_by_idempotency_key(self, tenant_id: uuid.UUID, key: str) -> Order | None:
        found = [o for o in self.saved.values() if o.tenant_id == tenant_id and o.idempotency_key == key]
        return self._work_on(found[0]) if found else None

    def get_by_external_id(self, tenant_id: uuid.UUID, channel: str, external_id: str) -> Order | None:
        found = [o for o in self.saved.values() if o.tenant_id == tenant_id and o.channel == channel
                 and o.external_id == external_id]
        return self._work_on(found[0]) if found else None

    def list(self, tenant_id: uuid.UUID, query: OrderFilter, limit: int) -> list[Order]:
        def wanted(o: Order) -> bool:
            return (o.tenant_id == tenant_id
                    and (query.location_ids is None or o.location_id in query.location_ids)
                    and all(v is None or getattr(o, name) == v for name, v in (
                        ("status", query.status), ("channel", query.channel),
                        ("server_staff_id", query.server_staff_id), ("table", query.table),
                        ("business_date", query.business_date)))
                    and (query.after is None or (o.placed_at, o.order_id) < query.after))
        found = sorted(filter(wanted, self.saved.values()), key=lambda o: (o.placed_at, o.order_id), reverse=True)
        return [self._work_on(o) for o in found[:limit]]

    def sales_by_location(self, tenant_id, start, end) -> list[LocationSales]:
        totals: dict[uuid.UUID, list[int]] = {}
        for order in self.saved.values():
            if order.tenant_id == tenant_id and order.status not in (CANCELLED, VOIDED) and start <= order.placed_at < end:
                sums = totals.setdefault(order.location_id, [0, 0, 0, 0, 0])
                for index, value in enumerate((1, order.subtotal_cents, order.tax_cents, order.tip_cents,
                                               order.total_cents)):
                    sums[index] += value
        return [LocationSales(location, *sums) for location, sums in sorted(totals.items())]

    def seed(self, order: Order) -> Order:
        """Put an order in place as if committed earlier (or by another request)."""
        self.saved[order.order_id] = copy.deepcopy(order)
        return order

    def _work_on(self, order: Order) -> Order:
        return self._working.setdefault(order.order_id, copy.deepcopy(order))

    def begin(self) -> None:
        self._working = {}

    def commit(self) -> None:
        for order in self._working.values():
            self.saved[order.order_id] = copy.deepcopy(order)


class FakePricingRuleRepository:
    """Pricing rules in memory; writes are kept only when the unit of work commits."""

    def __init__(self) -> None:
        self.saved: dict[str, PricingRule] = {}
        self.deleted: set[str] = set()
        self._pending: dict[str, PricingRule] = {}
        self._pending_deletes: set[str] = set()

    def add(self, rule: PricingRule) -> None:
        self._pending[rule.rule_id] = rule

    def get(self, tenant_id: uuid.UUID, rule_id: uuid.UUID, *, for_update: bool = False) -> PricingRule | None:
        rule = self.saved.get(str(rule_id))
        return rule if rule and rule.tenant_id == tenant_id and str(rule_id) not in self.deleted else None

    def list(self, tenant_id: uuid.UUID, location_id: uuid.UUID | None = None, *,
             include_inactive: bool = True) -> list[PricingRule]:
        rules = [rule for rule in self.saved.values() if rule.tenant_id == tenant_id and rule.rule_id not in self.deleted
                 and (location_id is None or rule.location_id in (None, location_id))
                 and (include_inactive or rule.active)]
        return sorted(rules, key=lambda rule: rule.sort_key)

    def active_at(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> list[PricingRule]:
        return self.list(tenant_id, location_id, include_inactive=False)

    def update(self, rule: PricingRule) -> None:
        self._pending[rule.rule_id] = rule

    def delete(self, tenant_id: uuid.UUID, rule_id: uuid.UUID, at: datetime | None = None) -> bool:
        found = self.get(tenant_id, rule_id) is not None
        if found:
            self._pending_deletes.add(str(rule_id))
        return found

    def seed(self, rule: PricingRule) -> PricingRule:
        self.saved[rule.rule_id] = rule
        return rule

    def begin(self) -> None:
        self._pending, self._pending_deletes = {}, set()

    def commit(self) -> None:
        self.saved.update(self._pending)
        self.deleted |= self._pending_deletes


@dataclass
class FakeTimeZones:
    """LocationTimeZones: a fixed zone per location (New York by default); unknown ids are NotFound."""

    zones: dict[str, str] = field(default_factory=lambda: {str(LOCATION): "America/New_York",
                                                           str(OTHER_LOCATION): "Europe/Berlin"})
    calls: list[str] = field(default_factory=list)

    def time_zone(self, identity: Identity, location_id: str) -> str:
        self.calls.append(location_id)
        if location_id not in self.zones:
            raise NotFound("no such location in this tenant", field="location_id")
        return self.zones[location_id]


class FakeMenuRepository:
    """The menu in memory: each unit of work edits a copy, kept only when it commits."""

    def __init__(self) -> None:
        self.saved: dict[str, dict] = {"categories": {}, "items": {}, "groups": {}, "overrides": {}, "refs": {}}
        self._work = copy.deepcopy(self.saved)

    def begin(self) -> None:
        self._work = copy.deepcopy(self.saved)

    def commit(self) -> None:
        self.saved = copy.deepcopy(self._work)

    def _get(self, kind: str, tenant_id: uuid.UUID, record_id: uuid.UUID):
        found = self._work[kind].get(record_id)
        return copy.deepcopy(found) if found is not None and found.tenant_id == tenant_id else None

    def _put(self, kind: str, record_id: uuid.UUID, record) -> None:
        self._work[kind][record_id] = copy.deepcopy(record)

    def _delete(self, kind: str, record_id: uuid.UUID) -> None:
        del self._work[kind][record_id]

    def _all(self, kind: str, tenant_id: uuid.UUID) -> list:
        return [copy.deepcopy(r) for r in self._work[kind].values() if r.tenant_id == tenant_id]

    def add_category(self, category) -> None:
        self._put("categories", category.category_id, category)

    save_category = add_category

    def get_category(self, tenant_id, category_id, *, for_update=False):
        return self._get("categories", tenant_id, category_id)

    def list_categories(self, tenant_id):
        return sorted(self._all("categories", tenant_id), key=lambda c: (c.position, c.name, c.category_id))

    def delete_category(self, category, at) -> None:
        self._delete("categories", category.category_id)

    def add_item(self, item) -> None:
        self._put("items", item.item_id, item)

    save_item = add_item

    def get_item(self, tenant_id, item_id, *, for_update=False):
        return self._get("items", tenant_id, item_id)

    def items_for_pricing(self, tenant_id, item_ids):
        found = {}
        for item_id in item_ids:
            item = self._get("items", tenant_id, item_id)
            if item is not None:
                category = self._get("categories", tenant_id, item.category_id)
                found[item_id] = (item, bool(category and category.active))
        return found

    def groups_for_pricing(self, tenant_id, group_ids):
        return self.list_groups(tenant_id, group_ids)

    def overrides_for_pricing(self, tenant_id, location_id, target_ids):
        return self.overrides_at(tenant_id, location_id, target_ids)

    def list_items(self, tenant_id, *, category_id=None, updated_since=None, group_id=None):
        return sorted((i for i in self._all("items", tenant_id)
                       if (category_id is None or i.category_id == category_id)
                       and (updated_since is None or i.updated_at >= updated_since)
                       and (group_id is None or group_id in i.modifier_group_ids)), key=lambda i: (i.name, i.item_id))

    def delete_item(self, item, at) -> None:
        self._delete("items", item.item_id)

    def add_group(self, group) -> None:
        self._put("groups", group.group_id, group)

    save_group = add_group

    def get_group(self, tenant_id, group_id, *, for_update=False):
        return self._get("groups", tenant_id, group_id)

    def list_groups(self, tenant_id, group_ids=None):
        wanted = None if group_ids is None else set(group_ids)
        return sorted((g for g in self._all("groups", tenant_id) if wanted is None or g.group_id in wanted),
                      key=lambda g: (g.name, g.group_id))

    def group_of_option(self, tenant_id, option_id):
        return next((g for g in self._all("groups", tenant_id) if g.option(option_id)), None)

    def delete_group(self, group, at) -> None:
        self._delete("groups", group.group_id)

    def get_override(self, tenant_id, location_id, target_type, target_id, *, for_update=False):
        found = self._work["overrides"].get((tenant_id, location_id, target_type, target_id))
        return copy.deepcopy(found)

    def overrides_at(self, tenant_id, location_id, target_ids=None):
        wanted = None if target_ids is None else set(target_ids)
        return [copy.deepcopy(o) for (tenant, location, _, target), o in self._work["overrides"].items()
                if tenant == tenant_id and location == location_id and (wanted is None or target in wanted)]

    def save_override(self, override) -> None:
        key = (override.tenant_id, override.location_id, override.target_type, override.target_id)
        self._work["overrides"][key] = copy.deepcopy(override)

    def lock_source(self, tenant_id, source) -> None:
        pass

    def lock_peer_items(self, tenant_id) -> None:
        pass

    def item_named(self, tenant_id, name):
        same = [i for i in self._all("items", tenant_id) if i.name.strip().lower() == name.strip().lower()]
        return min(same, key=lambda i: (i.name, str(i.item_id))) if same else None

    def external_refs(self, tenant_id, source, refs, *, for_update=False):
        return {ref: self._work["refs"][(tenant_id, source, ref)] for ref in refs
                if (tenant_id, source, ref) in self._work["refs"]}

    def link_external_ref(self, tenant_id, source, ref, item_id, at) -> None:
        self._work["refs"][(tenant_id, source, ref)] = item_id


class FakeIdempotencyRepository:
    def __init__(self) -> None:
        self.saved: dict[tuple[uuid.UUID, str], StoredResponse] = {}
        self._working: dict[tuple[uuid.UUID, str], StoredResponse | None] = {}

    def get(self, tenant_id: uuid.UUID, key: str) -> StoredResponse | None:
        return self.saved.get((tenant_id, key))

    def add(self, stored: StoredResponse) -> None:
        if (stored.tenant_id, stored.key) in self.saved:
            raise IdempotencyKeyTaken(stored.key)
        self._working[(stored.tenant_id, stored.key)] = stored

    def remove(self, tenant_id: uuid.UUID, key: str) -> None:
        self._working[(tenant_id, key)] = None

    def purge(self, older_than: datetime) -> int:
        old = [k for k, v in self.saved.items() if v.created_at < older_than]
        for k in old:
            del self.saved[k]
        return len(old)

    def begin(self) -> None:
        self._working = {}

    def commit(self) -> None:
        for k, v in self._working.items():
            if v is None:
                self.saved.pop(k, None)
            else:
                self.saved[k] = v


class FakePaymentsRepository:
    """Ledgers in memory (payments, splits, refunds per order); kept only when the unit of work commits."""

    def __init__(self) -> None:
        self.saved: dict[uuid.UUID, Ledger] = {}
        self._working: dict[uuid.UUID, Ledger] = {}

    def ledger(self, tenant_id: uuid.UUID, order_id: uuid.UUID, total_cents: int) -> Ledger:
        stored = copy.deepcopy(self.saved.get(order_id, Ledger(total_cents)))
        stored.total_cents = total_cents
        return stored

    def save(self, tenant_id: uuid.UUID, order_id: uuid.UUID, ledger: Ledger, at: datetime) -> None:
        for payment in ledger.payments:  # the unique index on (tenant, tender, external reference)
            if payment.external_reference and any(
                    p.external_reference == payment.external_reference and p.tender == payment.tender
                    and p.payment_id != payment.payment_id for p in self._all()):
                raise IdempotencyKeyTaken(payment.external_reference)
        self._working[order_id] = copy.deepcopy(ledger)

    def _all(self) -> list[Payment]:
        return [p for ledger in {**self.saved, **self._working}.values() for p in ledger.payments]

    def by_external_reference(self, tenant_id: uuid.UUID, tender: str, reference: str) -> Payment | None:
        return next((copy.deepcopy(p) for ledger in self.saved.values() for p in ledger.payments
                     if p.tenant_id == tenant_id and p.tender == tender and p.external_reference == reference), None)

    def for_day(self, tenant_id: uuid.UUID, location_id: uuid.UUID, business_date) -> list[Payment]:
        return [copy.deepcopy(p) for ledger in self.saved.values() for p in ledger.payments
                if p.tenant_id == tenant_id and p.location_id == location_id and p.business_date == business_date]

    def refunds_for_day(self, tenant_id, location_id, business_date) -> list[Refund]:
        return [r for ledger in self.saved.values() for r in ledger.refunds
                if r.tenant_id == tenant_id and r.location_id == location_id and r.business_date == business_date]

    def begin(self) -> None:
        self._working = {}

    def commit(self) -> None:
        self.saved.update(self._working)


class FakeSettlementRepository:
    def __init__(self) -> None:
        self.saved: list[tuple[SettlementImport, list[SettlementLine]]] = []
        self._working: list[tuple[SettlementImport, list[SettlementLine]]] = []

    def find(self, tenant_id, location_id, business_date, file_sha256) -> SettlementImport | None:
        return next((s for s, _ in self.saved if (s.tenant_id, s.location_id, s.business_date, s.file_sha256)
                     == (tenant_id, location_id, business_date, file_sha256)), None)

    def add(self, settlement: SettlementImport, lines: list[SettlementLine], new_id) -> None:
        if self.find(settlement.tenant_id, settlement.location_id, settlement.business_date, settlement.file_sha256):
            raise IdempotencyKeyTaken(settlement.file_sha256)
        self._working.append((settlement, list(lines)))

    def latest(self, tenant_id, location_id, business_date):
        found = [(s, lines) for s, lines in self.saved
                 if (s.tenant_id, s.location_id, s.business_date) == (tenant_id, location_id, business_date)]
        return found[-1] if found else None

    def begin(self) -> None:
        self._working = []

    def commit(self) -> None:
        self.saved.extend(self._working)


class FakeOrdersUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source="/auraconnect/orders")
        self.orders = FakeOrderRepository()
        self.pricing_rules = FakePricingRuleRepository()
        self.menu = FakeMenuRepository()
        self.idempotency = FakeIdempotencyRepository()
        self.kitchen = FakeKitchenRepository()
        from services.orders.tests.unit.fakes_risk import FakeRiskRepository  # it builds on this module

        self.risk = FakeRiskRepository()   # payments ask it whether an order is held for review
        self.payments = FakePaymentsRepository()
        self.settlements = FakeSettlementRepository()

    def _begin(self) -> None:
        super()._begin()
        self.orders.begin()
        self.pricing_rules.begin()
        self.menu.begin()
        self.idempotency.begin()
        self.kitchen.begin()
        self.payments.begin()
        self.settlements.begin()

    def _commit(self) -> None:
        self.orders.commit()
        self.pricing_rules.commit()
        self.menu.commit()
        self.idempotency.commit()
        self.kitchen.commit()
        self.payments.commit()
        self.settlements.commit()
        super()._commit()


@dataclass
class FakeDirectory:
    """StaffDirectory: `staff` maps user id -> the locations they work at (empty = all); time zones
    per location (UTC when not given)."""

    staff: dict[str, tuple[str, ...]] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def check_server(self, identity: Identity, user_id: str, location_id: str) -> None:
        from chassis.errors import InvalidInput

        self.calls.append(user_id)
        if user_id not in self.staff:
            raise InvalidInput("no such staff member in this tenant", field="server_staff_id")
        if self.staff[user_id] and location_id not in self.staff[user_id]:
            raise InvalidInput("this staff member does not work at this location", field="server_staff_id")

    def time_zone(self, identity: Identity, location_id: str) -> str:
        return self.zones.get(location_id, "UTC")


@dataclass(frozen=True)
class FakeModifier:
    option_id: uuid.UUID
    name: str
    price_delta_cents: int


@dataclass(frozen=True)
class FakePricedItem:
    item_id: uuid.UUID
    name: str
    unit_price_cents: int
    tax_category: str = "prepared_food"
    kitchen_tags: tuple[str, ...] = ("grill",)
    prep_time_seconds: int = 600
    course: str = "main"
    modifiers: tuple[FakeModifier, ...] = ()
    category_id: uuid.UUID | None = None


@dataclass
class FakeMenu:
    """MenuLookup: `items` by id; `eighty_sixed` item ids are refused 409 naming the field."""

    items: dict[uuid.UUID, FakePricedItem] = field(default_factory=dict)
    modifiers: dict[uuid.UUID, FakeModifier] = field(default_factory=dict)
    eighty_sixed: set[uuid.UUID] = field(default_factory=set)

    def priced_item(self, tenant_id, location_id, item_id, modifier_ids, at, *, field_prefix: str = ""):
        from chassis.errors import Conflict, InvalidInput, NotFound

        if item_id not in self.items:
            raise NotFound("no such item", field=f"{field_prefix}.item_id")
        if item_id in self.eighty_sixed:
            raise Conflict("86'd", field=f"{field_prefix}.item_id")
        item = self.items[item_id]
        chosen = []
        for index, modifier_id in enumerate(modifier_ids):
            if modifier_id not in self.modifiers:
                raise InvalidInput("not offered", field=f"{field_prefix}.modifier_ids[{index}]")
            chosen.append(self.modifiers[modifier_id])
        return FakePricedItem(item.item_id, item.name, item.unit_price_cents + sum(m.price_delta_cents for m in chosen),
                              item.tax_category, item.kitchen_tags, item.prep_time_seconds, item.course,
                              tuple(chosen), item.category_id)

    def priced_items(self, tenant_id, location_id, requests, at, *, within=None):
        return [self.priced_item(tenant_id, location_id, r.item_id, list(r.modifier_ids), at,
                                 field_prefix=r.field_prefix) for r in requests]


@dataclass(frozen=True)
class FakeDiscount:
    line_ref: str
    amount_cents: int
    rule_id: str = "rule-10-percent"
    rule_name: str = "10 % off"


@dataclass
class FakePricing:
    """Pricing: `percent` off every line."""

    percent: int = 10

    def discounts(self, identity, location_id, lines, at, *, within=None):
        return [FakeDiscount(str(line.line_id), line.quantity * line.unit_price_cents * self.percent // 100)
                for line in lines]
