"""Fakes for the orders service layer: an in-memory repository and unit of work, a tax peer that
computes a flat rate, a fixed clock and predictable ids. No network, no database."""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chassis.identity import Identity
from chassis.uow import FakeUnitOfWork
from orders.domain.idempotency import StoredResponse
from orders.domain.listing import OrderFilter
from orders.domain.order import CANCELLED, VOIDED, IdempotencyKeyTaken, Order, SalesTax
from orders.domain.reports import LocationSales

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


class FakeOrdersUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source="/auraconnect/orders")
        self.orders = FakeOrderRepository()
        self.idempotency = FakeIdempotencyRepository()

    def _begin(self) -> None:
        super()._begin()
        self.orders.begin()
        self.idempotency.begin()

    def _commit(self) -> None:
        self.orders.commit()
        self.idempotency.commit()
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
                              tuple(chosen))


@dataclass(frozen=True)
class FakeDiscount:
    line_ref: str
    amount_cents: int
    rule_id: str = "rule-10-percent"


@dataclass
class FakePricing:
    """Pricing: `percent` off every line."""

    percent: int = 10

    def discounts(self, identity, location_id, lines, at):
        return [FakeDiscount(str(line.line_id), line.quantity * line.unit_price_cents * self.percent // 100)
                for line in lines]
