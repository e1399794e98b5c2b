"""Check use cases: open a check, add and void lines, hold and fire courses, move it through its
states, read it, its history and the listing. One unit of work each: a change, its history entry and
its event commit together or not at all.

Who may do what (the route or RPC checks that the caller holds at least one of the permissions, the
use case checks the rest):

| step | permission |
|---|---|
| open a check, add lines, hold / fire a course, send, serve, close | orders:create (or orders:update) |
| void a line of an open check | orders:create (or orders:update) |
| void a line already sent to the kitchen | orders:update (a manager: the kitchen may have cooked it) |
| sent -> ready | kitchen:update (or orders:update) |
| cancel, void the check | orders:delete |
| an open-price line (`open_price: true`, or any line without `item_id` once a menu is wired) | orders:open_price |
| a line discount given by hand (except today's form while no menu is wired) | orders:discount |

Until the menu is wired (`peers.menu is None`) a line sent as today (name and unit price, no
`open_price` flag) is accepted from any orders:create holder and stored as an open-price line:
that keeps today's clients working; once the menu is wired such a line needs orders:open_price.
"""
from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from auraconnect.orders.v1 import events_pb2
from chassis.bootstrap import Clock, IdGenerator
from chassis.errors import InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain import idempotency
from orders.domain import order as model
from orders.domain.idempotency import StoredResponse
from orders.domain.listing import OrderFilter
from orders.domain.menu import ItemRequest
from orders.domain.order import CheckDetails, IdempotencyKeyTaken, LineInput, Modifier, Order, StatusChange
from orders.service_layer.ports import MenuLookup, Pricing, SalesTaxPort, StaffDirectory
from orders.service_layer.views import STATUS_PROTO, line_to_proto, order_to_json, order_to_proto

TOPIC = "orders.order.v1"
MAX_PAGE = 200


@dataclass
class CheckPeers:
    """What the check use cases call besides the database (fakes in tests; None = not wired)."""

    clock: Clock
    new_id: IdGenerator
    tax: SalesTaxPort | None = None
    directory: StaffDirectory | None = None
    menu: MenuLookup | None = None
    pricing: Pricing | None = None


@dataclass(frozen=True)
class LineRequest:
    """A line as a client asks for it: a menu item (`item_id`, `modifier_ids`) or an open-price
    line (`name`, `unit_price_cents`)."""

    item_id: str | None = None
    modifier_ids: tuple[str, ...] = ()
    name: str | None = None
    unit_price_cents: int | None = None
    category: str = "prepared_food"
    quantity: int = 1
    discount_cents: int = 0
    seat: int | None = None
    course: str = ""
    notes: str = ""
    open_price: bool = False
    external_line_id: str = ""   # the POS's id of the line (CreateOrder, ApplyExternalOrderChange)


@dataclass(frozen=True)
class Outcome:
    """What a creating request answers: the status and body (a replay gives the first ones)."""

    status: int
    body: dict
    order: Order | None = None
    replayed: bool = False


@dataclass(frozen=True)
class Idempotency:
    """The key a client sent and the hash of what it asked (operation + body)."""

    key: str | None
    request_hash: str = ""

    @classmethod
    def of(cls, key: str | None, operation: str, body: object) -> Idempotency:
        checked = idempotency.checked_key(key)
        return cls(checked, idempotency.request_hash(operation, body) if checked else "")


NO_KEY = Idempotency(None)


@dataclass(frozen=True)
class Page:
    orders: list[Order]
    next_cursor: str | None


@dataclass(frozen=True)
class ListQuery:
    location_id: str | None = None
    status: str | None = None
    channel: str | None = None
    server_staff_id: str | None = None
    table: str | None = None
    business_date: str | None = None
    limit: int = 50
    cursor: str | None = None


# ---------------------------------------------------------------- opening a check
POS_SERVER = uuid.UUID(int=0)   # the server of an order rung up on a POS and placed by pos-bridge


