"""Risk rules as data: the defaults (risk_data/default_rules.json) and a tenant's overrides.

A tenant's settings are a partial document of the same shape as the defaults; the rules a tenant
runs with are the defaults with its overrides laid over them (`effective_rules`). Every value is
checked here, so a bad setting is refused when it is saved (422 naming the field, e.g.
`rules.voids_per_shift.max_count`), never found when an event is judged.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from importlib import resources

from chassis.errors import InvalidInput

MAX_SCORE = 1000
MAX_COUNT = 10_000
MAX_SHIFTS = 12
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SHIFT_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")

# Each rule's parameters besides `enabled` and `score`: name -> (kind, low, high).
PARAMETERS: dict[str, dict[str, tuple[str, object, object]]] = {
    "voids_per_shift": {"max_count": ("int", 0, MAX_COUNT)},
    "discounts_per_shift": {"max_count": ("int", 0, MAX_COUNT)},
    "discount_percent": {"max_percent": ("decimal", Decimal(0), Decimal(100))},
    "void_after_payment": {},
    "refund_over_paid": {},
    "order_total_outlier": {"multiple": ("decimal", Decimal(1), Decimal(1000)), "min_orders": ("int", 1, MAX_COUNT),
                            "days": ("int", 1, 366)},
    "card_velocity": {"max_uses": ("int", 1, MAX_COUNT), "window_minutes": ("int", 1, 24 * 60)},
    "edited_after_close": {},
}
RULE_CODES = tuple(PARAMETERS)


@dataclass(frozen=True)
class Shift:
    """A named stretch of the local day; `end` <= `start` crosses midnight (it belongs to the day it starts)."""

    name: str
    start: time
    end: time


@dataclass(frozen=True)
class Rule:
    code: str
    enabled: bool
    score: int
    params: dict

    def param(self, name: str):
        return self.params[name]


@dataclass(frozen=True)
class RiskRules:
    version: str
    flag_threshold: int
    hold_flagged_orders: bool
    shifts: tuple[Shift, ...]
    rules: dict[str, Rule]

    def rule(self, code: str) -> Rule | None:
        """The rule when it is on, else None."""
        found = self.rules.get(code)
        return found if found is not None and found.enabled else None


def default_document() -> dict:
    text = resources.files("orders.domain").joinpath("risk_data/default_rules.json").read_text(encoding="utf-8")
    return json.loads(text)


def effective_rules(overrides: dict | None = None) -> RiskRules:
    """The defaults with a tenant's overrides laid over them, checked."""
    return parse_rules(merged(default_document(), overrides or {}))


def merged(base: dict, overrides: dict) -> dict:
    """Dictionaries merge key by key (rules.<code>.<param>); anything else (shifts) replaces."""
    result = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def check_overrides(overrides: object) -> dict:
    """A tenant's settings document, or InvalidInput naming its first bad field."""
    if not isinstance(overrides, dict):
        raise InvalidInput("must be an object", field="settings")
    allowed = {"flag_threshold", "hold_flagged_orders", "shifts", "rules"}
    for key in overrides:
        if key not in allowed:
            raise InvalidInput(f"unknown setting (known: {', '.join(sorted(allowed))})",
                               field=str(key)[:60] or "settings")
    rules = overrides.get("rules", {})
    if not isinstance(rules, dict):
        raise InvalidInput("must be an object", field="rules")
    for code, body in rules.items():
        if code not in PARAMETERS:
            raise InvalidInput(f"unknown rule (known: {', '.join(RULE_CODES)})", field=f"rules.{str(code)[:60]}")
        if not isinstance(body, dict):
            raise InvalidInput("must be an object", field=f"rules.{code}")
        for name in body:
            if name not in {"enabled", "score", *PARAMETERS[code]}:
                raise InvalidInput("unknown parameter", field=f"rules.{code}.{str(name)[:60]}")
    effective_rules(overrides)  # every value checked in place
    return overrides


def parse_rules(document: dict) -> RiskRules:
    threshold = _int(document.get("flag_threshold"), "flag_threshold", 1, MAX_SCORE)
    hold = document.get("hold_flagged_orders", False)
    if not isinstance(hold, bool):
        raise InvalidInput("must be true or false", field="hold_flagged_orders")
    shifts = _shifts(document.get("shifts", []))
    raw_rules = document.get("rules", {})
    rules = {code: _rule(code, raw_rules.get(code, {"enabled": False, "score": 0})) for code in RULE_CODES}
    return RiskRules(str(document.get("version", "custom")), threshold, hold, shifts, rules)


def _rule(code: str, body: dict) -> Rule:
    where = f"rules.{code}"
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput("must be true or false", field=f"{where}.enabled")
    score = _int(body.get("score"), f"{where}.score", 0, MAX_SCORE)
    params = {}
    for name, (kind, low, high) in PARAMETERS[code].items():
        value = body.get(name)
        params[name] = (_int(value, f"{where}.{name}", low, high) if kind == "int"
                        else _decimal(value, f"{where}.{name}", low, high))
    return Rule(code, enabled, score, params)


def _shifts(raw: object) -> tuple[Shift, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_SHIFTS:
        raise InvalidInput(f"must be a list of at most {MAX_SHIFTS} shifts", field="shifts")
    shifts, names = [], set()
    for index, item in enumerate(raw):
        where = f"shifts[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput("must be an object {name, start, end}", field=where)
        name = item.get("name")
        if not isinstance(name, str) or not SHIFT_NAME.match(name):
            raise InvalidInput("must be 1-40 of a-z 0-9 _ -", field=f"{where}.name")
        if name in names:
            raise InvalidInput("two shifts have this name", field=f"{where}.name")
        names.add(name)
        start, end = _hhmm(item.get("start"), f"{where}.start"), _hhmm(item.get("end"), f"{where}.end")
        shifts.append(Shift(name, start, end))
    return tuple(shifts)


def _hhmm(value: object, field: str) -> time:
    matched = HHMM.match(value) if isinstance(value, str) else None
    if not matched:
        raise InvalidInput("must be a local time HH:MM", field=field)
    return time(int(matched.group(1)), int(matched.group(2)))


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"must be a whole number from {low} to {high}", field=field)
    return value


def _decimal(value: object, field: str, low: Decimal, high: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInput(f"must be a number from {low} to {high} (a string keeps it exact)", field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"must be a number from {low} to {high}", field=field) from None
    if not number.is_finite() or not low <= number <= high:
        raise InvalidInput(f"must be a number from {low} to {high}", field=field)
    return number
