"""Effective-dated rule rows -> the rule objects the engine reads.

A row is plain data (the same shape whether it comes from the JSON files in `tax/rules/data` or,
later, from PostgreSQL):

    {"jurisdiction": "US", "tax": "fica", "key": "ss_wage_base",
     "effective_from": "2026-01-01", "effective_to": "2026-12-31",   # inclusive; null = open-ended
     "value": "184500",                # or "brackets": [{"at_least"|"over": .., "base": .., "rate": ..}]
     "source": "IRS-PUB15-2026 [C]"}

Numbers are strings so that no float ever touches them; they become Decimal here. Values may be
nested lists/objects (e.g. a table keyed by pay frequency); numeric strings inside are converted too.

`RuleSet` is the selection of rows in force on one date, plus a `version` (hash of the selected
rows) that a pay stub can record. `RuleBook` holds all rows once and hands out one cached RuleSet per
validity window, so a batch spanning many pay dates parses each window once.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

ROW_FIELDS = {"jurisdiction", "tax", "key", "effective_from", "effective_to", "value", "brackets", "source"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_MISSING = object()


class RuleDataError(ValueError):
    """A rule row is malformed, or two rows for one key overlap, or a needed rule is absent."""


class BracketTable:
    """A rate schedule: rows of (threshold, base amount, rate); tax = base + rate x (x - threshold).

    Two table conventions exist and they differ exactly on a threshold:
    * "at_least" (Pub 15-T): the row applies when x >= A and x < B;
    * "over" (EDD DE 44):    the row applies when x > A and x <= B.
    At x = 213 the CA weekly schedule must give 0 + 1.1% x 213 = 2.343, not the next row's 2.34.
    """

    __slots__ = ("thresholds", "bases", "rates", "at_least")

    def __init__(self, rows: Sequence[tuple[Decimal, Decimal, Decimal]], at_least: bool):
        if not rows:
            raise RuleDataError("a bracket table needs at least one row")
        thresholds = [r[0] for r in rows]
        if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
            raise RuleDataError("bracket thresholds must be strictly increasing")
        if thresholds[0] != 0:
            raise RuleDataError("the first bracket must start at 0")
        self.thresholds = tuple(thresholds)
        self.bases = tuple(r[1] for r in rows)
        self.rates = tuple(r[2] for r in rows)
        self.at_least = at_least

    def row_for(self, x: Decimal) -> int:
        """Index of the row that applies to x (x >= 0); -1 for x <= 0 in an "over" table."""
        if self.at_least:
            return bisect_right(self.thresholds, x) - 1
        return bisect_left(self.thresholds, x) - 1

    def __len__(self) -> int:
        return len(self.thresholds)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BracketTable)
            and (self.thresholds, self.bases, self.rates, self.at_least)
            == (other.thresholds, other.bases, other.rates, other.at_least)
        )

    def __repr__(self) -> str:
        kind = "at_least" if self.at_least else "over"
        rows = ", ".join(f"({t}, {b}, {r})" for t, b, r in zip(self.thresholds, self.bases, self.rates))
        return f"BracketTable({kind}: {rows})"


def parse_value(raw: Any) -> Any:
    """JSON value -> engine value: numeric strings become Decimal, lists become tuples."""
    if isinstance(raw, str):
        return Decimal(raw) if _NUMBER.match(raw) else raw
    if isinstance(raw, bool) or raw is None:
        return raw
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        raise RuleDataError(f"float {raw!r} in rule data: write numbers as strings")
    if isinstance(raw, list):
        return tuple(parse_value(v) for v in raw)
    if isinstance(raw, dict):
        return {k: parse_value(v) for k, v in raw.items()}
    raise RuleDataError(f"unsupported value {raw!r}")


def parse_brackets(raw: Any) -> BracketTable:
    if not isinstance(raw, list) or not raw:
        raise RuleDataError("brackets must be a non-empty list")
    kinds = {("at_least" if "at_least" in r else "over") for r in raw if isinstance(r, dict)}
    if len(kinds) != 1 or not all(isinstance(r, dict) for r in raw):
        raise RuleDataError("every bracket must be an object using one of 'at_least' or 'over'")
    kind = kinds.pop()
    rows = []
    for r in raw:
        if set(r) != {kind, "base", "rate"}:
            raise RuleDataError(f"bracket {r!r} must have exactly {kind!r}, 'base', 'rate'")
        values = [r[kind], r["base"], r["rate"]]
        if not all(isinstance(v, str) and _NUMBER.match(v) for v in values):
            raise RuleDataError(f"bracket {r!r}: numbers must be decimal strings")
        rows.append(tuple(Decimal(v) for v in values))
    return BracketTable(rows, at_least=(kind == "at_least"))


def _parse_date(raw: Any, where: str) -> date:
    if not isinstance(raw, str):
        raise RuleDataError(f"{where}: must be an ISO date string")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RuleDataError(f"{where}: {raw!r} is not an ISO date") from None


class _Row:
    """A validated row: the raw dict (kept for hashing and for the database) and its parsed value."""

    __slots__ = ("raw", "ident", "start", "end", "value")

    def __init__(self, raw: Mapping[str, Any], index: int):
        where = f"rows[{index}]"
        if not isinstance(raw, Mapping):
            raise RuleDataError(f"{where}: must be an object")
        unknown = set(raw) - ROW_FIELDS
        if unknown:
            raise RuleDataError(f"{where}: unknown field(s) {sorted(unknown)}")
        for field in ("jurisdiction", "tax", "key", "source"):
            if not isinstance(raw.get(field), str) or not raw[field].strip():
                raise RuleDataError(f"{where}.{field}: must be a non-empty string")
        if ("value" in raw) == ("brackets" in raw):
            raise RuleDataError(f"{where}: exactly one of 'value' or 'brackets' is required")
        self.raw = dict(raw)
        self.ident = (raw["jurisdiction"], raw["tax"], raw["key"])
        self.start = _parse_date(raw.get("effective_from"), f"{where}.effective_from")
        end = raw.get("effective_to")
        self.end = None if end is None else _parse_date(end, f"{where}.effective_to")
        if self.end is not None and self.end < self.start:
            raise RuleDataError(f"{where}: effective_to is before effective_from")
        try:
            self.value = parse_brackets(raw["brackets"]) if "brackets" in raw else parse_value(raw["value"])
        except RuleDataError as exc:
            raise RuleDataError(f"{where} {self.ident}: {exc}") from None

    def in_force(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


class RuleSet:
    """The rules in force on one date. Read-only; derived objects are memoised per RuleSet."""

    __slots__ = ("as_of", "valid_from", "valid_to", "version", "_values", "_rows", "_memo")

    def __init__(self, as_of: date, rows: Sequence[_Row], valid_from: date, valid_to: date):
        self.as_of = as_of
        self.valid_from = valid_from
        self.valid_to = valid_to
        self._rows = tuple(sorted(rows, key=lambda r: r.ident))
        self._values = {r.ident: r.value for r in self._rows}
        canonical = json.dumps([r.raw for r in self._rows], sort_keys=True, separators=(",", ":"))
        self.version = "payroll-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
        self._memo: dict[str, Any] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], as_of: date) -> RuleSet:
        """Pick the rows effective on `as_of` (e.g. the pay date) from plain row dicts."""
        return RuleBook(rows).for_date(as_of)

    def value(self, jurisdiction: str, tax: str, key: str) -> Any:
        try:
            return self._values[(jurisdiction, tax, key)]
        except KeyError:
            raise RuleDataError(
                f"no rule {jurisdiction}/{tax}/{key} is in force on {self.as_of.isoformat()}"
            ) from None

    def get(self, jurisdiction: str, tax: str, key: str, default: Any = None) -> Any:
        return self._values.get((jurisdiction, tax, key), default)

    def covers(self, d: date) -> bool:
        """True when exactly these rules are in force on `d` (same validity window)."""
        return self.valid_from <= d <= self.valid_to

    def memo(self, name: str, build: Callable[[RuleSet], Any]) -> Any:
        """Build a module's parameter object once per RuleSet (the hot path then reads attributes)."""
        try:
            return self._memo[name]
        except KeyError:
            obj = self._memo[name] = build(self)
            return obj

    def rows(self) -> list[dict[str, Any]]:
        """The selected rows as plain dicts (e.g. to show which rules produced a result)."""
        return [dict(r.raw) for r in self._rows]

    def __repr__(self) -> str:
        return f"RuleSet(as_of={self.as_of}, window={self.valid_from}..{self.valid_to}, {self.version})"


