"""The Order aggregate (a check): its lines, its money, its state machine and its history.

Everything that must be true of a check is checked here, so any entrypoint (REST, gRPC, a POS
import) gets the same rules. Ids and times come from the caller (the service layer passes the
container's id generator and clock), which keeps the aggregate deterministic under test.

State machine (`TRANSITIONS`)::

    open -> sent -> ready -> served -> closed (paid)
    open | sent | ready   -> cancelled   (nothing served: the check is dropped)
    sent | ready | served -> voided      (the kitchen worked on it: taken off the books, with a reason)

While open a check takes lines, line voids and course holds/fires. Once sent, lines added are
*additions* (marked so: the kitchen gets them as such), held courses may still be fired, and a line
void needs a manager (`orders:update`, the service layer checks it). A closed, cancelled or voided
check takes nothing. Every change bumps `version`; every step is a history entry (actor, reason, time).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from chassis.errors import Conflict, DomainError, InvalidInput

CATEGORIES = ("general", "prepared_food", "alcohol", "grocery", "non_taxable")

OPEN, SENT, READY, SERVED, CLOSED, CANCELLED, VOIDED = (
    "open", "sent", "ready", "served", "closed", "cancelled", "voided")
STATUSES = (OPEN, SENT, READY, SERVED, CLOSED, CANCELLED, VOIDED)
# The first order flow's names, still accepted on input (PATCH /orders/{id}): placed became open,
# in_kitchen sent, completed served.
LEGACY_STATUSES = {"placed": OPEN, "in_kitchen": SENT, "completed": SERVED}

TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({SENT, CANCELLED}),
    SENT: frozenset({READY, CANCELLED, VOIDED}),
    READY: frozenset({SERVED, CANCELLED, VOIDED}),
    SERVED: frozenset({CLOSED, VOIDED}),
}
FINAL = frozenset({CLOSED, CANCELLED, VOIDED})
# Refunds come with payments (next issue): a refund is its own record against a closed check, so the
# check's state stays closed; `refundable()` is the hook payments asks.
REFUNDABLE = frozenset({CLOSED})
# Moves the kitchen makes (kitchen:update): the rest is front of house.
KITCHEN_MOVES = frozenset({(SENT, READY)})

ORDER_TYPES = ("dine_in", "takeout", "delivery")
CHANNELS = ("counter", "pos:square", "pos:clover", "pos:toast", "online")
ACTIVE, LINE_VOIDED = "active", "voided"

# History entry kinds: a status move, or a change to the lines or courses of the check.
STATUS_ENTRY, LINES_ADDED, LINE_VOID, COURSE_HELD, COURSE_FIRED = (
    "status", "lines_added", "line_voided", "course_held", "course_fired")

MAX_TEXT, MAX_NOTES, MAX_GUESTS, MAX_SEAT, MAX_QUANTITY = 200, 1000, 500, 500, 10_000
MAX_CENTS = 10**11


class PreconditionFailed(DomainError):
    """The caller's version of the order is not the current one (If-Match / version): 412."""

    http_status = 412
    grpc_code = "FAILED_PRECONDITION"


@dataclass(frozen=True)
class Modifier:
    modifier_id: str
    name: str
    price_delta_cents: int


@dataclass(frozen=True)
class LineInput:
    """One line as the service layer hands it over: priced by the menu (`item_id` set) or by hand
    (`open_price`), before validation."""

    name: str
    quantity: int
    unit_price_cents: int
    category: str = "prepared_food"
    discount_cents: int = 0
    item_id: uuid.UUID | None = None
    modifiers: tuple[Modifier, ...] = ()
    seat: int | None = None
    course: str = ""
    notes: str = ""
    open_price: bool = False
    kitchen_tags: tuple[str, ...] = ()
    prep_time_seconds: int = 0
    menu_category_id: uuid.UUID | None = None
    external_line_id: str = ""   # the POS's id of the line (a POS order's lines)


@dataclass(frozen=True)
class AppliedDiscount:
    """What one pricing rule took off a line (`rule_id`, its name at the time, the cents)."""

    rule_id: str
    rule_name: str
    amount_cents: int