def place_order(uow: UnitOfWorkFactory, identity: Identity, *, location_id: str, lines: Sequence[LineRequest],
                peers: CheckPeers, tip_cents: int = 0, server_staff_id: str | None = None,
                details: CheckDetails | None = None, key: Idempotency = NO_KEY) -> Outcome:
    """Opens a check (with lines or without). A repeated Idempotency-Key with the same body replays
    the first answer; with another body it is 422 naming the header."""
    _require_any(identity, "orders:create", "orders:update")
    replay = _replay(uow, identity, key, peers.clock)
    if replay:
        return replay
    location = parse_uuid(location_id, "location_id")
    pos_prices = details is not None and details.channel.startswith("pos:")
    # A POS order placed by pos-bridge (a service) has no AuraConnect server: the nil id stands for "the POS".
    pos_server = pos_prices and identity.is_service and not server_staff_id
    server = POS_SERVER if pos_server else parse_uuid(server_staff_id or identity.subject, "server_staff_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    if peers.directory is not None and not pos_server and (identity.is_service or str(server) != identity.subject):
        peers.directory.check_server(identity, str(server), str(location))
    now = peers.clock()
    # Before the transaction: the location's time zone comes from auth (cached; rarely a network call).
    business_date = _business_date(identity, location, now, peers)
    try:
        # One transaction for the whole placement: the menu, the pricing rules and the writes (an
        # order used to cost four). The tax adapter remembers its answer for the same basket, location
        # and day: the tax call is made on a miss only, with this connection held meanwhile (the pool
        # is sized for one connection per request in flight).
        with uow() as u:
            # A POS prices its own orders: its lines enter as open-price lines without orders:open_price.
            inputs = _line_inputs(identity, location, lines, peers, now, trusted_prices=pos_prices, within=u)
            order = Order.place(tenant_id=identity.tenant_uuid, location_id=location, server_staff_id=server,
                                lines=inputs, tip_cents=tip_cents, placed_at=now, new_id=peers.new_id,
                                details=details, business_date=business_date, actor_id=identity.subject)
            _discount(identity, order, order.lines, peers, now, within=u)
            _tax(identity, order, peers)
            u.orders.add(order)
            _stage(u, order, events_pb2.OrderPlaced(order=order_to_proto(order)))
            outcome = Outcome(201, order_to_json(order), order)
            _remember(u, identity, key, outcome, now)
            u.commit()
    except IdempotencyKeyTaken:
        if details and details.external_id:  # CreateOrder: the same POS order, raced in
            raise
        replay = _replay(uow, identity, key, peers.clock)
        if replay:  # a concurrent retry with the same key won the race
            return replay
        raise
    return outcome


def create_external_order(uow: UnitOfWorkFactory, identity: Identity, *, location_id: str,
                          lines: Sequence[LineRequest], details: CheckDetails, peers: CheckPeers,
                          tip_cents: int = 0, server_staff_id: str | None = None) -> tuple[Order, bool]:
    """gRPC CreateOrder: idempotent by (channel, external id). Returns (order, created)."""
    if not details.external_id.strip():
        raise InvalidInput("is required", field="external_id")
    existing = _by_external_id(uow, identity, details)
    if existing:
        return existing, False
    try:
        outcome = place_order(uow, identity, location_id=location_id, lines=lines, peers=peers,
                              tip_cents=tip_cents, server_staff_id=server_staff_id, details=details)
    except IdempotencyKeyTaken:
        existing = _by_external_id(uow, identity, details)
        if existing:
            return existing, False
        raise
    return outcome.order, True


# ---------------------------------------------------------------- lines and courses
def add_lines(uow: UnitOfWorkFactory, identity: Identity, order_id: str, lines: Sequence[LineRequest], *,
              peers: CheckPeers, expected_version: int | None = None, key: Idempotency = NO_KEY) -> Outcome:
    """More lines for an open check, or additions for a sent one. The tax is recomputed with the
    order row locked (one check's edits are serialized; the lock is held over the tax call)."""
    _require_any(identity, "orders:create", "orders:update")
    replay = _replay(uow, identity, key, peers.clock)
    if replay:
        return replay
    if not lines:
        raise InvalidInput("at least one line", field="lines")
    now = peers.clock()
    try:
        with uow() as u:
            order = _visible_order(u, identity, order_id, for_update=True)
            order.check_version(expected_version)
            inputs = _line_inputs(identity, order.location_id, lines, peers, now, within=u)
            added = order.add_lines(inputs, actor_id=identity.subject, at=now, new_id=peers.new_id)
            _discount(identity, order, added, peers, now, within=u)
            _tax(identity, order, peers)
            _stage(u, order, events_pb2.OrderLinesAdded(
                tenant_id=str(order.tenant_id), order_id=str(order.order_id),
                lines=[line_to_proto(line) for line in added], addition=order.sent, actor_id=identity.subject,
                added_at=to_timestamp(now), order=order_to_proto(order)))
            outcome = Outcome(201, order_to_json(order), order)
            _remember(u, identity, key, outcome, now)
            u.commit()
    except IdempotencyKeyTaken:
        replay = _replay(uow, identity, key, peers.clock)
        if replay:
            return replay
        raise
    return outcome


def void_line(uow: UnitOfWorkFactory, identity: Identity, order_id: str, line_id: str, reason: str, *,
              peers: CheckPeers, expected_version: int | None = None) -> Order:
    _require_any(identity, "orders:create", "orders:update")
    line_uuid = parse_uuid(line_id, "line_id")
    now = peers.clock()
    with uow() as u:
        order = _visible_order(u, identity, order_id, for_update=True)
        order.check_version(expected_version)
        if order.sent and not identity.has("orders:update"):
            raise PermissionDenied("the order went to the kitchen: voiding a line needs orders:update",
                                   field="line_id")
        line = order.void_line(line_uuid, reason=reason, actor_id=identity.subject, at=now, new_id=peers.new_id)
        _tax(identity, order, peers)
        _stage(u, order, events_pb2.OrderLineVoided(
            tenant_id=str(order.tenant_id), order_id=str(order.order_id), line=line_to_proto(line),
            reason=line.void_reason, actor_id=identity.subject, voided_at=to_timestamp(now),
            order=order_to_proto(order)))
        u.commit()
        return order


def hold_course(uow: UnitOfWorkFactory, identity: Identity, order_id: str, course: str, *, peers: CheckPeers,
                expected_version: int | None = None) -> Order:
    return _course(uow, identity, order_id, course, peers, expected_version, fire=False)


def fire_course(uow: UnitOfWorkFactory, identity: Identity, order_id: str, course: str, *, peers: CheckPeers,
                expected_version: int | None = None) -> Order:
    return _course(uow, identity, order_id, course, peers, expected_version, fire=True)


def _course(uow, identity, order_id, course, peers, expected_version, *, fire: bool) -> Order:
    _require_any(identity, "orders:create", "orders:update")
    now = peers.clock()
    with uow() as u:
        order = _visible_order(u, identity, order_id, for_update=True)
        order.check_version(expected_version)
        act = order.fire_course if fire else order.hold_course
        lines = act(course, actor_id=identity.subject, at=now, new_id=peers.new_id)
        common = {"tenant_id": str(order.tenant_id), "order_id": str(order.order_id), "course": course.strip(),
                  "line_ids": [str(line.line_id) for line in lines], "actor_id": identity.subject,
                  "order": order_to_proto(order)}
        message = (events_pb2.OrderCourseFired(fired_at=to_timestamp(now), **common) if fire
                   else events_pb2.OrderCourseHeld(held_at=to_timestamp(now), **common))
        _stage(u, order, message)
        u.commit()
        return order


# ---------------------------------------------------------------- the state machine
# Who may make each move (any one of the permissions).
MOVE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    model.SENT: ("orders:create", "orders:update"),
    model.READY: ("kitchen:update", "orders:update"),
    model.SERVED: ("orders:create", "kitchen:update", "orders:update"),
    model.CLOSED: ("orders:create", "orders:update"),
    model.CANCELLED: ("orders:delete",),
    model.VOIDED: ("orders:delete",),
}
MOVE_ANY = frozenset(p for perms in MOVE_PERMISSIONS.values() for p in perms)


