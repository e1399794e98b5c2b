"""Pricing rules: the seed's "dynamic pricing engine", pure.

A rule is data (`PricingRule`): WHEN it applies (days of week + a local time range, start/end dates, a
minimum quantity), TO WHAT (item ids, categories, tags; none = every line) and HOW MUCH (an `Effect`).
`apply_rules(lines, rules, local_time)` says, per line, which rule gave how much (`LineDiscount`).
Where prices come from (the client today, the menu later) is not this module's business: a line
arrives with its unit price.

Semantics (the tests in tests/unit/test_pricing_engine.py hold them):

* Order. Rules are applied in `(-priority, rule_id)` order: higher priority first, ties broken by
  rule id. The order in which rules are GIVEN never matters; lines are identified by `line_ref`.
* Eligibility. A rule counts when it is active, `local_time`'s date lies in
  [`starts_on`, `ends_on`] (inclusive, either may be open), `local_time` falls in one of its windows
  (no windows = all day, every day), and the lines it targets hold at least `min_quantity` units
  together.
* Stacking. On a line targeted by one or more eligible EXCLUSIVE rules, only the first of them (in
  the order above) applies and nothing else does, whatever the other rules' priorities. On any other
  line every eligible COMBINABLE rule that targets it applies, one after the other in that order, each
  on what the previous ones left of the line's amount.
* Money. Amounts are integer cents, percentages Decimal. Each rule's discount on a line is computed
  exactly (fractions of a cent included) and rounded ONCE, half up, to a cent: per line, not per unit,
  so a 3 x 0.35 line at 10 % off is 0.105 -> 11 cents, not 3 x 4 cents. A discount is capped at what
  is left of the line, so no line (and no price) ever goes below zero and discounts never exceed the
  line amount.
* Buy X get Y: the eligible units (of the lines this rule is applied to) are pooled across lines; for
  every complete group of X + Y units, Y units get the percent off (100 = free), and those are the
  CHEAPEST units of the pool (by what is left of their price; ties by line_ref). This is the usual
  "cheapest item free" reading and never gives away more than the cheapest units.
* Manager discounts (`apply_manager_discounts`) come after the rules, on what the rules left: on one
  line, or on the whole check, where the check amount is split over the lines in proportion to what
  is left of each by largest remainder (`allocate`), so the parts add up to the exact cent.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from chassis.errors import DomainError, InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
MAX_CENTS = 10**11  # a billion dollars: beyond it the input is a mistake
MAX_QUANTITY = 10_000
MAX_PRIORITY = 1_000_000
MAX_NAME = 200
MAX_TARGETS = 200
MAX_WINDOWS = 20
PERCENT_PLACES = 4  # 12.3456 % at most: finer is a typo
MANAGER_RULE_ID = "manager"  # LineDiscount.rule_id of a manager discount
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class StaleVersion(DomainError):
    """The write was based on an older version than the one stored (HTTP 412): reload and retry."""

    http_status = 412
    grpc_code = "FAILED_PRECONDITION"


# ---- money -------------------------------------------------------------------------------------

def round_half_up(amount: Fraction) -> int:
    """A non-negative exact amount of cents rounded to a whole cent, halves up (0.5 -> 1), in integer
    arithmetic (no float, no Decimal precision limit)."""
    return (2 * amount.numerator + amount.denominator) // (2 * amount.denominator)


def percent_of(cents: int | Fraction, percent: Decimal) -> Fraction:
    return Fraction(cents) * Fraction(percent) / 100


def allocate(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Splits `total_cents` in proportion to `weights` by largest remainder: every part is the floor
    of its exact share, and the cents left over go one each to the largest remainders (ties: the
    earlier weight). The parts add up to `total_cents` exactly and, when `total_cents <= sum(weights)`,
    no part exceeds its weight."""
    whole = sum(weights)
    if total_cents < 0 or any(w < 0 for w in weights):
        raise ValueError("negative amounts cannot be allocated")
    if whole == 0:
        if total_cents:
            raise ValueError("nothing to allocate over")
        return [0] * len(weights)
    shares = [divmod(total_cents * w, whole) for w in weights]
    parts = [quotient for quotient, _ in shares]
    left = total_cents - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for index in by_remainder[:left]:
        parts[index] += 1
    return parts


