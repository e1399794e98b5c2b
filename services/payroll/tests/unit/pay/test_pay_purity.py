"""The pay engine is pure domain code: stdlib, decimal, its own modules and chassis.errors only."""

from __future__ import annotations

import ast
from pathlib import Path

import payroll.domain.pay as pay

ALLOWED = {"__future__", "collections", "dataclasses", "datetime", "decimal", "typing", "chassis.errors"}


def test_imports_are_pure():
    root = Path(pay.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name in ALLOWED or name.split(".")[0] in ALLOWED - {"chassis.errors"}, (path.name, name)
