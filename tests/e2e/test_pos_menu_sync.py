"""POS menus sync into the orders menu, through Envoy, against the fake Square and Clover (real HTTP
servers): an admin connects the demo location, asks for a menu pull, and the POS items appear in
GET /api/orders/v1/menu with the POS prices (ours linked by name, the rest created in the POS's
category); a second pull after a price change and an 86 on the POS updates them by the conflict
policy (AuraConnect's kitchen routing untouched), every write audited `applied: true`."""
from __future__ import annotations

import uuid

import pytest
from posfakes.clover.server import DEFAULT_MERCHANT
from posfakes.clover.server import DEFAULT_TOKEN as CLOVER_TOKEN
from posfakes.square.server import DEFAULT_TOKEN
from posfakes.toast.server import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_RESTAURANT

from tests.e2e.support import connect_pos, eventually, menu_items

pytestmark = pytest.mark.e2e

BRIDGE = "/api/pos-bridge/v1/connections"
MENU = "/api/orders/v1/menu"
SQUARE_LOCATION = "LE2EMENU01"


def location_menu(admin, platform) -> dict:
    answer = admin.get(MENU, params={"location_id": platform.demo["location_id"]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def item_named(admin, platform, name: str) -> dict | None:
    """The location's item of that name; two of them (a pull that created a duplicate) fail the test."""
    found = [i for i in location_menu(admin, platform)["items"] if i["name"] == name]
    assert len(found) <= 1, f"{len(found)} items named {name!r}: {[i['item_id'] for i in found]}"
    return found[0] if found else None


def pulled(admin, connection: str) -> dict:
    """Asks for a menu pull and waits until one has run since (an item of the same name made by an
    earlier connection must not be taken for this connection's pull)."""
    assert admin.post(f"{BRIDGE}/{connection}/sync/menu-pull").status_code == 202
    menu = eventually(lambda: (m := admin.get(f"{BRIDGE}/{connection}/sync").json()["menu"])["last_pull_at"]
                      and m, timeout=40)
    assert menu["last_error"] is None, menu
    return menu


def clover_connection(admin, platform, clover) -> str:
    return connect_pos(admin, platform, {
        "provider": "clover", "external_merchant_id": DEFAULT_MERCHANT, "external_location_id": DEFAULT_MERCHANT,
        "api_base_url": clover.url, "credentials": {"access_token": CLOVER_TOKEN}})


def audit_of(admin, connection: str) -> list[dict]:
    answer = admin.get(f"{BRIDGE}/{connection}/sync/audit")
    assert answer.status_code == 200, answer.text
    return answer.json()["audit"]


def square_item(item_id: str, name: str, cents: int, category_id: str) -> dict:
    return {"type": "ITEM", "id": item_id, "version": 1, "updated_at": "2026-01-01T00:00:00Z", "is_deleted": False,
            "present_at_all_locations": True, "item_data": {
                "name": name, "categories": [{"id": category_id}], "variations": [{
                    "type": "ITEM_VARIATION", "id": f"{item_id}V", "item_variation_data": {
                        "item_id": item_id, "name": "Regular", "pricing_type": "FIXED_PRICING",
                        "price_money": {"amount": cents, "currency": "USD"}}}]}}


def test_a_square_menu_syncs_in_and_a_second_pull_follows_the_pos(admin, platform, square):
    tag = uuid.uuid4().hex[:8]
    steak_name, burger_name, category = f"E2E Menu Steak {tag}", f"E2E Menu Burger {tag}", f"E2E POS Grill {tag}"
    steak_id, burger_id, category_id = f"XSTK{tag.upper()}", f"XBRG{tag.upper()}", f"XCAT{tag.upper()}"
    with square.lock:
        square.catalog.append({"type": "CATEGORY", "id": category_id, "version": 1, "is_deleted": False,
                               "present_at_all_locations": True, "category_data": {"name": category}})
        square.catalog.append(square_item(steak_id, steak_name, 2400, category_id))
        square.catalog.append(square_item(burger_id, burger_name, 1250, category_id))
    ours = menu_items(admin, {steak_name: 2000}, category="e2e menu sync")[steak_name]
    tagged = admin.patch(f"{MENU}/items/{ours}", json={"kitchen_tags": ["grill"]}, headers={"If-Match": '"1"'})
    assert tagged.status_code == 200, tagged.text
    connection = connect_pos(admin, platform, {
        "provider": "square", "external_merchant_id": "MMENU", "external_location_id": SQUARE_LOCATION,
        "api_base_url": square.url, "credentials": {"access_token": DEFAULT_TOKEN}})
    try:
        assert admin.post(f"{BRIDGE}/{connection}/sync/menu-pull").status_code == 202
        # ours is linked by name and takes the POS's price; the burger we lacked is created in its category
        burger = eventually(lambda: item_named(admin, platform, burger_name), timeout=40)
        assert (burger["price_cents"], burger["available"]) == (1250, True)
        categories = {c["category_id"]: c["name"] for c in location_menu(admin, platform)["categories"]}
        assert categories[burger["category_id"]] == category
        steak = item_named(admin, platform, steak_name)
        assert steak["item_id"] == ours and steak["price_cents"] == 2400 and steak["kitchen_tags"] == ["grill"]
        first = eventually(lambda: (rows := audit_of(admin, connection)) and (ours, "price_cents", 2400, True) in [
            (a["aura_ref"], a["field"], a["new_value"], a["applied"]) for a in rows] and rows, timeout=20)
        assert [a["applied"] for a in first if a["rule"] == "create" and a["object_ref"] == burger_id] == [True]

        # On the POS: the burger's price goes up, the steak is 86'd at our location. Ours: kitchen routing
        # for the burger (AuraConnect's field: the POS never touches it; the price is the POS's).
        with square.lock:
            stored = next(o for o in square.catalog if o["id"] == burger_id)
            stored["item_data"]["variations"][0]["item_variation_data"]["price_money"]["amount"] = 1400
            next(o for o in square.catalog if o["id"] == steak_id)["absent_at_location_ids"] = [SQUARE_LOCATION]
        routed = admin.patch(f"{MENU}/items/{burger['item_id']}", json={"kitchen_tags": ["fryer"]},
                             headers={"If-Match": f'"{burger["version"]}"'})
        assert routed.status_code == 200, routed.text
        assert admin.post(f"{BRIDGE}/{connection}/sync/menu-pull").status_code == 202
        burger = eventually(lambda: (b := item_named(admin, platform, burger_name)) and b["price_cents"] == 1400
                            and b, timeout=40)
        assert burger["kitchen_tags"] == ["fryer"]
        steak = eventually(lambda: (s := item_named(admin, platform, steak_name)) and not s["available"] and s,
                           timeout=40)
        assert steak["kitchen_tags"] == ["grill"] and steak["price_cents"] == 2400
        assert [i["name"] for i in location_menu(admin, platform)["items"]].count(burger_name) == 1   # no duplicate
        # (orders is written before the pull's own transaction commits its audit rows: wait for them)
        audit = eventually(lambda: (rows := audit_of(admin, connection)) and {
            (burger_id, "price_cents", 1400), (steak_id, "available", False)} <= {
            (a["object_ref"], a["field"], a["new_value"]) for a in rows if a["applied"] and a["rule"] != "create"}
            and rows, timeout=20)
        assert not [a for a in audit if a["field"] == "kitchen_tags"]
        status = admin.get(f"{BRIDGE}/{connection}/sync").json()
        assert status["menu"]["last_error"] is None and status["menu"]["unlinked_pos_items"] == 0
    finally:
        admin.delete(f"{BRIDGE}/{connection}")


def test_a_clover_menu_syncs_in_with_its_prices_and_86s(admin, platform, clover):
    connection = clover_connection(admin, platform, clover)
    try:
        pulled(admin, connection)
        burger = eventually(lambda: (b := item_named(admin, platform, "Cheeseburger")) and b["price_cents"] == 1099
                            and b, timeout=40)
        assert burger["available"] is True
        with clover.lock:
            burger_stored = next(i for i in clover.items if i["id"] == "ITEM000000001")
            burger_stored["price"], burger_stored["available"] = 1199, False
            burger_stored["modifiedTime"] += 1000
        assert admin.post(f"{BRIDGE}/{connection}/sync/menu-pull").status_code == 202
        eventually(lambda: (b := item_named(admin, platform, "Cheeseburger")) and b["price_cents"] == 1199
                   and b["available"] is False, timeout=40)
        eventually(lambda: {("price_cents", 1199), ("available", False)} <= {
            (a["field"], a["new_value"]) for a in audit_of(admin, connection) if a["applied"] and a["rule"] != "create"},
            timeout=20)
    finally:
        admin.delete(f"{BRIDGE}/{connection}")


def test_a_reconnected_clover_goes_on_from_the_deleted_connection(admin, platform, clover):
    """An admin deletes the Clover connection and connects the same merchant again; meanwhile the fries
    went up and were 86'd on the device. The new connection takes over the old one's links: the same
    item (no duplicate), the new price, and the 86 (the POS changed it since the old connection last
    looked, we did not: last writer wins, no review)."""
    # A name of its own: other tests of the shared demo tenant make "Fries" of their own through REST.
    name = f"Fries {uuid.uuid4().hex[:8]}"
    with clover.lock:
        next(i for i in clover.items if i["id"] == "ITEM000000002")["name"] = name
    first = clover_connection(admin, platform, clover)
    try:
        pulled(admin, first)
        fries = eventually(lambda: (f := item_named(admin, platform, name)) and f["price_cents"] == 399
                           and f["available"] and f, timeout=40)
    finally:
        assert admin.delete(f"{BRIDGE}/{first}").status_code in (200, 204)
    with clover.lock:
        stored = next(i for i in clover.items if i["id"] == "ITEM000000002")
        stored["price"], stored["available"] = 459, False
        stored["modifiedTime"] += 1000
    again = clover_connection(admin, platform, clover)
    try:
        pulled(admin, again)
        now = eventually(lambda: (f := item_named(admin, platform, name)) and f["price_cents"] == 459
                         and f["available"] is False and f, timeout=20)
        assert now["item_id"] == fries["item_id"]
        assert admin.get(f"{BRIDGE}/{again}/sync/reviews", params={"status": "open"}).json()["reviews"] == []
    finally:
        admin.delete(f"{BRIDGE}/{again}")


def test_a_toast_menu_syncs_in_and_its_silence_on_86s_keeps_ours(admin, platform, toast):
    connection = connect_pos(admin, platform, {
        "provider": "toast", "external_merchant_id": "e2e-menu-group", "external_location_id": DEFAULT_RESTAURANT,
        "api_base_url": toast.url, "credentials": {"client_id": DEFAULT_CLIENT_ID,
                                                    "client_secret": DEFAULT_CLIENT_SECRET}})
    try:
        assert admin.post(f"{BRIDGE}/{connection}/sync/menu-pull").status_code == 202
        # Toast prices are decimals in major units: 24.5 -> 2450 cents; its menu group is the category
        lobster = eventually(lambda: (i := item_named(admin, platform, "Lobster roll")) and i["price_cents"] == 2450
                             and i, timeout=40)
        categories = {c["category_id"]: c["name"] for c in location_menu(admin, platform)["categories"]}
        assert categories[lobster["category_id"]] == "Mains"
        # 86'd here: Toast's menus API says nothing of 86s, so the next pull leaves ours alone
        off = admin.post(f"{MENU}/items/{lobster['item_id']}/availability",
                         json={"location_id": platform.demo["location_id"], "available": False})
        assert off.status_code == 200, off.text
        before = admin.get(f"{BRIDGE}/{connection}/sync").json()["menu"]["last_pull_at"]
        assert admin.post(f"{BRIDGE}/{connection}/sync/menu-pull").status_code == 202
        eventually(lambda: admin.get(f"{BRIDGE}/{connection}/sync").json()["menu"]["last_pull_at"] != before,
                   timeout=40)
        assert item_named(admin, platform, "Lobster roll")["available"] is False
        assert not [a for a in audit_of(admin, connection) if a["field"] == "available"]
    finally:
        admin.delete(f"{BRIDGE}/{connection}")