# ---- the basket --------------------------------------------------------------------------------

@dataclass(frozen=True)
class BasketLine:
    """A line to price: `line_ref` identifies it in the answer (unique in a basket)."""

    line_ref: str
    quantity: int
    unit_price_cents: int
    item_id: str | None = None
    name: str = ""
    category: str = ""
    tags: frozenset[str] = frozenset()
    menu_category: str = ""  # the menu category id of a menu item's line ("" for an open-price line)

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class LineDiscount:
    """`amount_cents` off line `line_ref`, given by rule `rule_id` (`MANAGER_RULE_ID` with the reason
    for a manager discount)."""

    line_ref: str
    rule_id: str
    rule_name: str
    amount_cents: int
    reason: str = ""


# ---- rules -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimeWindow:
    """Local time `start` (inclusive) to `end` (exclusive) on `days` (0 = Monday). When `end` is not
    after `start` the window crosses midnight and belongs to the day it starts on: Fri 22:00-02:00
    covers Saturday 01:30."""

    days: frozenset[int]
    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def contains(self, local: datetime) -> bool:
        day, now = local.weekday(), local.time().replace(tzinfo=None)
        if not self.crosses_midnight:
            return day in self.days and self.start <= now < self.end
        return (day in self.days and now >= self.start) or ((day - 1) % 7 in self.days and now < self.end)


@dataclass(frozen=True)
class Target:
    """The lines a rule is for: any line matching one of the item ids, categories or tags; a target
    naming nothing is the whole basket. A category is matched against the line's tax category
    (prepared_food, alcohol, ...) and its menu category id, on a check as in a quote."""

    item_ids: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    @property
    def whole_basket(self) -> bool:
        return not (self.item_ids or self.categories or self.tags)

    def matches(self, line: BasketLine) -> bool:
        return (self.whole_basket or (line.item_id is not None and line.item_id in self.item_ids)
                or line.category in self.categories or (bool(line.menu_category) and line.menu_category in self.categories)
                or bool(self.tags & line.tags))


@dataclass(frozen=True)
class PercentOff:
    percent: Decimal
    kind = "percent_off"


@dataclass(frozen=True)
class AmountOff:
    """`amount_cents` off every unit (never below zero)."""

    amount_cents: int
    kind = "amount_off"


@dataclass(frozen=True)
class FixedPrice:
    """Every unit at `unit_price_cents` (a unit already cheaper stays as it is)."""

    unit_price_cents: int
    kind = "fixed_price"


@dataclass(frozen=True)
class BuyXGetY:
    """For every `buy` units, `get` more at `percent` off (100 = free): the cheapest ones."""

    buy: int
    get: int
    percent: Decimal = Decimal(100)
    kind = "buy_x_get_y"


Effect = PercentOff | AmountOff | FixedPrice | BuyXGetY
EFFECT_KINDS = ("percent_off", "amount_off", "fixed_price", "buy_x_get_y")


@dataclass(frozen=True)
class PricingRule:
    rule_id: str
    tenant_id: uuid.UUID
    name: str
    effect: Effect
    location_id: uuid.UUID | None = None  # None: every location of the tenant
    target: Target = Target()
    windows: tuple[TimeWindow, ...] = ()  # none: all day, every day
    min_quantity: int = 1
    starts_on: date | None = None
    ends_on: date | None = None
    priority: int = 0
    exclusive: bool = False
    active: bool = True
    version: int = 1

    @property
    def sort_key(self) -> tuple[int, str]:
        return (-self.priority, self.rule_id)

    def in_effect_at(self, local: datetime) -> bool:
        """Active, dated and windowed to include `local` (the location's wall-clock time)."""
        day = local.date()
        return (self.active and (self.starts_on is None or day >= self.starts_on)
                and (self.ends_on is None or day <= self.ends_on)
                and (not self.windows or any(window.contains(local) for window in self.windows)))


