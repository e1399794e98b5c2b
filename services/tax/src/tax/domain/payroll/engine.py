"""calculate_withholding: one employee-period in, every payroll tax out (pure; no I/O).

The caller picks the RuleSet for the pay date (RuleBook.for_date / RuleSet.from_rows); the engine
refuses a RuleSet whose validity window does not contain the pay date, so 2025 tables can never be
applied to a 2026 paycheck by mistake.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from decimal import localcontext

from . import federal, fica, futa
from .locals import LOCALS
from .model import (
    EmployeeTaxes,
    EmployerTaxes,
    TaxableWages,
    WithholdingRequest,
    WithholdingResult,
)
from .money import ENGINE_CONTEXT, ZERO
from .ruleset import RuleSet
from .states import STATES

RulesByDate = Mapping | Callable


def calculate_withholding(req: WithholdingRequest, rules: RuleSet) -> WithholdingResult:
    _check_window(req, rules)
    with localcontext(ENGINE_CONTEXT):
        return _calculate(req, rules)


def calculate_withholding_batch(requests: Iterable[WithholdingRequest], rules_by_date: RulesByDate) -> list[WithholdingResult]:
    """Same results as calling calculate_withholding one by one, in order.

    `rules_by_date` maps a pay date to its RuleSet: a RuleBook, a dict, or a callable. It is asked
    once per distinct pay date in the batch; each RuleSet caches its parsed parameters, so the
    per-request work is only arithmetic.
    """
    resolve = rules_by_date.__getitem__ if hasattr(rules_by_date, "__getitem__") else rules_by_date
    by_date: dict = {}
    out = []
    append = out.append
    with _gc_paused(), localcontext(ENGINE_CONTEXT):
        for req in requests:
            rules = by_date.get(req.pay_date)
            if rules is None:
                rules = by_date[req.pay_date] = resolve(req.pay_date)
                _check_window(req, rules)
            append(_calculate(req, rules))
    return out


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a batch runs.

    The engine allocates only acyclic objects (Decimals, tuples), which reference counting frees; the
    cyclic collector finds nothing to free here but keeps re-scanning the results retained so far,
    which measured ~40% of batch time. Concurrent batches (threads) share one pause: the first in
    disables the collector, the last out restores whatever state the first one found.
    """
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


def _check_window(req: WithholdingRequest, rules: RuleSet) -> None:
    if not rules.covers(req.pay_date):
        raise ValueError(
            f"rules {rules.version} are in force {rules.valid_from}..{rules.valid_to}, "
            f"not on pay_date {req.pay_date}"
        )


def _calculate(req: WithholdingRequest, rules: RuleSet) -> WithholdingResult:
    blocks: list = []
    ex = blocks.append  # each module appends one (template, values) explanation block
    fit, fit_wages = federal.withhold(req, rules, ex)
    ss, medicare, addl, er_ss, er_medicare, ss_wages, medicare_wages = fica.withhold(req, rules, ex)
    st = STATES[req.work_state].withhold(req, rules, ex)
    if req.locality is not None:
        local_tax, local_wages = LOCALS[req.locality.code].withhold(req, rules, ex)
    else:
        local_tax = local_wages = ZERO
    futa_tax, futa_wages = futa.futa(req, rules, ex)
    suta_tax, suta_wages = futa.suta(req, rules, ex)
    # tuple.__new__ builds the NamedTuples without their Python-level __new__ (hot path).
    return WithholdingResult(
        _new(EmployeeTaxes, (fit, ss, medicare, addl, st[0], st[1], st[2], local_tax)),
        _new(EmployerTaxes, (er_ss, er_medicare, futa_tax, suta_tax)),
        _new(TaxableWages, (fit_wages, ss_wages, medicare_wages, st[3], local_wages, futa_wages, suta_wages)),
        tuple(blocks),
        rules.version,
    )


_new = tuple.__new__
