"""The wage data: effective-dated, sourced, internally consistent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from payroll.domain.pay import PayInputError
from payroll.domain.pay.rules import JURISDICTIONS, wage_rules_for
from payroll.domain.pay.rules.wage_data import WAGE_ROWS

D = Decimal


@pytest.mark.parametrize("state, on, mw, credit, cash", [
    ("CA", date(2026, 3, 6), D("16.90"), D(0), D("16.90")),
    ("CA", date(2025, 3, 7), D("16.50"), D(0), D("16.50")),
    ("PA", date(2026, 3, 6), D("7.25"), D("4.42"), D("2.83")),
    ("TX", date(2026, 3, 6), D("7.25"), D("5.12"), D("2.13")),
    ("TN", date(2026, 3, 6), D("7.25"), D("5.12"), D("2.13")),  # no state rows: the federal ones
])
def test_figures(state, on, mw, credit, cash):
    rules = wage_rules_for(state, on)
    assert (rules.minimum_wage, rules.max_tip_credit, rules.min_cash_wage) == (mw, credit, cash)
    assert rules.sources


def test_every_row_has_a_source_with_a_status_marker():
    for row in WAGE_ROWS:
        assert row.source and any(m in row.source for m in ("[C]", "[S", "[X"))


def test_min_cash_wage_rows_agree_with_minimum_wage_minus_credit():
    for row in WAGE_ROWS:
        if row.key == "min_cash_wage":
            rules = wage_rules_for(row.jurisdiction, row.effective_from) if row.jurisdiction in JURISDICTIONS else None
            if rules:
                assert rules.min_cash_wage == row.value


def test_rows_of_one_key_do_not_overlap():
    keyed: dict = {}
    for row in WAGE_ROWS:
        keyed.setdefault((row.jurisdiction, row.key), []).append(row)
    for rows in keyed.values():
        rows.sort(key=lambda r: r.effective_from)
        for a, b in zip(rows, rows[1:]):
            assert a.effective_to is not None and a.effective_to < b.effective_from


def test_date_outside_the_data_is_refused():
    with pytest.raises(PayInputError) as info:
        wage_rules_for("CA", date(2023, 6, 1))
    assert info.value.field == "pay_date"