# ---- the engine --------------------------------------------------------------------------------

def apply_rules(lines: Sequence[BasketLine], rules: Iterable[PricingRule], local_time: datetime) -> list[LineDiscount]:
    """The discounts `rules` give `lines` at `local_time` (the location's wall clock), by line in
    basket order, then in the order the rules applied. Only discounts of at least a cent are listed."""
    _check_refs(lines)
    ordered = sorted(_unique(rules).values(), key=lambda rule: rule.sort_key)
    eligible = [rule for rule in ordered if rule.in_effect_at(local_time)
                and sum(line.quantity for line in lines if rule.target.matches(line)) >= rule.min_quantity]
    applied: dict[str, set[str]] = {}  # line_ref -> ids of the rules that apply to it
    for line in lines:
        targeting = [rule for rule in eligible if rule.target.matches(line)]
        exclusive = [rule for rule in targeting if rule.exclusive]
        applied[line.line_ref] = {rule.rule_id for rule in (exclusive[:1] if exclusive else targeting)}
    left = {line.line_ref: line.amount_cents for line in lines}
    given: dict[str, list[LineDiscount]] = {line.line_ref: [] for line in lines}
    for rule in eligible:
        mine = [line for line in lines if rule.rule_id in applied[line.line_ref]]
        for ref, exact in _effect_amounts(rule.effect, mine, left).items():
            cents = min(round_half_up(exact), left[ref])
            if cents > 0:
                left[ref] -= cents
                given[ref].append(LineDiscount(ref, rule.rule_id, rule.name, cents))
    return [discount for line in lines for discount in given[line.line_ref]]


def _unique(rules: Iterable[PricingRule]) -> dict[str, PricingRule]:
    by_id: dict[str, PricingRule] = {}
    for rule in rules:
        if by_id.setdefault(rule.rule_id, rule) != rule:
            raise ValueError(f"two different rules share the id {rule.rule_id}")
    return by_id


def _effect_amounts(effect: Effect, lines: list[BasketLine], left: dict[str, int]) -> dict[str, Fraction]:
    """The exact (unrounded) discount `effect` gives each of `lines`, on what is `left` of them."""
    if isinstance(effect, PercentOff):
        return {line.line_ref: percent_of(left[line.line_ref], effect.percent) for line in lines}
    if isinstance(effect, AmountOff):
        return {line.line_ref: Fraction(effect.amount_cents * line.quantity) for line in lines}
    if isinstance(effect, FixedPrice):
        return {line.line_ref: Fraction(max(0, left[line.line_ref] - effect.unit_price_cents * line.quantity))
                for line in lines}
    return _buy_x_get_y(effect, lines, left)


def _buy_x_get_y(effect: BuyXGetY, lines: list[BasketLine], left: dict[str, int]) -> dict[str, Fraction]:
    units = sum(line.quantity for line in lines)
    reduced = units // (effect.buy + effect.get) * effect.get
    amounts: dict[str, Fraction] = {}
    cheapest_first = sorted((line for line in lines if line.quantity),
                            key=lambda line: (Fraction(left[line.line_ref], line.quantity), line.line_ref))
    for line in cheapest_first:
        if reduced <= 0:
            break
        taken = min(reduced, line.quantity)
        reduced -= taken
        unit_left = Fraction(left[line.line_ref], line.quantity)
        amounts[line.line_ref] = percent_of(unit_left * taken, effect.percent)
    return amounts


# ---- manager discounts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ManagerDiscount:
    """A manager's discount with its reason: `percent` or `amount_cents`, on `line_ref` or (None)
    the whole check."""

    reason: str
    percent: Decimal | None = None
    amount_cents: int | None = None
    line_ref: str | None = None