@dataclass
class OrderLine:
    line_id: uuid.UUID
    name: str
    category: str
    quantity: int
    unit_price_cents: int
    discount_cents: int
    tax_cents: int = 0
    item_id: uuid.UUID | None = None
    modifiers: tuple[Modifier, ...] = ()
    seat: int | None = None
    course: str = ""
    notes: str = ""
    open_price: bool = False
    kitchen_tags: tuple[str, ...] = ()
    prep_time_seconds: int = 0
    status: str = ACTIVE
    void_reason: str = ""
    addition: bool = False  # added after the check was sent
    held: bool = False  # its course is held
    menu_category_id: uuid.UUID | None = None
    # Which pricing rules gave how much of `discount_cents` (the rest, if any, was given by hand).
    discounts: tuple[AppliedDiscount, ...] = ()
    external_line_id: str = ""   # the POS's id of the line: a POS's later changes name it

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def net_cents(self) -> int:
        return self.quantity * self.unit_price_cents - self.discount_cents


@dataclass(frozen=True)
class HistoryEntry:
    """One step of the check: who did what, when and why."""

    entry_id: uuid.UUID
    kind: str
    actor_id: str
    at: datetime
    reason: str = ""
    from_status: str | None = None
    to_status: str | None = None
    line_id: uuid.UUID | None = None
    course: str = ""
    version: int = 0


@dataclass(frozen=True)
class SalesTax:
    """What the tax engine computed for an order: the totals, the tax per line id, the rules used."""

    subtotal_cents: int
    tax_cents: int
    line_tax: dict[str, int]
    rules_version: str


@dataclass(frozen=True)
class StatusChange:
    """What a move did, for the event the service layer publishes."""

    previous: str
    current: str
    reason: str = ""


@dataclass(frozen=True)
class CheckDetails:
    """What the check is, besides its lines (validated by `Order.open`)."""

    order_type: str = "dine_in"
    channel: str = "counter"
    table: str = ""
    guest_count: int = 0
    notes: str = ""
    external_id: str = ""


