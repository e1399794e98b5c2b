"""Pricing rules through Envoy with the real services: a manager sets up a happy hour and a buy-2-get-1,
quotes a basket inside and outside the window (the demo location is in America/New_York: the
window is read on its wall clock, which auth gives orders over gRPC) and sees which rule gave how
much; staff may not manage rules; bad rules are 422 naming the field."""
from __future__ import annotations

import base64
import json
import uuid

import pytest

pytestmark = pytest.mark.e2e

RULES = "/api/orders/v1/pricing-rules"
QUOTES = "/api/orders/v1/quotes"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
# Monday 16 March 2026: 21:00 UTC is 17:00 in New York (summer time since 8 March), 23:00 UTC is 19:00.
IN_HAPPY_HOUR, AFTER_HAPPY_HOUR = "2026-03-16T21:00:00Z", "2026-03-16T23:00:00Z"


def holds(token: str, permission: str) -> bool:
    """Whether the access token grants `permission` (its payload is base64url JSON)."""
    payload = token.split(".")[1]
    return permission in json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["permissions"]


def field_of(response) -> str:
    body = response.json()
    return body.get("field") or body["fields"][0]["field"]


@pytest.fixture
def rules(demo_members, gateway, platform):
    """A happy hour (Mon-Fri 16-18, 20 % off drinks) and a buy-2-get-1 on this test's own tag, at the
    demo location; deleted afterwards so no other test prices with them."""
    tag = f"wings-{uuid.uuid4().hex[:6]}"
    location = platform.demo["location_id"]
    made = []
    with demo_members["manager"].http(gateway) as manager:
        for body in (
            {"name": "Happy hour", "location_id": location, "effect": {"type": "percent_off", "percent": "20"},
             "target": {"categories": ["drinks"]}, "windows": [{"days": WEEKDAYS, "start": "16:00", "end": "18:00"}]},
            {"name": "Wings: buy 2 get 1", "location_id": location, "effect": {"type": "buy_x_get_y", "buy": 2, "get": 1},
             "target": {"tags": [tag]}, "priority": 10},
        ):
            response = manager.post(RULES, json=body)
            assert response.status_code == 201, response.text
            made.append(response.json())
        yield {"happy": made[0], "b2g1": made[1], "tag": tag, "location": location}
        for rule in made:
            manager.delete(f"{RULES}/{rule['rule_id']}")


def basket(rules: dict, at: str) -> dict:
    return {"location_id": rules["location"], "at": at, "lines": [
        {"line_ref": "lager", "name": "Lager", "category": "drinks", "quantity": 2, "unit_price_cents": 700},
        {"line_ref": "wings", "name": "Wings", "category": "food", "tags": [rules["tag"]], "quantity": 3,
         "unit_price_cents": 900},
        {"line_ref": "fries", "name": "Fries", "category": "food", "quantity": 1, "unit_price_cents": 450}]}


def given_by(quote: dict) -> list[tuple[str, str, str, int]]:
    return [(d["line_ref"], d["rule_id"], d["rule_name"], d["amount_cents"]) for d in quote["discounts"]]


def test_a_manager_sets_up_happy_hour_and_quotes_inside_and_outside_it(demo_members, gateway, rules):
    happy, b2g1 = rules["happy"], rules["b2g1"]
    with demo_members["manager"].http(gateway) as manager:
        listed = manager.get(RULES, params={"location_id": rules["location"]})
        assert listed.status_code == 200
        assert {happy["rule_id"], b2g1["rule_id"]} <= {rule["rule_id"] for rule in listed.json()["rules"]}

        inside = manager.post(QUOTES, json=basket(rules, IN_HAPPY_HOUR))
        assert inside.status_code == 200, inside.text
        quote = inside.json()
        assert quote["time_zone"] == "America/New_York" and quote["local_time"].startswith("2026-03-16T17:00:00")
        assert given_by(quote) == [("lager", happy["rule_id"], "Happy hour", 280),
                                   ("wings", b2g1["rule_id"], "Wings: buy 2 get 1", 900)]
        assert (quote["subtotal_cents"], quote["discount_cents"], quote["total_cents"]) == (4550, 1180, 3370)
        assert [line["total_cents"] for line in quote["lines"]] == [1120, 1800, 450]

        outside = manager.post(QUOTES, json=basket(rules, AFTER_HAPPY_HOUR)).json()
        assert given_by(outside) == [("wings", b2g1["rule_id"], "Wings: buy 2 get 1", 900)]
        assert outside["total_cents"] == 4550 - 900

        comp = manager.post(QUOTES, json={**basket(rules, AFTER_HAPPY_HOUR), "manager_discounts": [
            {"reason": "birthday", "percent": "10"}]})
        if not holds(demo_members["manager"].token, "orders:discount"):
            # orders:discount joins the manager's role in chassis.rbac with the checks work; until then
            # the manager discount is refused, naming what it needs.
            assert comp.status_code == 403 and comp.json()["field"] == "manager_discounts"
            return
        assert comp.status_code == 200, comp.text
        manual = [d for d in comp.json()["discounts"] if d["rule_id"] == "manager"]
        assert sum(d["amount_cents"] for d in manual) == 365 and {d["reason"] for d in manual} == {"birthday"}


def test_a_stale_update_is_412_and_a_current_one_moves_the_version(demo_members, gateway, rules):
    happy = rules["happy"]
    body = {key: happy[key] for key in ("name", "location_id", "effect", "target", "windows")}
    with demo_members["manager"].http(gateway) as manager:
        updated = manager.put(f"{RULES}/{happy['rule_id']}", json={**body, "priority": 3, "version": 1})
        assert updated.status_code == 200, updated.text
        assert updated.json()["version"] == 2
        stale = manager.put(f"{RULES}/{happy['rule_id']}", json={**body, "version": 1})
        assert stale.status_code == 412 and stale.json()["field"] == "version"


def test_staff_cannot_manage_rules_but_may_quote(demo_members, gateway, rules):
    with demo_members["staff"].http(gateway) as staff:
        refused = staff.post(RULES, json={"name": "Free beer", "effect": {"type": "percent_off", "percent": "100"}})
        assert refused.status_code == 403, refused.text
        assert staff.delete(f"{RULES}/{rules['happy']['rule_id']}").status_code == 403
        assert staff.post(QUOTES, json=basket(rules, IN_HAPPY_HOUR)).status_code == 200
        no_comp = staff.post(QUOTES, json={**basket(rules, IN_HAPPY_HOUR), "manager_discounts": [
            {"reason": "friend", "amount_cents": 500}]})
        assert no_comp.status_code == 403


@pytest.mark.parametrize(("change", "field"), [
    ({"effect": {"type": "free_beer"}}, "effect.type"),
    ({"effect": {"type": "percent_off", "percent": 120}}, "effect.percent"),
    ({"starts_on": "2026-06-01", "ends_on": "2026-05-01"}, "ends_on"),
    ({"windows": [{"days": ["mon"], "start": "16:00", "end": "25:00"}]}, "windows[0].end"),
    ({"windows": [{"days": ["mon"], "start": "16:00", "end": "16:00"}]}, "windows[0].end"),
])
def test_a_bad_rule_is_422_naming_the_field(demo_members, gateway, change, field):
    body = {"name": "Broken", "effect": {"type": "percent_off", "percent": "10"}, **change}
    with demo_members["manager"].http(gateway) as manager:
        response = manager.post(RULES, json=body)
    assert response.status_code == 422, response.text
    assert field_of(response) == field