def change_status(uow: UnitOfWorkFactory, identity: Identity, order_id: str, status: str, *, peers: CheckPeers,
                  reason: str = "", expected_version: int | None = None) -> Order:
    """One move of the state machine (409 naming the current state for an illegal one, 412 for a
    stale version). The old names (in_kitchen, completed) are accepted for sent and served."""
    wanted = model.LEGACY_STATUSES.get(status, status)
    if wanted not in MOVE_PERMISSIONS:
        raise InvalidInput(f"must be one of {', '.join(MOVE_PERMISSIONS)}", field="status")
    _require_any(identity, *MOVE_PERMISSIONS[wanted])
    now = peers.clock()
    with uow() as u:
        order = _visible_order(u, identity, order_id, for_update=True)
        order.check_version(expected_version)
        change = order.move_to(wanted, actor_id=identity.subject, at=now, new_id=peers.new_id, reason=reason)
        _stage(u, order, _status_event(order, change, identity, now))
        if change.current == model.SERVED and u.payments.ledger(order.tenant_id, order.order_id,
                                                                order.total_cents).paid_in_full:
            # Paid before it was served (a counter order): serving it closes it.
            closed = order.move_to(model.CLOSED, actor_id=identity.subject, at=now, new_id=peers.new_id,
                                   reason="paid in full")
            _stage(u, order, _status_event(order, closed, identity, now))
        u.commit()
        return order


