"""Issue 10, the screen: the kitchen display at /kds/ in a real headless browser, through Envoy.

Debian's Chromium (/usr/bin/chromium, installed by tools/bootstrap.sh) driven by Playwright for Python
(its own browser downloads are never used). The demo cook (devstack.demo: kitchen@demo..., password
DEMO_KITCHEN_PASSWORD) signs in, opens the default station of a location of the test's own (so the
board holds only this test's tickets, whatever other tests sent to the demo kitchen); a check sent
through the API shows up as a ticket with its table, guests and modifiers; the cook bumps it and it
leaves. The network drops (the browser goes offline: the OFFLINE indicator shows) while another check
is sent; when it comes back the screen resumes the stream from its last event id and shows that ticket
exactly once, and nothing else is missing or doubled. Expo shows the order; its bump makes the order
ready (GET order). Screenshots go to artifacts/kds/ (gitignored).
"""
from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
from devstack.demo import DEMO_TAX_AREA, KITCHEN_EMAIL

from tests.e2e.auth_support import client
from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "kds"
ORDERS = "/api/orders/v1/orders"
KITCHEN = "/api/orders/v1/kitchen"
MENU = "/api/orders/v1/menu"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists() or shutil.which("chromium"), "Debian's chromium is missing: run tools/bootstrap.sh"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def location(admin) -> str:
    """A new location of the demo tenant with its sales-tax area, as an operator sets one up."""
    made = ok(admin.post("/api/auth/v1/locations", json={
        "name": f"KDS kitchen {uuid.uuid4().hex[:6]}", "time_zone": "America/New_York", "state": "PA"}), 201)
    ok(admin.put(f"/api/tax/v1/locations/{made['location_id']}/jurisdiction", json={"tax_area": DEMO_TAX_AREA}))
    return made["location_id"]


@pytest.fixture(scope="module")
def menu(admin):
    suffix = uuid.uuid4().hex[:6]
    category = ok(admin.post(f"{MENU}/categories", json={"name": f"KDS {suffix}"}), 201)
    size = ok(admin.post(f"{MENU}/modifier-groups", json={
        "name": f"Size {suffix}", "min_selections": 1, "max_selections": 1,
        "options": [{"name": "Regular", "is_default": True}, {"name": "Large", "price_delta_cents": 300}]}), 201)
    burger = ok(admin.post(f"{MENU}/items", json={
        "category_id": category["category_id"], "name": f"Burger {suffix}", "price_cents": 1450,
        "tax_category": "prepared_food", "kitchen_tags": ["grill"], "prep_time_seconds": 600, "course": "main",
        "modifier_group_ids": [size["group_id"]]}), 201)
    fries = ok(admin.post(f"{MENU}/items", json={
        "category_id": category["category_id"], "name": f"Fries {suffix}", "price_cents": 450,
        "tax_category": "prepared_food", "kitchen_tags": ["fry"], "prep_time_seconds": 240}), 201)
    return {"burger": burger, "fries": fries, "large": size["options"][1]["option_id"]}


def send_check(waiter, location_id: str, menu: dict, table: str) -> str:
    """A server's check at `table` (a Large Burger with a note, Fries), sent to the kitchen."""
    check = ok(waiter.post(ORDERS, json={
        "location_id": location_id, "order_type": "dine_in", "table": table, "guest_count": 2, "lines": [
            {"item_id": menu["burger"]["item_id"], "modifier_ids": [menu["large"]], "notes": "no onions"},
            {"item_id": menu["fries"]["item_id"]}]}), 201)
    ok(waiter.patch(f"{ORDERS}/{check['order_id']}", json={"status": "sent"}))
    return check["order_id"]


def shown_tickets(page) -> list[str]:
    return page.eval_on_selector_all("[data-ticket-id]", "nodes => nodes.map(n => n.dataset.ticketId)")


def sign_in_and_open(page, gateway: str, platform, location: str, station_id: str) -> None:
    page.goto(f"{gateway}/kds/")
    page.fill("input[name=tenant]", platform.demo["tenant_slug"])
    page.fill("input[name=email]", KITCHEN_EMAIL)
    page.fill("input[name=password]", platform.secrets["DEMO_KITCHEN_PASSWORD"])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#setup-form[data-ready=true]")
    page.wait_for_selector(f"select[name=location] option[value='{location}']", state="attached")
    page.select_option("select[name=location]", location)
    page.wait_for_selector(f"select[name=station] option[value='{station_id}']", state="attached")
    page.select_option("select[name=station]", station_id)
    page.click("#setup-form button[type=submit]")
    page.wait_for_selector("#conn[data-state=online]")


