"""The withholding order when a paycheck's cash cannot cover the taxes on wages + tips (Tax Topic 761,
26 CFR 31.3102-3 / 31.3402(k)-1): taxes on wages first, then social security and Medicare on tips, then
income taxes on tips. Every expected figure is worked by hand in the comments."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from payroll.domain.pay.taxes import EMPLOYEE_TAXES
from payroll.domain.pay.withholding_order import withhold_in_order

D = Decimal


def taxes(**amounts: str) -> dict[str, Decimal]:
    return {t: D(amounts.get(t, "0")) for t in EMPLOYEE_TAXES}


def test_enough_cash_withholds_everything():
    due = taxes(federal_income_tax="68.49", social_security="60.15", medicare="14.07", state_disability="12.61")
    order = withhold_in_order(D("800.12"), taxes(federal_income_tax="50.00", social_security="52.71"), due)
    assert order.withheld == due and not order.short
    assert order.uncollected_social_security == order.uncollected_medicare == 0
    assert order.total_withheld == D("155.32")


def test_tipped_server_whose_tips_outrun_the_cash_wages():
    # TX, 30 h x 2.13 = 63.90 cash, 1,200.00 tips, weekly single (the e2e case, figures from Pub 15-T 2026):
    #   on wages alone: SS 63.90 x 6.2 % = 3.9618 -> 3.96; Medicare x 1.45 % = 0.9266 -> 0.93; FIT 0 (below 1g)
    #   on 1,263.90:    SS 78.3618 -> 78.36; Medicare 18.3266 -> 18.33; FIT (65,722.80 - 8,600) -> 109.74
    # 63.90 - 3.96 - 0.93 = 59.01 left for SS on tips (78.36 - 3.96 = 74.40): 59.01 withheld, 15.39 uncollected;
    # Medicare on tips 18.33 - 0.93 = 17.40 all uncollected; FIT on tips 109.74 not withheld.
    order = withhold_in_order(D("63.90"), taxes(social_security="3.96", medicare="0.93"),
                              taxes(federal_income_tax="109.74", social_security="78.36", medicare="18.33"))
    assert order.withheld == taxes(social_security="62.97", medicare="0.93")
    assert order.uncollected_social_security == D("15.39") and order.uncollected_medicare == D("17.40")
    assert order.not_withheld["federal_income_tax"] == D("109.74")
    assert order.total_withheld == D("63.90")
    assert [(s.part, s.tax, s.due, s.withheld) for s in order.steps] == [
        ("wages", "social_security", D("3.96"), D("3.96")), ("wages", "medicare", D("0.93"), D("0.93")),
        ("tips", "social_security", D("74.40"), D("59.01")), ("tips", "medicare", D("17.40"), D("0")),
        ("tips", "federal_income_tax", D("109.74"), D("0"))]


def test_income_tax_on_wages_comes_before_fica_on_tips():
    # 10.00 cash: SS 1.00 + Medicare 0.50 + FIT 5.00 on wages = 6.50; 3.50 left for SS on tips (6.00 due).
    order = withhold_in_order(D("10.00"), taxes(social_security="1.00", medicare="0.50", federal_income_tax="5.00"),
                              taxes(social_security="7.00", medicare="1.50", federal_income_tax="25.00"))
    assert order.withheld == taxes(social_security="4.50", medicare="0.50", federal_income_tax="5.00")
    assert order.uncollected_social_security == D("2.50") and order.uncollected_medicare == D("1.00")
    assert order.not_withheld["federal_income_tax"] == D("20.00")


def test_state_and_local_on_wages_before_fica_on_tips_and_on_tips_last():
    # 20.00 cash: on wages SS 1 + Medicare 0.25 + FIT 2 + state 1 + SDI 0.5 + local 1.25 = 6.00; 14.00 left:
    # SS on tips 8, Medicare on tips 2, FIT on tips 3 -> 1.00 left for state income tax on tips (2 due), none for SDI.
    wages = taxes(social_security="1.00", medicare="0.25", federal_income_tax="2.00", state_income_tax="1.00",
                  state_disability="0.50", local_income_tax="1.25")
    total = taxes(social_security="9.00", medicare="2.25", federal_income_tax="5.00", state_income_tax="3.00",
                  state_disability="1.50", local_income_tax="1.25")
    order = withhold_in_order(D("20.00"), wages, total)
    assert order.withheld == taxes(social_security="9.00", medicare="2.25", federal_income_tax="5.00",
                                   state_income_tax="2.00", state_disability="0.50", local_income_tax="1.25")
    assert order.not_withheld == taxes(state_income_tax="1.00", state_disability="1.00")
    assert order.uncollected_social_security == order.uncollected_medicare == 0


def test_additional_medicare_on_tips_is_uncollected_medicare_code_b():
    order = withhold_in_order(D("5.00"), taxes(social_security="3.00", medicare="1.00"),
                              taxes(social_security="6.00", medicare="2.00", additional_medicare="0.90"))
    # 1.00 left after wages: SS on tips 3.00 takes it, Medicare 1.00 and Additional Medicare 0.90 uncollected.
    assert order.uncollected_social_security == D("2.00") and order.uncollected_medicare == D("1.90")


def test_no_cash_at_all_withholds_nothing():
    order = withhold_in_order(D("0"), taxes(), taxes(social_security="6.20", medicare="1.45", federal_income_tax="8"))
    assert order.total_withheld == 0 and order.uncollected_social_security == D("6.20")
    assert order.uncollected_medicare == D("1.45")


def test_negative_cash_is_a_programming_error():
    with pytest.raises(ValueError):
        withhold_in_order(D("-0.01"), taxes(), taxes())


def test_invariants_on_random_paychecks():
    rng = random.Random(11)
    for _ in range(2000):
        total = {t: D(rng.randint(0, 20000)) / 100 for t in EMPLOYEE_TAXES}
        wages = {t: min(total[t], D(rng.randint(0, 20000)) / 100) for t in EMPLOYEE_TAXES}
        cash = D(rng.randint(0, 60000)) / 100
        order = withhold_in_order(cash, wages, total)
        assert order.total_withheld == min(cash, sum(total.values()))  # all the cash goes, never more
        for t in EMPLOYEE_TAXES:
            assert 0 <= order.withheld[t] <= total[t]
            assert order.withheld[t] + order.not_withheld[t] == total[t]
        if cash >= sum(wages.values()):  # taxes on wages are always covered first
            assert all(order.withheld[t] >= wages[t] for t in EMPLOYEE_TAXES)