def cancel_order(uow: UnitOfWorkFactory, identity: Identity, order_id: str, reason: str = "", *,
                 peers: CheckPeers, expected_version: int | None = None) -> Order:
    return change_status(uow, identity, order_id, model.CANCELLED, peers=peers, reason=reason,
                         expected_version=expected_version)


def ready_from_kitchen(u: UnitOfWork, identity: Identity, order_id: uuid.UUID, *, peers: CheckPeers) -> Order | None:
    """Expo bumped the order out of the kitchen: sent -> ready inside the caller's (the kitchen's)
    unit of work, with its status-history row and event. An order still open (a POS or online order
    the kitchen took at once, without a send) is sent first; an order already ready or beyond,
    cancelled or voided stays as it is. None when the order is not the caller's."""
    _require_any(identity, *MOVE_PERMISSIONS[model.READY])
    order = u.orders.get(identity.tenant_uuid, order_id, for_update=True)
    if order is None or not identity.may_access_location(str(order.location_id)):
        return None
    now = peers.clock()
    moves = {model.OPEN: (model.SENT, model.READY), model.SENT: (model.READY,)}.get(order.status, ())
    for wanted in moves:
        change = order.move_to(wanted, actor_id=identity.subject, at=now, new_id=peers.new_id, reason="expo bump")
        _stage(u, order, _status_event(order, change, identity, now))
    return order


# ---------------------------------------------------------------- reading
def get_order(uow: UnitOfWorkFactory, identity: Identity, order_id: str) -> Order:
    _require_any(identity, "orders:read", "kitchen:read")
    with uow() as u:
        return _visible_order(u, identity, order_id)


def list_orders(uow: UnitOfWorkFactory, identity: Identity, query: ListQuery) -> Page:
    """Newest first; `next_cursor` continues after the last order of this page."""
    _require_any(identity, "orders:read", "kitchen:read")
    if not 1 <= query.limit <= MAX_PAGE:
        raise InvalidInput(f"must be between 1 and {MAX_PAGE}", field="limit")
    locations: tuple[uuid.UUID, ...] | None = None
    if query.location_id:
        location = parse_uuid(query.location_id, "location_id")
        if not identity.may_access_location(str(location)):
            return Page([], None)
        locations = (location,)
    elif identity.location_ids:
        locations = tuple(parse_uuid(x, "location_ids") for x in identity.location_ids)
    status = model.LEGACY_STATUSES.get(query.status, query.status) if query.status else None
    if status is not None and status not in model.STATUSES:
        raise InvalidInput(f"must be one of {', '.join(model.STATUSES)}", field="status")
    if query.channel is not None and query.channel not in model.CHANNELS:
        raise InvalidInput(f"must be one of {', '.join(model.CHANNELS)}", field="channel")
    server = parse_uuid(query.server_staff_id, "server_staff_id") if query.server_staff_id else None
    filters = OrderFilter(locations, status, query.channel, server, query.table,
                          _day(query.business_date, "business_date") if query.business_date else None,
                          decode_cursor(query.cursor) if query.cursor else None)
    with uow() as u:
        found = u.orders.list(identity.tenant_uuid, filters, query.limit + 1)
    page, more = found[:query.limit], len(found) > query.limit
    return Page(page, encode_cursor(page[-1]) if more and page else None)


