"""A real orders HTTP process (uvicorn through chassis.http.run_http) over fakes, whose kitchen
stream never ends by itself: test_kitchen_stream_shutdown starts it, connects a screen and sends
SIGTERM. Run: python -m services.orders.tests.unit.kitchen_stream_server <port>."""
from __future__ import annotations

import sys

from chassis.http import run_http
from orders.bootstrap import bootstrap
from orders.config import Settings
from orders.entrypoints.http_api import build_app

from services.orders.tests.unit.fakes import FakeOrdersUnitOfWork, FakeTax
from services.orders.tests.unit.kitchen_fakes import MemoryFeed

if __name__ == "__main__":
    uow = FakeOrdersUnitOfWork()
    container = bootstrap(Settings(database_url="postgresql+psycopg://u:p@127.0.0.1:1/db", db_schema="orders"),
                          uow=lambda: uow, tax=FakeTax(), kitchen_feed=MemoryFeed(uow.kitchen))
    run_http(build_app(container), "127.0.0.1", int(sys.argv[1]), grace_seconds=20)
