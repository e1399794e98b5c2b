"""chassis.db.libpq_dsn: the services' SQLAlchemy URL as psycopg/libpq takes it (LISTEN connections, pools)."""
from __future__ import annotations

import psycopg
from chassis.db import libpq_dsn, make_engine


def test_the_driver_goes_and_everything_else_stays():
    url = "postgresql+psycopg://orders:p%40ss%2Fw@127.0.0.1:25432/aura?application_name=x"
    dsn = libpq_dsn(url)
    assert dsn == "postgresql://orders:p%40ss%2Fw@127.0.0.1:25432/aura?application_name=x"
    parts = psycopg.conninfo.conninfo_to_dict(dsn)
    assert parts["password"] == "p@ss/w" and parts["port"] == "25432" and parts["user"] == "orders"


def test_an_engine_gives_its_url_with_the_password():
    engine = make_engine("postgresql+psycopg://orders:secret@127.0.0.1:1/aura", "orders")
    assert libpq_dsn(engine) == "postgresql://orders:secret@127.0.0.1:1/aura"