def encode_cursor(order: Order) -> str:
    raw = f"{order.placed_at.isoformat()}|{order.order_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, order_id = raw.partition("|")
        placed_at = datetime.fromisoformat(at)
        if placed_at.tzinfo is None:
            raise ValueError("naive")
        return placed_at, uuid.UUID(order_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("not a cursor this API gave out", field="cursor") from None


# ---------------------------------------------------------------- idempotency store upkeep
def purge_idempotency_keys(uow: UnitOfWorkFactory, *, clock: Clock) -> int:
    """Forgets keys older than idempotency.KEEP_FOR (run from cron: `python -m
    orders.entrypoints.purge_idempotency_keys`). Returns how many went."""
    with uow() as u:
        removed = u.idempotency.purge(clock() - idempotency.KEEP_FOR)
        u.commit()
        return removed


# ---------------------------------------------------------------- internals
def _require_any(identity: Identity, *permissions: str) -> None:
    if not any(identity.has(p) for p in permissions):
        raise PermissionDenied(f"missing permission {' or '.join(permissions)}")


def _replay(uow: UnitOfWorkFactory, identity: Identity, key: Idempotency, clock: Clock) -> Outcome | None:
    """The first answer to this key, authorized like a fresh request: the caller must still see the
    order it names (another location's user gets 404, never a copy)."""
    if not key.key:
        return None
    with uow() as u:
        stored = u.idempotency.get(identity.tenant_uuid, key.key)
        if stored is None:
            return None
        if stored.expired(clock()):  # kept long enough: the key may be used again
            u.idempotency.remove(identity.tenant_uuid, key.key)
            u.commit()
            return None
        idempotency.replayable(stored, key.request_hash)
        if stored.order_id is not None:
            _visible_order(u, identity, str(stored.order_id))
        return Outcome(stored.status, stored.body, None, replayed=True)


def _remember(u: UnitOfWork, identity: Identity, key: Idempotency, outcome: Outcome, now: datetime) -> None:
    if key.key:
        u.idempotency.add(StoredResponse(identity.tenant_uuid, key.key, key.request_hash, outcome.status,
                                         outcome.body, now, outcome.order.order_id if outcome.order else None))


def _by_external_id(uow: UnitOfWorkFactory, identity: Identity, details: CheckDetails) -> Order | None:
    with uow() as u:
        order = u.orders.get_by_external_id(identity.tenant_uuid, details.channel, details.external_id.strip())
        if order is not None and not identity.may_access_location(str(order.location_id)):
            raise NotFound("no such order", field="external_id")
        return order


def _visible_order(u: UnitOfWork, identity: Identity, order_id: str, for_update: bool = False) -> Order:
    """The caller's order; one at a location the caller may not access does not exist for them."""
    order = u.orders.get(identity.tenant_uuid, parse_uuid(order_id, "order_id"), for_update=for_update)
    if order is None or not identity.may_access_location(str(order.location_id)):
        raise NotFound("no such order", field="order_id")
    return order


def _line_inputs(identity: Identity, location: uuid.UUID, lines: Sequence[LineRequest], peers: CheckPeers,
                 at: datetime, trusted_prices: bool = False, within: UnitOfWork | None = None) -> list[LineInput]:
    """Every line checked, then all menu lines priced at once (in `within`, the caller's transaction)."""
    checked = [_checked_line(identity, index, line, peers, trusted_prices) for index, line in enumerate(lines)]
    requests = [request for _, request in checked if request is not None]
    priced = iter(peers.menu.priced_items(identity.tenant_uuid, location, requests, at, within=within)
                  if requests and peers.menu is not None else ())
    inputs = []
    for line, request in checked:
        if request is None:
            inputs.append(_open_price_input(line))
            continue
        item = next(priced)
        inputs.append(LineInput(item.name, unit_price_cents=item.unit_price_cents, category=item.tax_category,
                                item_id=item.item_id, course=line.course or item.course or "",
                                modifiers=tuple(Modifier(str(m.option_id), m.name, m.price_delta_cents)
                                                for m in item.modifiers),
                                kitchen_tags=tuple(item.kitchen_tags), prep_time_seconds=item.prep_time_seconds,
                                menu_category_id=item.category_id, **_common(line)))
    return inputs


def _common(line: LineRequest) -> dict:
    return {"quantity": line.quantity, "discount_cents": line.discount_cents, "seat": line.seat, "notes": line.notes,
            "external_line_id": line.external_line_id}


def _open_price_input(line: LineRequest) -> LineInput:
    return LineInput(line.name, unit_price_cents=line.unit_price_cents, category=line.category,
                     course=line.course, open_price=True, **_common(line))


def _checked_line(identity: Identity, index: int, line: LineRequest, peers: CheckPeers,
                  trusted_prices: bool) -> tuple[LineRequest, ItemRequest | None]:
    """The line's permissions and shape; with what to ask the menu for a menu line (None: open price).
    `trusted_prices`: the channel priced the line (a POS), no open-price permission needed."""
    where = f"lines[{index}]"
    legacy = line.item_id is None and (trusted_prices or (peers.menu is None and not line.open_price))
    if line.discount_cents and not legacy and not identity.has("orders:discount"):
        raise PermissionDenied("a discount by hand needs orders:discount", field=f"{where}.discount_cents")
    if line.item_id is not None:
        if line.open_price or line.name is not None or line.unit_price_cents is not None:
            raise InvalidInput("a menu line takes its name and price from the menu", field=f"{where}.item_id")
        if peers.menu is None:
            raise InvalidInput("the menu is not available yet: send an open-price line", field=f"{where}.item_id")
        item_id = parse_uuid(line.item_id, f"{where}.item_id")
        modifier_ids = tuple(parse_uuid(m, f"{where}.modifier_ids[{i}]") for i, m in enumerate(line.modifier_ids))
        return line, ItemRequest(item_id, modifier_ids, where)
    if line.name is None or line.unit_price_cents is None:
        raise InvalidInput("a line needs item_id, or name and unit_price_cents with open_price",
                           field=f"{where}.item_id")
    if line.modifier_ids:
        raise InvalidInput("an open-price line has no menu modifiers", field=f"{where}.modifier_ids")
    if not legacy and not identity.has("orders:open_price"):
        raise PermissionDenied("an open-price line needs orders:open_price", field=f"{where}.open_price")
    return line, None


def _discount(identity: Identity, order: Order, lines: list[model.OrderLine], peers: CheckPeers,
              at: datetime, within: UnitOfWork | None = None) -> None:
    """The pricing rules' automatic discounts on new lines (none until pricing is wired); each line
    keeps which rule gave how much (never more than what is left of the line after a hand discount)."""
    if peers.pricing is None or not lines:
        return
    by_line: dict[str, list] = {}
    for discount in peers.pricing.discounts(identity, order.location_id, lines, at, within=within):
        by_line.setdefault(discount.line_ref, []).append(discount)
    for line in lines:
        room = line.quantity * line.unit_price_cents - line.discount_cents
        applied = []
        for discount in by_line.get(str(line.line_id), ()):
            amount = min(max(0, discount.amount_cents), room)
            if amount:
                applied.append(model.AppliedDiscount(discount.rule_id, discount.rule_name, amount))
                room -= amount
        line.discount_cents += sum(a.amount_cents for a in applied)
        line.discounts = tuple(applied)


def _tax(identity: Identity, order: Order, peers: CheckPeers) -> None:
    if not order.active_lines:
        order.apply_tax(model.SalesTax(0, 0, {}, order.tax_rules_version))
        return
    if peers.tax is None:
        raise RuntimeError("this process prices orders without a tax peer")
    order.apply_tax(peers.tax.sales_tax(identity, order))


def _business_date(identity: Identity, location: uuid.UUID, now: datetime, peers: CheckPeers) -> date:
    """The location's local date (its IANA time zone in auth); UTC when no directory is wired."""
    if peers.directory is None:
        return now.date()
    name = peers.directory.time_zone(identity, str(location))
    try:
        return now.astimezone(ZoneInfo(name)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def _day(value: str, name: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("must be a date YYYY-MM-DD", field=name) from None


def _stage(u: UnitOfWork, order: Order, message) -> None:
    u.add_event(TOPIC, key=str(order.order_id), subject=str(order.order_id), message=message)


def _status_event(order: Order, change: StatusChange, identity: Identity, now: datetime):
    at, common = to_timestamp(now), {"tenant_id": str(order.tenant_id), "order_id": str(order.order_id)}
    if change.current == model.SENT:
        return events_pb2.OrderSent(actor_id=identity.subject, sent_at=at, order=order_to_proto(order), **common)
    if change.current in (model.CANCELLED, model.VOIDED):
        message = events_pb2.OrderCancelled if change.current == model.CANCELLED else events_pb2.OrderVoided
        when = "cancelled_at" if change.current == model.CANCELLED else "voided_at"
        return message(previous_status=STATUS_PROTO[change.previous], reason=change.reason, actor_id=identity.subject,
                       server_staff_id=str(order.server_staff_id), tip_cents=order.tip_cents,
                       location_id=str(order.location_id), order=order_to_proto(order), **{when: at}, **common)
    return events_pb2.OrderStatusChanged(previous_status=STATUS_PROTO[change.previous],
                                         status=STATUS_PROTO[change.current], changed_at=at,
                                         actor_id=identity.subject, reason=change.reason,
                                         order=order_to_proto(order), **common)

