"""Payroll-tax rule rows: the JSON files in `data/` and the loader into the engine's rule objects.

`load_rows()` returns plain dicts, one per effective-dated rule (the same shape a migration will copy
into PostgreSQL and a repository will read back). `load_rulebook()` wraps them for the engine:

    book = load_rulebook()
    rules = book.for_date(date(2026, 3, 6))        # == RuleSet.from_rows(load_rows(), date(2026, 3, 6))
    calculate_withholding(request, rules)

The sales-tax seed data lives apart, in `tax.rules.sales_data`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from tax.domain.payroll.ruleset import RuleBook, RuleSet

DATA_DIR = Path(__file__).parent / "data"

__all__ = ["DATA_DIR", "RuleBook", "RuleSet", "load_rows", "load_rulebook"]


def load_rows(data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    """Every payroll rule row from every `*.json` file (a list of rows each), in file-name order."""
    rows: list[dict[str, Any]] = []
    for path in sorted(data_dir.glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(content, list):
            raise ValueError(f"{path.name}: expected a list of rule rows")
        rows.extend(content)
    return rows


@lru_cache(maxsize=1)
def load_rulebook() -> RuleBook:
    """The packaged rows, validated once per process (read-only afterwards, so sharing it is safe)."""
    return RuleBook(load_rows())
