"""Local (city) tax methods registry: locality code -> module with validate(locality, work_state) and
withhold(request, rules, ex) -> (tax, taxable wages)."""

from __future__ import annotations

from types import ModuleType

from . import philadelphia

LOCALS: dict[str, ModuleType] = {"PHILADELPHIA": philadelphia}

__all__ = ["LOCALS"]
