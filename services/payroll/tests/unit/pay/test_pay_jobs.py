"""Two jobs at different rates in one workweek: the blended (weighted-average) regular rate, 29 CFR 778.115."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pay_testkit import bonus, by_kind, hourly, hours_of, request, run, tipped
from payroll.domain.pay import PayInputError, PayRequest

D = Decimal
HOST = {"name": "host", "type": "hourly", "rate": "15.00"}


def two_jobs(main, host, **extra):
    return {"daily_hours": [str(h) for h in main], "jobs": [{"job": "host", "daily_hours": [str(h) for h in host]}],
            **extra}


def test_flsa_blended_rate():
    # Main job 19.50 x 30 h = 585.00; host 15.00 x 15 h = 225.00; 45 h in all -> 5 OT.
    # Blended rate = 810 / 45 = 18.00; OT premium 0.5 x 18 x 5 = 45.00. Total 855.00.
    r = run(state="PA", pay=hourly("19.50"), jobs=[HOST], weeks=[two_jobs([6] * 5, [3] * 5)])
    assert hours_of(r) == (45, 40, 5, 0)
    assert r.regular_rate == 18
    assert [(e.kind, e.hours, e.rate, e.amount) for e in r.earnings] == [
        ("regular", 30, D("19.50"), D("585.00")),
        ("regular", 15, D("15.00"), D("225.00")),
        ("overtime", 5, D("9.00"), D("45.00")),
    ]
    assert r.cash_wages == D("855.00")
    assert any("Blended regular rate" in x.text for x in r.explanation)


def test_california_blended_rate_daily_overtime():
    # Main 20.00: 10, 10; host 16.90: 8, 8, 8 -> combined 10, 10, 8, 8, 8 = 44 h: daily OT 4, regular 40.
    # Blended = (20 x 20 + 24 x 16.90) / 44 = 805.60 / 44 = 18.309090..; premium 0.5 x 18.30909 x 4 = 36.618.. -> 36.62.
    # 400.00 + 405.60 + 36.62 = 842.22.
    r = run(state="CA", pay=hourly("20.00"), jobs=[dict(HOST, rate="16.90")],
            weeks=[two_jobs([10, 10, 0, 0, 0], [0, 0, 8, 8, 8])])
    assert hours_of(r) == (44, 40, 4, 0)
    assert by_kind(r) == {"regular": D("805.60"), "overtime": D("36.62")}


def test_california_blended_double_time():
    # Main 20.00: 13 h on day 1, host 15 -> raised to 16.90 (CA 2026 minimum) 0 h that day; host 8 h day 2.
    # Combined 13, 8 = 21 h: 16 regular, 4 OT, 1 DT. Blended = (13 x 20 + 8 x 16.90) / 21 = 395.20 / 21 = 18.819047..
    # OT premium 4 x 9.409523.. = 37.638.. -> 37.64; DT premium 1 x 18.819047.. -> 18.82.
    # 260.00 + 135.20 + 37.64 + 18.82 = 451.66.
    r = run(state="CA", pay=hourly("20.00"), jobs=[HOST], weeks=[two_jobs([13, 0], [0, 8])])
    assert hours_of(r) == (21, 16, 4, 1)
    assert by_kind(r) == {"regular": D("395.20"), "overtime": D("37.64"), "double_time": D("18.82")}
    assert r.cash_wages == D("451.66")


def test_dual_jobs_tipped_server_and_hourly_host():
    # TX server (tipped 2.13, regular rate 7.25) 30 h; host 10.00 15 h; 45 h -> 5 OT.
    # Blended = (30 x 7.25 + 15 x 10) / 45 = 367.50 / 45 = 8.1666..; premium 0.5 x 8.1666.. x 5 = 20.4166.. -> 20.42.
    # Tip credit claimed only on server hours: 5.12 x 30 = 153.60; tips 100 -> top-up 53.60.
    # Cash = 63.90 + 150.00 + 20.42 + 53.60 = 287.92.
    r = run(state="TX", pay=tipped("2.13"), jobs=[dict(HOST, rate="10.00")], tips="100.00",
            weeks=[two_jobs([6] * 5, [3] * 5)])
    assert by_kind(r) == {"regular": D("213.90"), "overtime": D("20.42"), "tip_credit_top_up": D("53.60")}
    assert r.cash_wages == D("287.92")


def test_blended_rate_with_bonus():
    # Same as the FLSA case + 90 bonus: 90 / 45 = 2.00; adjustment 0.5 x 2 x 5 = 5.00; regular rate 20.00.
    r = run(state="PA", pay=hourly("19.50"), jobs=[HOST], weeks=[two_jobs([6] * 5, [3] * 5)],
            bonuses=[bonus("nondiscretionary", "90.00")])
    assert r.regular_rate == 20
    assert r.cash_wages == D("855.00") + D("90.00") + D("5.00")


def test_week_in_the_second_job_only_uses_its_rates():
    # All 45 h at the host stand: 40 x 15 = 600 + 5 x 22.50 = 112.50.
    r = run(state="PA", pay=hourly("19.50"), jobs=[HOST], weeks=[two_jobs([], [9] * 5)])
    assert by_kind(r) == {"regular": D("600.00"), "overtime": D("112.50")}
    assert r.earnings[0].text.endswith("host: straight time at the hourly rate")


@pytest.mark.parametrize("raw_change, field", [
    (lambda raw: raw["workweeks"][0]["jobs"][0].update(job="bar"), "workweeks[0].jobs[0].job"),
    (lambda raw: raw["workweeks"][0]["jobs"][0].update(daily_hours=["20"]), "workweeks[0].jobs[0].daily_hours[0]"),
    (lambda raw: raw["workweeks"][0]["jobs"][0].update(daily_hours=["8"] * 8), "workweeks[0].jobs[0].daily_hours"),
    (lambda raw: raw["workweeks"][0]["jobs"][0].update(shift="x"), "workweeks[0].jobs[0].shift"),
    (lambda raw: raw["workweeks"][0]["jobs"].append({"job": "host", "daily_hours": []}), "workweeks[0].jobs[1].job"),
    (lambda raw: raw["jobs"][0].pop("name"), "jobs[0].name"),
    (lambda raw: raw["jobs"].append(dict(HOST)), "jobs[1].name"),
    (lambda raw: raw["jobs"][0].update(rate="fifteen"), "jobs[0].rate"),
    (lambda raw: raw["jobs"][0].update(type="salary"), "jobs[0].type"),
])
def test_job_fields_are_validated(raw_change, field):
    raw = request(state="PA", pay=hourly("19.50"), jobs=[dict(HOST)], weeks=[two_jobs([6] * 5, [3] * 5)])
    raw_change(raw)
    with pytest.raises(PayInputError) as info:
        PayRequest.from_dict(raw)
    assert info.value.field == field