@dataclass
class Order:
    order_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    server_staff_id: uuid.UUID
    lines: list[OrderLine]
    tip_cents: int
    placed_at: datetime
    status: str = OPEN
    subtotal_cents: int = 0
    tax_cents: int = 0
    currency_code: str = "USD"
    tax_rules_version: str = ""
    idempotency_key: str | None = None
    order_type: str = "dine_in"
    channel: str = "counter"
    table: str = ""
    guest_count: int = 0
    notes: str = ""
    external_id: str = ""
    business_date: date | None = None
    version: int = 1
    held_courses: set[str] = field(default_factory=set)
    history: list[HistoryEntry] = field(default_factory=list)

    # ---- opening ----
    @classmethod
    def place(cls, *, tenant_id: uuid.UUID, location_id: uuid.UUID, server_staff_id: uuid.UUID,
              lines: list[LineInput], tip_cents: int, placed_at: datetime, new_id: Callable[[], uuid.UUID],
              idempotency_key: str | None = None, details: CheckDetails | None = None,
              business_date: date | None = None, actor_id: str | None = None) -> Order:
        """A new open check, or InvalidInput naming the first bad field. Tax is applied afterwards
        (`apply_tax`): the tax engine checks what only it knows (the location's jurisdiction).
        A check may be opened empty (a table sat down); `lines` may also come later."""
        if placed_at.tzinfo is None:
            raise ValueError("placed_at must be timezone-aware")
        if not 0 <= tip_cents <= MAX_CENTS:
            raise InvalidInput(f"must be between 0 and {MAX_CENTS}", field="tip_cents")
        details = _validated_details(details or CheckDetails())
        order_id = new_id()
        built = [_validated_line(index, line, new_id) for index, line in enumerate(lines)]
        order = cls(order_id, tenant_id, location_id, server_staff_id, built, tip_cents, placed_at,
                    idempotency_key=idempotency_key, order_type=details.order_type, channel=details.channel,
                    table=details.table, guest_count=details.guest_count, notes=details.notes,
                    external_id=details.external_id, business_date=business_date or placed_at.date())
        # One step, one history entry, one event (OrderPlaced carries the lines): opening a check with
        # lines is version 1 like an empty one, its lines are part of the opening.
        order._record(new_id, STATUS_ENTRY, actor_id or str(server_staff_id), placed_at, to_status=OPEN)
        return order

    # ---- money ----
    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.tax_cents + self.tip_cents

    @property
    def active_lines(self) -> list[OrderLine]:
        return [line for line in self.lines if line.active]

    def apply_tax(self, tax: SalesTax) -> None:
        """Totals over the active lines (a voided line costs nothing)."""
        self.subtotal_cents, self.tax_cents, self.tax_rules_version = (
            tax.subtotal_cents, tax.tax_cents, tax.rules_version)
        for line in self.lines:
            line.tax_cents = tax.line_tax.get(str(line.line_id), 0) if line.active else 0

    # ---- versions ----
    def check_version(self, expected: int | None) -> None:
        """PreconditionFailed (412) when the caller saw another version than the current one."""
        if expected is not None and expected != self.version:
            raise PreconditionFailed(f"the order is at version {self.version}, not {expected}; "
                                     "read it again", field="version")

    # ---- lines ----
    def add_lines(self, lines: list[LineInput], *, actor_id: str, at: datetime,
                  new_id: Callable[[], uuid.UUID], first_index: int = 0) -> list[OrderLine]:
        """Lines for an open check, or additions once it is sent; none once it is final."""
        self._not_final("add lines to")
        if not lines:
            raise InvalidInput("at least one line", field="lines")
        built = [_validated_line(first_index + index, line, new_id) for index, line in enumerate(lines)]
        for line in built:
            line.addition = self.status != OPEN
            line.held = bool(line.course) and line.course in self.held_courses
        self.lines.extend(built)
        self._record(new_id, LINES_ADDED, actor_id, at)
        return built

    def line(self, line_id: uuid.UUID) -> OrderLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise InvalidInput("no such line on this order", field="line_id")

    def active_line_of(self, external_line_id: str) -> OrderLine | None:
        """The active line carrying the POS's line id (a voided one stays voided: None)."""
        return next((line for line in self.lines if line.active and line.external_line_id == external_line_id
                     and external_line_id), None)

    def void_line(self, line_id: uuid.UUID, *, reason: str, actor_id: str, at: datetime,
                  new_id: Callable[[], uuid.UUID]) -> OrderLine:
        self._not_final("void a line of")
        reason = _text(reason, "reason", MAX_NOTES, required=True)
        line = self.line(line_id)
        if not line.active:
            raise Conflict("the line is voided already", field="line_id")
        line.status, line.void_reason = LINE_VOIDED, reason
        self._record(new_id, LINE_VOID, actor_id, at, reason=reason, line_id=line_id)
        return line

    def refundable(self) -> bool:
        """Payments may refund this check (hook for the payments issue)."""
        return self.status in REFUNDABLE

    @property
    def sent(self) -> bool:
        return self.status != OPEN

    # ---- courses ----
    def hold_course(self, course: str, *, actor_id: str, at: datetime,
                    new_id: Callable[[], uuid.UUID]) -> list[OrderLine]:
        """Keep a course back (only before the check is sent: the kitchen must know before it starts)."""
        course = _text(course, "course", MAX_TEXT, required=True)
        if self.status != OPEN:
            raise Conflict(f"a {self.status} order's courses cannot be held (only open ones)", field="status")
        if course in self.held_courses:
            raise Conflict(f"course {course} is held already", field="course")
        self.held_courses.add(course)
        lines = [line for line in self.active_lines if line.course == course]
        for line in lines:
            line.held = True
        self._record(new_id, COURSE_HELD, actor_id, at, course=course)
        return lines

    def fire_course(self, course: str, *, actor_id: str, at: datetime,
                    new_id: Callable[[], uuid.UUID]) -> list[OrderLine]:
        """Release a held course (before or after the check was sent)."""
        course = _text(course, "course", MAX_TEXT, required=True)
        self._not_final("fire a course of")
        if course not in self.held_courses:
            raise Conflict(f"course {course} is not held", field="course")
        self.held_courses.discard(course)
        lines = [line for line in self.active_lines if line.course == course]
        for line in lines:
            line.held = False
        self._record(new_id, COURSE_FIRED, actor_id, at, course=course)
        return lines

    # ---- the state machine ----
    def move_to(self, wanted: str, *, actor_id: str, at: datetime, new_id: Callable[[], uuid.UUID],
                reason: str = "") -> StatusChange:
        """One legal move (`TRANSITIONS`), or Conflict naming the current status."""
        wanted = LEGACY_STATUSES.get(wanted, wanted)
        if wanted not in STATUSES:
            raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
        reason = _text(reason, "reason", MAX_NOTES)
        allowed = TRANSITIONS.get(self.status, frozenset())
        if wanted not in allowed:
            raise Conflict(f"the order is {self.status}: cannot go to {wanted} "
                           f"(allowed: {', '.join(sorted(allowed)) or 'none'})", field="status")
        if wanted == SENT and not self.active_lines:
            raise Conflict("the order is open with no active line: nothing to send", field="lines")
        if wanted == VOIDED and not reason:
            raise InvalidInput("a void needs a reason", field="reason")
        change = StatusChange(self.status, wanted, reason)
        self.status = wanted
        self._record(new_id, STATUS_ENTRY, actor_id, at, reason=reason, from_status=change.previous,
                     to_status=wanted)
        return change

    def cancel(self, *, actor_id: str, at: datetime, new_id: Callable[[], uuid.UUID],
               reason: str = "") -> StatusChange:
        return self.move_to(CANCELLED, actor_id=actor_id, at=at, new_id=new_id, reason=reason)

    def void(self, *, actor_id: str, at: datetime, new_id: Callable[[], uuid.UUID], reason: str) -> StatusChange:
        return self.move_to(VOIDED, actor_id=actor_id, at=at, new_id=new_id, reason=reason)

    # ---- internals ----
    def _not_final(self, what: str) -> None:
        if self.status in FINAL:
            raise Conflict(f"the order is {self.status}: cannot {what} it", field="status")

    def _record(self, new_id: Callable[[], uuid.UUID], kind: str, actor_id: str, at: datetime, **details) -> None:
        if self.history:  # the opening entry is version 1; every later step bumps the version
            self.version += 1
        self.history.append(HistoryEntry(new_id(), kind, actor_id, at, version=self.version, **details))