def test_a_cook_works_tickets_live_through_a_dropped_connection(platform, gateway, admin, browser, menu, location):
    cook = ok(client(gateway).post("/api/auth/v1/login", json={
        "tenant": platform.demo["tenant_slug"], "email": KITCHEN_EMAIL,
        "password": platform.secrets["DEMO_KITCHEN_PASSWORD"]}))
    with client(gateway, cook["access_token"]) as kitchen:
        stations = ok(kitchen.get(f"{KITCHEN}/stations", params={"location_id": location}))["stations"]
    station = next(s for s in stations if s["kind"] == "prep" and s["is_default"])

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    streams = []   # the stream requests the page made, with their headers
    page.on("request", lambda r: streams.append(r) if "/kitchen/stream" in r.url else None)
    try:
        sign_in_and_open(page, gateway, platform, location, station["station_id"])
        assert "token" not in page.url and all("token" not in r.url for r in streams)
        assert all(r.headers.get("authorization", "").startswith("Bearer ") for r in streams)

        # A check sent by a server appears, with what the cook needs to read.
        first = send_check(admin, location, menu, "7")
        ticket = page.wait_for_selector(f"[data-order-id='{first}']", timeout=30000)
        text = ticket.inner_text()
        assert "Table 7" in text and "2 guests" in text and "Large" in text and "no onions" in text
        assert ticket.get_attribute("data-ticket-id")
        page.screenshot(path=str(ARTIFACTS / "kds-station.png"))

        # Bumped (touch), it leaves.
        page.click(f"[data-order-id='{first}'] [data-action=bump]")
        page.wait_for_selector(f"[data-order-id='{first}']", state="detached", timeout=30000)

        # The network drops: OFFLINE shows. A check is sent meanwhile and its ticket made on the server.
        seen_requests = len(streams)
        context.set_offline(True)
        page.wait_for_selector("#conn[data-state=offline]", timeout=10000)
        second = send_check(admin, location, menu, "8")
        with client(gateway, cook["access_token"]) as kitchen:
            eventually(lambda: any(t["order_id"] == second for t in ok(kitchen.get(
                f"{KITCHEN}/tickets", params={"location_id": location, "station_id": station["station_id"]}))["tickets"]))
        assert page.locator(f"[data-order-id='{second}']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "kds-offline.png"))

        # Back online: the stream resumes from the last event id; the ticket is there exactly once.
        context.set_offline(False)
        page.wait_for_selector("#conn[data-state=online]", timeout=20000)
        page.wait_for_selector(f"[data-order-id='{second}']", timeout=30000)
        resumed = [r for r in streams[seen_requests:] if r.headers.get("last-event-id")]
        assert resumed, "the reconnect did not send Last-Event-ID"
        assert page.locator(f"[data-order-id='{second}']").count() == 1
        shown = shown_tickets(page)
        assert len(shown) == len(set(shown))
        with client(gateway, cook["access_token"]) as kitchen:
            on_server = {t["ticket_id"] for t in ok(kitchen.get(f"{KITCHEN}/tickets", params={
                "location_id": location, "station_id": station["station_id"]}))["tickets"]}
        assert set(shown) == on_server

        # Bump bar: the number key selects the ticket (the only one left: key 1), Enter bumps it.
        assert len(shown) == 1
        page.keyboard.press("1")
        page.wait_for_selector(f"[data-order-id='{second}'].selected")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"[data-order-id='{second}']", state="detached", timeout=30000)

        # Expo sees the order; its bump completes it: the server sees the order ready.
        page.click("#change")
        page.wait_for_selector("#setup-form[data-ready=true]")
        assert page.input_value("select[name=location]") == location   # the screen's location is kept
        page.select_option("select[name=station]", "expo")
        page.click("#setup-form button[type=submit]")
        page.wait_for_selector("#conn[data-state=online]")
        page.wait_for_selector(f"[data-order-id='{second}']", timeout=30000)
        page.screenshot(path=str(ARTIFACTS / "kds-expo.png"))
        page.click(f"[data-order-id='{second}'] [data-action=bump]")
        page.wait_for_selector(f"[data-order-id='{second}']", state="detached", timeout=30000)
        eventually(lambda: ok(admin.get(f"{ORDERS}/{second}"))["status"] == "ready")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "kds-failure.png"))
        raise
    finally:
        context.close()


def test_the_page_is_public_and_the_stream_is_not(gateway):
    with client(gateway) as anonymous:
        page = anonymous.get("/kds/")
        assert page.status_code == 200 and "kds.js" in page.text
        assert anonymous.get("/kds", follow_redirects=False).headers.get("location", "").endswith("/kds/")
        assert anonymous.get("/kds/kds.js").status_code == 200
        assert anonymous.post("/kds/").status_code == 401     # GET only without a token
        assert anonymous.get(f"{KITCHEN}/stream?location_id={uuid.uuid4()}").status_code == 401


