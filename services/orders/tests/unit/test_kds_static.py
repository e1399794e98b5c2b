"""The kitchen display's page is served by orders-http at /kds/ (public files; no data in them)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app

pytestmark = pytest.mark.unit

DB = "postgresql+psycopg://u:p@127.0.0.1:1/db"


@pytest.fixture
def client(uow, tax, clock, ids) -> TestClient:
    container = bootstrap(Settings(database_url=DB, db_schema="orders"), uow=lambda: uow, tax=tax, clock=clock,
                          new_id=ids)
    return TestClient(build_app(container))


def test_the_page_and_its_scripts_are_served_without_a_token(client):
    page = client.get("/kds/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="kds.js"' in page.text and 'src="sse.js"' in page.text
    assert page.headers["cache-control"] == "no-cache"
    for name, kind in (("kds.js", "javascript"), ("sse.js", "javascript"), ("kds.css", "text/css")):
        asset = client.get(f"/kds/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"], name


def test_nothing_outside_the_folder_and_no_api_under_it(client):
    assert client.get("/kds/missing.js").status_code == 404
    assert client.get("/kds/../kds_static.py").status_code == 404
    assert client.get("/api/orders/v1/whoami").status_code == 401   # the API still wants a token


def test_the_page_never_puts_a_token_in_a_url():
    """The token goes in Authorization headers only (URLs end up in access logs)."""
    from orders.entrypoints.kds_static import KDS_DIR

    script = (KDS_DIR / "kds.js").read_text()
    assert "EventSource" not in script and "access_token=" not in script and "?token" not in script
    assert "Last-Event-ID" in script
    # The attributes operators' automation and the browser test rely on (el() writes dataFoo as data-foo).
    assert "dataTicketId: t.ticket_id, dataOrderId: t.order_id" in script and 'dataAction: "bump"' in script