def _validated_details(details: CheckDetails) -> CheckDetails:
    if details.order_type not in ORDER_TYPES:
        raise InvalidInput(f"must be one of {', '.join(ORDER_TYPES)}", field="order_type")
    if details.channel not in CHANNELS:
        raise InvalidInput(f"must be one of {', '.join(CHANNELS)}", field="channel")
    if not 0 <= details.guest_count <= MAX_GUESTS:
        raise InvalidInput(f"must be between 0 and {MAX_GUESTS}", field="guest_count")
    if details.external_id and not details.channel.startswith("pos:") and details.channel != "online":
        raise InvalidInput("only orders from a POS or online channel carry an external id", field="external_id")
    return CheckDetails(details.order_type, details.channel, _text(details.table, "table", 40),
                        details.guest_count, _text(details.notes, "notes", MAX_NOTES),
                        _text(details.external_id, "external_id", MAX_TEXT))


def _text(value: str, name: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput("must not be empty", field=name)
    if len(value) > limit:
        raise InvalidInput(f"at most {limit} characters", field=name)
    if "\x00" in value:
        raise InvalidInput("must not contain NUL", field=name)
    return value


def _validated_line(index: int, line: LineInput, new_id: Callable[[], uuid.UUID]) -> OrderLine:
    where = f"lines[{index}]"
    name = _text(line.name, f"{where}.name", MAX_TEXT, required=True)
    if line.category not in CATEGORIES:
        raise InvalidInput(f"must be one of {', '.join(CATEGORIES)}", field=f"{where}.category")
    if not 0 < line.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"must be between 1 and {MAX_QUANTITY}", field=f"{where}.quantity")
    if not 0 <= line.unit_price_cents <= MAX_CENTS:
        raise InvalidInput(f"must be between 0 and {MAX_CENTS}", field=f"{where}.unit_price_cents")
    if line.quantity * line.unit_price_cents > MAX_CENTS:
        raise InvalidInput(f"the line comes to more than {MAX_CENTS} cents", field=f"{where}.unit_price_cents")
    if not 0 <= line.discount_cents <= line.quantity * line.unit_price_cents:
        raise InvalidInput("must be between 0 and the line amount", field=f"{where}.discount_cents")
    if line.seat is not None and not 0 < line.seat <= MAX_SEAT:
        raise InvalidInput(f"must be between 1 and {MAX_SEAT}", field=f"{where}.seat")
    return OrderLine(new_id(), name, line.category, line.quantity, line.unit_price_cents, line.discount_cents,
                     item_id=line.item_id, modifiers=tuple(line.modifiers), seat=line.seat,
                     course=_text(line.course, f"{where}.course", 40),
                     notes=_text(line.notes, f"{where}.notes", MAX_NOTES), open_price=line.open_price,
                     kitchen_tags=tuple(line.kitchen_tags), prep_time_seconds=max(0, line.prep_time_seconds),
                     menu_category_id=line.menu_category_id,
                     external_line_id=_text(line.external_line_id, f"{where}.external_line_id", MAX_TEXT))


class IdempotencyKeyTaken(Exception):
    """Another request of the tenant already holds this Idempotency-Key (a concurrent retry won)."""