def apply_manager_discounts(lines: Sequence[BasketLine], discounts: Sequence[ManagerDiscount],
                            already: Sequence[LineDiscount] = ()) -> list[LineDiscount]:
    """The manager discounts, in the order given, on what the rules (`already`) left of each line.
    A check-level discount is split over the lines by `allocate`; amounts are capped at what is left."""
    _check_refs(lines)
    left = {line.line_ref: line.amount_cents for line in lines}
    for discount in already:
        left[discount.line_ref] -= discount.amount_cents
    given: list[LineDiscount] = []
    for index, discount in enumerate(discounts):
        name = f"manager discount: {discount.reason}"
        if discount.line_ref is not None:
            if discount.line_ref not in left:
                raise InvalidInput("no such line in the basket", field=f"manager_discounts[{index}].line_ref")
            wanted = (round_half_up(percent_of(left[discount.line_ref], discount.percent))
                      if discount.percent is not None else discount.amount_cents or 0)
            parts = {discount.line_ref: min(wanted, left[discount.line_ref])}
        else:
            refs = [line.line_ref for line in lines]
            check_left = sum(left.values())
            wanted = (round_half_up(percent_of(check_left, discount.percent))
                      if discount.percent is not None else discount.amount_cents or 0)
            parts = dict(zip(refs, allocate(min(wanted, check_left), [left[ref] for ref in refs]), strict=True))
        for ref, cents in parts.items():
            if cents > 0:
                left[ref] -= cents
                given.append(LineDiscount(ref, MANAGER_RULE_ID, name, cents, discount.reason))
    return given


# ---- a priced basket ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PricedLine:
    line: BasketLine
    discounts: tuple[LineDiscount, ...]

    @property
    def discount_cents(self) -> int:
        return sum(discount.amount_cents for discount in self.discounts)

    @property
    def total_cents(self) -> int:
        return self.line.amount_cents - self.discount_cents


