"""The pay part of the preview response (issue 11) from the issue's own request, and its JSON shape."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from payroll.domain.pay import PayRequest, compute_pay
from payroll.domain.pay.result import EARNINGS_KINDS

# The issue's example request, word for word (one copy, shared by the unit and e2e tests).
ISSUE_REQUEST = json.loads((Path(__file__).parents[2] / "data" / "preview_issue_example.json").read_text())


def test_issue_example():
    # CA: day 1 = 9 h -> 8 regular + 1 daily OT; 8 + 8 + 7.5 + 8 regular -> regular 39.5, OT 1, total 40.5.
    # Regular rate = 19.50 + 50 / 40.5 = 20.734567..; regular 39.5 x 19.50 = 770.25; OT 1 x 29.25 = 29.25;
    # bonus 50.00; bonus OT premium 0.5 x 50/40.5 x 1 = 0.617.. -> 0.62. Cash 850.12; gross 850.12 + 120 = 970.12.
    out = compute_pay(PayRequest.from_dict(ISSUE_REQUEST)).to_dict()
    assert out["hours"] == {"total": "40.50", "regular": "39.50", "overtime": "1.00", "double_time": "0.00"}
    assert out["regular_rate"] == "20.734568"
    assert [(e["kind"], e["hours"], e["rate"], e["amount"]) for e in out["earnings"]] == [
        ("regular", "39.50", "19.50", "770.25"),
        ("overtime", "1.00", "29.25", "29.25"),
        ("bonus", None, None, "50.00"),
        ("overtime_bonus_adjustment", "1.00", "0.617284", "0.62"),
    ]
    assert (out["cash_wages"], out["reported_tips"], out["tip_credit_top_up"], out["gross_wages"]) == (
        "850.12", "120.00", "0.00", "970.12")


def test_response_shape_is_json_and_every_line_explains_itself():
    raw = dict(ISSUE_REQUEST, pay={"type": "tipped", "cash_wage_rate": "2.83"}, work_state="PA",
               workweeks=[{"daily_hours": ["9"] * 5}, {"daily_hours": ["4"] * 3}], reported_tips="60.00",
               bonuses=[{"type": "discretionary", "amount": "20.00"}])
    out = compute_pay(PayRequest.from_dict(raw)).to_dict()
    json.dumps(out)  # plain JSON types only
    assert {"hours", "regular_rate", "earnings", "cash_wages", "reported_tips", "tip_credit_top_up", "gross_wages",
            "explanation"} <= set(out)
    for e in out["earnings"]:
        assert e["kind"] in EARNINGS_KINDS and e["text"]
        assert Decimal(e["amount"]) == Decimal(e["amount"]).quantize(Decimal("0.01"))
    for x in out["explanation"]:
        assert set(x) == {"line", "text", "amount"} and x["text"]
    lines = [x["line"] for x in out["explanation"]]
    for expected in ("rules", "pay", "workweeks[0].hours", "workweeks[1].tip_credit_top_up", "bonuses[0]",
                     "earnings[0]", "cash_wages", "gross_wages"):
        assert expected in lines
    # The worksheet ends with the totals the response reports.
    explained = {x["line"]: x["amount"] for x in out["explanation"]}
    assert explained["cash_wages"] == out["cash_wages"] and explained["gross_wages"] == out["gross_wages"]