def test_a_busy_board_shows_age_rush_voids_additions_and_allergens(platform, gateway, admin, browser, location):
    """Three checks a few seconds apart on a station with short thresholds (so they are late, warn and
    ok), one rushed with a voided line and a line added after sending; the screenshot is the README's."""
    suffix = uuid.uuid4().hex[:4]
    stations = ok(admin.get(f"{KITCHEN}/stations", params={"location_id": location}))["stations"]
    station = next(s for s in stations if s["kind"] == "prep" and s["is_default"])
    ok(admin.patch(f"{KITCHEN}/stations/{station['station_id']}", json={"warn_after_seconds": 5,
                                                                       "late_after_seconds": 10}))
    category = ok(admin.post(f"{MENU}/categories", json={"name": f"Board {suffix}"}), 201)["category_id"]
    doneness = ok(admin.post(f"{MENU}/modifier-groups", json={
        "name": f"Doneness {suffix}", "min_selections": 0, "max_selections": 1,
        "options": [{"name": "Medium rare"}, {"name": "Well done"}]}), 201)

    def item(name: str, prep: int, **extra) -> str:
        return ok(admin.post(f"{MENU}/items", json={
            "category_id": category, "name": name, "price_cents": 900, "tax_category": "prepared_food",
            "prep_time_seconds": prep, "course": "main", **extra}), 201)["item_id"]

    burger = item("Smash burger", 480, allergens=["gluten", "sesame"], modifier_group_ids=[doneness["group_id"]])
    fries = item("Fries", 240)
    salad = item("Caesar salad", 300, allergens=["egg", "fish"])
    wings = item("Wings", 600, allergens=["celery"])
    medium_rare, well_done = (o["option_id"] for o in doneness["options"])

    def sent(table: str, guests: int, lines: list[dict]) -> dict:
        check = ok(admin.post(ORDERS, json={"location_id": location, "order_type": "dine_in", "table": table,
                                            "guest_count": guests, "lines": lines}), 201)
        ok(admin.patch(f"{ORDERS}/{check['order_id']}", json={"status": "sent"}))
        return check

    late = sent("4", 2, [{"item_id": burger, "modifier_ids": [medium_rare], "notes": "no onions"},
                         {"item_id": fries, "quantity": 2}])
    time.sleep(5)
    rushed = sent("12", 3, [{"item_id": wings}, {"item_id": salad}, {"item_id": burger, "modifier_ids": [well_done]}])
    ok(admin.post(f"{ORDERS}/{rushed['order_id']}/lines/{rushed['lines'][1]['line_id']}/void",
                  json={"reason": "guest changed mind"}))
    ok(admin.post(f"{ORDERS}/{rushed['order_id']}/lines", json={"lines": [{"item_id": fries}]}), 201)
    time.sleep(5)
    fresh = ok(admin.post(ORDERS, json={"location_id": location, "order_type": "takeout", "channel": "online",
                                        "lines": [{"item_id": burger, "quantity": 2}, {"item_id": fries}]}), 201)
    def board() -> dict | None:
        found = ok(admin.get(f"{KITCHEN}/tickets", params={"location_id": location,
                                                           "station_id": station["station_id"]}))["tickets"]
        return {t["order_id"]: t for t in found} if len(found) == 3 else None

    tickets = eventually(board)
    ok(admin.post(f"{KITCHEN}/tickets/{tickets[rushed['order_id']]['ticket_id']}:rush", json={"rush": True}))

    context = browser.new_context(viewport={"width": 1280, "height": 760})
    page = context.new_page()
    try:
        sign_in_and_open(page, gateway, platform, location, station["station_id"])
        for check in (late, rushed, fresh):
            page.wait_for_selector(f"[data-order-id='{check['order_id']}']", timeout=30000)
        rush = page.locator(f"[data-order-id='{rushed['order_id']}']")
        assert "rush" in rush.get_attribute("class") and "RUSH" in rush.inner_text()
        assert rush.locator(".item-voided").count() == 1 and "VOID" in rush.locator(".item-voided").inner_text()
        assert rush.locator(".item.addition").count() == 1 and "ADD" in rush.locator(".item.addition").inner_text()
        assert "EGG, FISH" in rush.inner_text().upper() and "Well done" in rush.inner_text()
        # Rush first, then oldest: the number keys follow what the cook sees.
        assert [page.get_attribute(f"[data-ticket-id='{t}']", "data-order-id") for t in shown_tickets(page)] == [
            rushed["order_id"], late["order_id"], fresh["order_id"]]
        page.wait_for_selector(f"[data-order-id='{late['order_id']}'][data-age=late]", timeout=30000)
        assert page.get_attribute(f"[data-order-id='{fresh['order_id']}']", "data-age") in ("ok", "warn")
        allday = page.inner_text("#allday")
        assert "Fries" in allday and "Smash burger" in allday
        page.keyboard.press("2")   # the late ticket selected, as on a bump bar
        page.screenshot(path=str(ARTIFACTS / "kds-board.png"))
    finally:
        context.close()