@dataclass(frozen=True)
class Quote:
    lines: tuple[PricedLine, ...]
    local_time: datetime
    time_zone: str
    discounts: tuple[LineDiscount, ...] = field(default=())

    @property
    def subtotal_cents(self) -> int:
        return sum(priced.line.amount_cents for priced in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(priced.discount_cents for priced in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


def price_basket(lines: Sequence[BasketLine], rules: Iterable[PricingRule], local_time: datetime,
                 time_zone: str = "", manager_discounts: Sequence[ManagerDiscount] = ()) -> Quote:
    """The rules, then the manager discounts, on `lines`: each line with what took how much off it."""
    by_rules = apply_rules(lines, rules, local_time)
    every = [*by_rules, *apply_manager_discounts(lines, manager_discounts, by_rules)]
    priced = tuple(PricedLine(line, tuple(d for d in every if d.line_ref == line.line_ref)) for line in lines)
    return Quote(priced, local_time, time_zone, tuple(d for p in priced for d in p.discounts))


def _check_refs(lines: Sequence[BasketLine]) -> None:
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if line.line_ref in seen:
            raise InvalidInput("two lines have the same line_ref", field=f"lines[{index}].line_ref")
        seen.add(line.line_ref)


# ---- building rules from input (every refusal names its field) --------------------------------------

@dataclass(frozen=True)
class RuleInput:
    """A rule as a client sends it (JSON-shaped). `build_rule` checks it and makes the PricingRule."""

    name: str
    effect: dict
    location_id: str | None = None
    target: dict | None = None
    windows: list[dict] = field(default_factory=list)
    min_quantity: int = 1
    starts_on: str | None = None
    ends_on: str | None = None
    priority: int = 0
    exclusive: bool = False
    active: bool = True


def build_rule(data: RuleInput, *, rule_id: str, tenant_id: uuid.UUID, location_id: uuid.UUID | None,
               version: int = 1) -> PricingRule:
    name = data.name.strip() if isinstance(data.name, str) else ""
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"must be 1 to {MAX_NAME} characters", field="name")
    starts_on, ends_on = _date(data.starts_on, "starts_on"), _date(data.ends_on, "ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput("must not be before starts_on", field="ends_on")
    return PricingRule(
        rule_id=rule_id, tenant_id=tenant_id, name=name, effect=parse_effect(data.effect),
        location_id=location_id, target=_target(data.target or {}),
        windows=tuple(_window(window, f"windows[{i}]") for i, window in enumerate(_list(data.windows, "windows",
                                                                                          MAX_WINDOWS))),
        min_quantity=_int(data.min_quantity, "min_quantity", 1, MAX_QUANTITY),
        starts_on=starts_on, ends_on=ends_on,
        priority=_int(data.priority, "priority", -MAX_PRIORITY, MAX_PRIORITY),
        exclusive=_bool(data.exclusive, "exclusive"), active=_bool(data.active, "active"), version=version)


def revise(rule: PricingRule, data: RuleInput, *, expected_version: int, location_id: uuid.UUID | None) -> PricingRule:
    """`rule` replaced by `data`, one version on; StaleVersion when the client edited an older one."""
    if expected_version != rule.version:
        raise StaleVersion(f"the rule is at version {rule.version}, not {expected_version}", field="version")
    return build_rule(data, rule_id=rule.rule_id, tenant_id=rule.tenant_id, location_id=location_id,
                      version=rule.version + 1)


def deactivated(rule: PricingRule) -> PricingRule:
    return replace(rule, active=False, version=rule.version + 1)


def parse_effect(data: object, field_name: str = "effect") -> Effect:
    if not isinstance(data, dict):
        raise InvalidInput("must be an object with a type", field=field_name)
    kind = data.get("type")
    allowed = {"percent_off": {"percent"}, "amount_off": {"amount_cents"}, "fixed_price": {"unit_price_cents"},
               "buy_x_get_y": {"buy", "get", "percent"}}
    if kind not in allowed:
        raise InvalidInput(f"unknown effect; one of {', '.join(EFFECT_KINDS)}", field=f"{field_name}.type")
    extra = sorted(set(data) - allowed[kind] - {"type"})
    if extra:
        raise InvalidInput(f"not a field of {kind}", field=f"{field_name}.{extra[0]}")
    if kind == "percent_off":
        return PercentOff(parse_percent(data.get("percent"), f"{field_name}.percent"))
    if kind == "amount_off":
        return AmountOff(_int(data.get("amount_cents"), f"{field_name}.amount_cents", 1, MAX_CENTS))
    if kind == "fixed_price":
        return FixedPrice(_int(data.get("unit_price_cents"), f"{field_name}.unit_price_cents", 0, MAX_CENTS))
    percent = data.get("percent", 100)
    return BuyXGetY(_int(data.get("buy"), f"{field_name}.buy", 1, MAX_QUANTITY),
                    _int(data.get("get"), f"{field_name}.get", 1, MAX_QUANTITY),
                    parse_percent(percent, f"{field_name}.percent"))


def parse_percent(value: object, field_name: str) -> Decimal:
    """0 < percent <= 100 with at most PERCENT_PLACES decimals; strings ("12.5") keep their exact value."""
    if isinstance(value, bool) or not isinstance(value, (int, str, float, Decimal)):
        raise InvalidInput("must be a number between 0 and 100", field=field_name)
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput("must be a number between 0 and 100", field=field_name) from None
    if not percent.is_finite() or not Decimal(0) < percent <= Decimal(100):
        raise InvalidInput("must be more than 0 and at most 100", field=field_name)
    if percent.as_tuple().exponent < -PERCENT_PLACES:  # type: ignore[operator]
        raise InvalidInput(f"at most {PERCENT_PLACES} decimal places", field=field_name)
    return percent


def _target(data: object) -> Target:
    if not isinstance(data, dict):
        raise InvalidInput("must be an object", field="target")
    extra = sorted(set(data) - {"item_ids", "categories", "tags"})
    if extra:
        raise InvalidInput("not a target field (item_ids, categories, tags)", field=f"target.{extra[0]}")
    return Target(*(frozenset(_names(data.get(key) or [], f"target.{key}"))
                    for key in ("item_ids", "categories", "tags")))


def _names(values: object, field_name: str) -> list[str]:
    names = _list(values, field_name, MAX_TARGETS)
    for index, value in enumerate(names):
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
            raise InvalidInput(f"must be a name of 1 to {MAX_NAME} characters", field=f"{field_name}[{index}]")
    return [value.strip() for value in names]


def _window(data: object, field_name: str) -> TimeWindow:
    if not isinstance(data, dict):
        raise InvalidInput("must be an object with days, start and end", field=field_name)
    days = _list(data.get("days"), f"{field_name}.days", 7)
    if not days:
        raise InvalidInput(f"name at least one day ({', '.join(DAYS)})", field=f"{field_name}.days")
    indexes = set()
    for index, day in enumerate(days):
        if not isinstance(day, str) or day.lower() not in DAYS:
            raise InvalidInput(f"not a day; one of {', '.join(DAYS)}", field=f"{field_name}.days[{index}]")
        indexes.add(DAYS.index(day.lower()))
    start, end = _hh_mm(data.get("start"), f"{field_name}.start"), _hh_mm(data.get("end"), f"{field_name}.end")
    if start == end:
        raise InvalidInput("must differ from start (leave windows out for all day)", field=f"{field_name}.end")
    return TimeWindow(frozenset(indexes), start, end)


def _hh_mm(value: object, field_name: str) -> time:
    match = _HH_MM.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidInput("must be a local time HH:MM (00:00 to 23:59)", field=field_name)
    return time(int(match[1]), int(match[2]))


def _date(value: object, field_name: str) -> date | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("must be a date YYYY-MM-DD", field=field_name) from None


def _int(value: object, field_name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"must be a whole number from {low} to {high}", field=field_name)
    return value


def _bool(value: object, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("must be true or false", field=field_name)
    return value


def _list(value: object, field_name: str, most: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > most:
        raise InvalidInput(f"must be a list of at most {most}", field=field_name)
    return value


def build_manager_discount(data: dict, field_name: str) -> ManagerDiscount:
    """{"reason", "percent" | "amount_cents", "line_ref"?} checked, naming the field."""
    if not isinstance(data, dict):
        raise InvalidInput("must be an object", field=field_name)
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_NAME:
        raise InvalidInput(f"a manager discount needs a reason of 1 to {MAX_NAME} characters",
                           field=f"{field_name}.reason")
    percent, amount = data.get("percent"), data.get("amount_cents")
    if (percent is None) == (amount is None):
        raise InvalidInput("give either percent or amount_cents", field=f"{field_name}.percent")
    line_ref = data.get("line_ref")
    if line_ref is not None and (not isinstance(line_ref, str) or not line_ref):
        raise InvalidInput("must be the line_ref of a line of the basket", field=f"{field_name}.line_ref")
    return ManagerDiscount(
        reason.strip(),
        percent=parse_percent(percent, f"{field_name}.percent") if percent is not None else None,
        amount_cents=_int(amount, f"{field_name}.amount_cents", 1, MAX_CENTS) if amount is not None else None,
        line_ref=line_ref)


# ---- rules as plain data (JSON columns, REST) ------------------------------------------------------

def effect_to_data(effect: Effect) -> dict:
    """The effect as `parse_effect` reads it back; percentages as strings (exact)."""
    if isinstance(effect, PercentOff):
        return {"type": effect.kind, "percent": str(effect.percent)}
    if isinstance(effect, AmountOff):
        return {"type": effect.kind, "amount_cents": effect.amount_cents}
    if isinstance(effect, FixedPrice):
        return {"type": effect.kind, "unit_price_cents": effect.unit_price_cents}
    return {"type": effect.kind, "buy": effect.buy, "get": effect.get, "percent": str(effect.percent)}


def window_to_data(window: TimeWindow) -> dict:
    return {"days": [DAYS[day] for day in sorted(window.days)], "start": window.start.strftime("%H:%M"),
            "end": window.end.strftime("%H:%M")}


def target_to_data(target: Target) -> dict:
    return {"item_ids": sorted(target.item_ids), "categories": sorted(target.categories), "tags": sorted(target.tags)}


def windows_from_data(data: list[dict]) -> tuple[TimeWindow, ...]:
    return tuple(_window(window, f"windows[{index}]") for index, window in enumerate(data))
