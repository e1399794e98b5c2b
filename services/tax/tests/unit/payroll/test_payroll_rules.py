"""Rule data and RuleSet selection: rows are effective-dated data, consistent with their sources."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from payroll_testkit import calc
from tax.domain.payroll import BracketTable, RuleBook, RuleDataError, RuleSet, WithholdingRequest, calculate_withholding
from tax.rules import load_rows

ROW = {"jurisdiction": "US", "tax": "fica", "key": "ss_wage_base", "effective_from": "2026-01-01",
       "effective_to": "2026-12-31", "value": "184500", "source": "test"}


def test_every_row_is_complete_and_sourced():
    rows = load_rows()
    assert len(rows) > 50
    for row in rows:
        assert {"jurisdiction", "tax", "key", "effective_from", "effective_to", "source"} <= set(row)
        assert ("value" in row) != ("brackets" in row)
        assert row["source"].strip()
    RuleBook(rows)  # validates every row and that no two rows for one key overlap


@pytest.mark.parametrize("day", ["2025-01-01", "2025-06-30", "2025-07-01", "2025-12-31", "2026-01-01", "2026-07-01", "2026-12-31"])
def test_every_supported_pay_date_has_every_rule(day):
    for state in ("CA", "PA", "TX", "FL", "WA", "NV", "SD", "WY", "AK", "TN", "NH"):
        locality = {"code": "PHILADELPHIA", "resident": True} if state == "PA" else None
        calc(pay_date=day, work_state=state, locality=locality)


def test_dates_outside_the_data_fail_loudly():
    with pytest.raises(RuleDataError, match="federal_income_tax"):
        calc(pay_date="2027-01-08")
    with pytest.raises(RuleDataError):
        calc(pay_date="2024-12-27")


def test_ruleset_picks_rows_by_date_and_versions_them():
    rows = load_rows()
    r25, r26 = RuleSet.from_rows(rows, date(2025, 3, 1)), RuleSet.from_rows(rows, date(2026, 3, 1))
    assert r25.value("US", "fica", "ss_wage_base") == 176100
    assert r26.value("US", "fica", "ss_wage_base") == 184500
    assert r25.version != r26.version
    assert RuleSet.from_rows(rows, date(2026, 5, 1)).version == r26.version  # same rows, same version
    # Philadelphia's fiscal-year rate change splits 2025 into two windows; 2026 has none (FY2027 unknown)
    assert r25.covers(date(2025, 6, 30)) and not r25.covers(date(2025, 7, 1))
    assert RuleSet.from_rows(rows, date(2025, 7, 1)).version != r25.version
    assert r26.covers(date(2026, 1, 1)) and r26.covers(date(2026, 12, 31)) and not r26.covers(date(2027, 1, 1))


def test_version_changes_when_a_value_changes():
    changed = dict(ROW, value="184501")
    assert RuleSet.from_rows([ROW], date(2026, 1, 1)).version != RuleSet.from_rows([changed], date(2026, 1, 1)).version


def test_engine_refuses_rules_from_another_window():
    book = RuleBook(load_rows())
    request = WithholdingRequest.from_dict({
        "pay_date": "2026-01-02", "pay_frequency": "weekly", "payment_type": "regular", "wages": "1.00",
        "ytd": {"wages": "0"}, "work_state": "TX", "federal": {"form_version": "2020", "filing_status": "single"}})
    with pytest.raises(ValueError, match="not on pay_date 2026-01-02"):
        calculate_withholding(request, book.for_date(date(2025, 12, 31)))


@pytest.mark.parametrize("bad, message", [
    (dict(ROW, value=184500.0), "float"),
    (dict(ROW, effective_from="2026-13-01"), "effective_from"),
    (dict(ROW, effective_to="2025-01-01"), "before"),
    (dict(ROW, source=""), "source"),
    ({k: v for k, v in ROW.items() if k != "value"}, "exactly one of"),
    (dict(ROW, brackets=[{"over": "0", "base": "0", "rate": "0.1"}]), "exactly one of"),
    (dict(ROW, extra=1), "unknown field"),
])
def test_malformed_rows_are_rejected(bad, message):
    with pytest.raises(RuleDataError, match=message):
        RuleBook([bad])


def test_overlapping_rows_are_rejected():
    with pytest.raises(RuleDataError, match="overlapping"):
        RuleBook([ROW, dict(ROW, effective_from="2026-06-01", effective_to=None)])


def test_bracket_conventions_differ_exactly_on_a_threshold():
    rows = [(Decimal(0), Decimal(0), Decimal("0.1")), (Decimal(100), Decimal(10), Decimal("0.2"))]
    at_least, over = BracketTable(rows, at_least=True), BracketTable(rows, at_least=False)
    assert at_least.row_for(Decimal(100)) == 1  # Pub 15-T: "at least A"
    assert over.row_for(Decimal(100)) == 0      # DE 44: "over A"
    assert over.row_for(Decimal("100.01")) == 1 and at_least.row_for(Decimal("99.99")) == 0


# ---------------------------------------------------------------- federal schedules re-derive from statute


def _derive_federal(std: int, line_1g: int, brackets: list[int], half: bool) -> list[tuple[Decimal, Decimal, Decimal]]:
    """Pub 15-T annual schedule from the standard deduction and brackets (rules reference s.1.1-1.2)."""
    rates = [Decimal(r) for r in ("0.10", "0.12", "0.22", "0.24", "0.32", "0.35", "0.37")]
    f = Decimal("0.5") if half else Decimal(1)
    start = Decimal(std) * f - (0 if half else line_1g)
    rows, base, prev = [(Decimal(0), Decimal(0), Decimal(0)), (start, Decimal(0), rates[0])], Decimal(0), Decimal(0)
    for bracket, rate_below, rate in zip(brackets, rates, rates[1:]):
        width = Decimal(bracket) * f - prev
        base += width * rate_below  # column C from the unrounded half-values
        prev = Decimal(bracket) * f
        rows.append(((start + prev).quantize(Decimal(1), ROUND_HALF_UP), base.quantize(Decimal("0.01"), ROUND_HALF_UP), rate))
    return rows


FEDERAL_STATUTE = {
    # year: (standard deduction, brackets) per status; Rev. Proc. 2025-32 (2026) and 2024-40 (2025)
    2026: {"single": (16100, [12400, 50400, 105700, 201775, 256225, 640600]),
           "married_filing_jointly": (32200, [24800, 100800, 211400, 403550, 512450, 768700]),
           "head_of_household": (24150, [17700, 67450, 105700, 201750, 256200, 640600])},
    2025: {"single": (15000, [11925, 48475, 103350, 197300, 250525, 626350]),
           "married_filing_jointly": (30000, [23850, 96950, 206700, 394600, 501050, 751600]),
           "head_of_household": (22500, [17000, 64850, 103350, 197300, 250500, 626350])},
}


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize("status", ["single", "married_filing_jointly", "head_of_household"])
@pytest.mark.parametrize("kind", ["standard", "step2"])
def test_federal_schedules_match_the_statutory_brackets(year, status, kind):
    rules = RuleSet.from_rows(load_rows(), date(year, 6, 1))
    line_1g = {"married_filing_jointly": 12900}.get(status, 8600)
    assert rules.value("US", "federal_income_tax", "line_1g")[status] == line_1g
    std, brackets = FEDERAL_STATUTE[year][status]
    table = rules.value("US", "federal_income_tax", f"schedule.{kind}.{status}")
    got = list(zip(table.thresholds, table.bases, table.rates))
    assert got == _derive_federal(std, line_1g, brackets, half=(kind == "step2"))


# ---------------------------------------------------------------- California tables


def _derive_ca(annual: dict[str, list[int]]) -> dict[tuple[str, str], list[tuple[int, Decimal]]]:
    """EDD's construction, as the printed 2025 DE 44 tables show it (see the rows' source)."""
    rates = [Decimal(r) for r in ("0.011", "0.022", "0.044", "0.066", "0.088", "0.1023", "0.1133", "0.1243", "0.1353", "0.1463")]
    out = {}
    for period, n, doubled in (("weekly", 52, "biweekly"), ("semimonthly", 24, "monthly")):
        per = {s: [int((Decimal(a) / n).quantize(Decimal(1), ROUND_HALF_UP)) for a in annual[s]] for s in annual}
        married = [2 * per["single"][annual["single"].index(a // 2)] if a < 1_000_000 and a // 2 in annual["single"]
                   else int((Decimal(a) / n).quantize(Decimal(1), ROUND_HALF_UP)) for a in annual["married"]]
        per["married"] = married
        for status, thresholds in per.items():
            for name, ts in ((period, thresholds), (doubled, [2 * t for t in thresholds])):
                rows, base, prev = [(0, Decimal("0.00"))], Decimal(0), 0
                for t, rate in zip(ts, rates):
                    base = (base + (t - prev) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
                    rows.append((t, base))
                    prev = t
                out[(name, status)] = rows
    return out


CA_ANNUAL = {  # FTB thresholds (2024 for the 2025 tables, 2025 for 2026)
    2025: {"single": [10756, 25499, 40245, 55866, 70606, 360659, 432787, 721314, 1000000],
           "married": [21512, 50998, 80490, 111732, 141212, 721318, 865574, 1000000, 1442628],
           "head_of_household": [21527, 51000, 65744, 81364, 96107, 490493, 588593, 980987, 1000000]},
    2026: {"single": [11079, 26264, 41452, 57542, 72724, 371479, 445771, 742953, 1000000],
           "married": [22158, 52528, 82904, 115084, 145448, 742958, 891542, 1000000, 1485906],
           "head_of_household": [22173, 52530, 67716, 83805, 98990, 505208, 606251, 1000000, 1010417]},
}


def _ca_table(year: int, period: str, status: str):
    rules = RuleSet.from_rows(load_rows(), date(year, 6, 1))
    return rules.value("CA", "state_income_tax", f"schedule.{period}.{status}")


@pytest.mark.parametrize("year", [2025, 2026])
def test_ca_schedules_follow_the_documented_construction(year):
    derived = _derive_ca(CA_ANNUAL[year])
    for (period, status), rows in derived.items():
        table = _ca_table(year, period, status)
        assert list(zip(table.thresholds, table.bases)) == rows, (period, status)
        assert not table.at_least  # "over ... but not over"


def test_ca_2026_weekly_single_is_the_published_table():
    published = [(0, "0"), (213, "2.34"), (505, "8.76"), (797, "21.61"), (1107, "42.07"), (1399, "67.77"),
                 (7144, "655.48"), (8573, "817.39"), (14288, "1527.76"), (19231, "2196.55")]
    table = _ca_table(2026, "weekly", "single")
    assert list(zip(table.thresholds, table.bases)) == [(t, Decimal(b)) for t, b in published]
    assert table.rates[-1] == Decimal("0.1463")


@pytest.mark.parametrize("period, status, first_rows", [
    # independent check: the printed 2025 DE 44 rows as transcribed in forma-offline california/2025.ts
    ("monthly", "single", [(896, "9.86"), (2124, "36.88"), (3354, "91.00"), (4656, "176.93")]),
    ("monthly", "married", [(1792, "19.71"), (4248, "73.74"), (6708, "181.98"), (9312, "353.84")]),
    ("monthly", "head_of_household", [(1794, "19.73"), (4250, "73.76"), (5478, "127.79"), (6780, "213.72")]),
    ("biweekly", "single", [(414, "4.55"), (980, "17.00"), (1548, "41.99"), (2148, "81.59")]),
    ("biweekly", "married", [(828, "9.11"), (1960, "34.01"), (3096, "83.99"), (4296, "163.19")]),
    ("biweekly", "head_of_household", [(828, "9.11"), (1962, "34.06"), (2528, "58.96"), (3130, "98.69")]),
])
def test_ca_2025_tables_equal_the_printed_rows(period, status, first_rows):
    table = _ca_table(2025, period, status)
    assert list(zip(table.thresholds[1:5], table.bases[1:5])) == [(t, Decimal(b)) for t, b in first_rows]


@pytest.mark.parametrize("year, annual_credit", [(2025, "163.90"), (2026, "168.30")])
def test_ca_tables_2_and_4_follow_their_formulas(year, annual_credit):
    rules = RuleSet.from_rows(load_rows(), date(year, 6, 1))
    t2 = rules.value("CA", "state_income_tax", "estimated_deduction")
    t4 = rules.value("CA", "state_income_tax", "exemption_credit")
    for period, n in {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}.items():
        for k in range(1, 11):
            assert t2[period][k - 1] == (Decimal(1000) * k / n).quantize(Decimal(1), ROUND_HALF_UP)
            assert t4[period][k - 1] == (Decimal(annual_credit) * k / n).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_ca_2026_table_1_and_3_values_from_the_reference():
    rules = RuleSet.from_rows(load_rows(), date(2026, 6, 1))
    lie = rules.value("CA", "state_income_tax", "low_income_exemption")
    std = rules.value("CA", "state_income_tax", "standard_deduction")
    assert {p: (v["low"], v["high"]) for p, v in lie.items()} == {
        "weekly": (363, 727), "biweekly": (727, 1454), "semimonthly": (787, 1575), "monthly": (1575, 3149)}
    assert {p: (v["low"], v["high"]) for p, v in std.items()} == {
        "weekly": (110, 219), "biweekly": (219, 439), "semimonthly": (238, 476), "monthly": (476, 951)}