class RuleBook:
    """All rows, validated once; `for_date(d)` / `book[d]` return the RuleSet in force on d.

    Dates are grouped into validity windows (between consecutive effective_from / effective_to+1
    boundaries); one RuleSet is built per window and reused, so its memoised parameters are too.
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]]):
        self._rows = [_Row(raw, i) for i, raw in enumerate(rows)]
        self._check_overlaps()
        bounds = {r.start for r in self._rows}
        bounds.update(r.end + timedelta(days=1) for r in self._rows if r.end is not None and r.end < date.max)
        self._bounds = sorted(bounds)
        self._by_window: dict[int, RuleSet] = {}

    def _check_overlaps(self) -> None:
        by_ident: dict[tuple[str, str, str], list[_Row]] = {}
        for r in self._rows:
            by_ident.setdefault(r.ident, []).append(r)
        for ident, rows in by_ident.items():
            rows.sort(key=lambda r: r.start)
            for a, b in zip(rows, rows[1:]):
                if a.end is None or a.end >= b.start:
                    raise RuleDataError(f"rule {'/'.join(ident)} has overlapping rows from {a.start} and {b.start}")

    def for_date(self, d: date) -> RuleSet:
        i = bisect_right(self._bounds, d)  # window i spans [bounds[i-1], bounds[i])
        cached = self._by_window.get(i)
        if cached is None:
            start = self._bounds[i - 1] if i > 0 else date.min
            end = self._bounds[i] - timedelta(days=1) if i < len(self._bounds) else date.max
            selected = [r for r in self._rows if r.in_force(d)]
            cached = self._by_window[i] = RuleSet(d, selected, start, end)
        return cached

    __getitem__ = for_date

    def rows(self) -> list[dict[str, Any]]:
        return [dict(r.raw) for r in self._rows]
