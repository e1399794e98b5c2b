"""A scratch schema with the outbox/consumer tables on the harness's real PostgreSQL, and a topic."""
from __future__ import annotations

import uuid

import psycopg
import pytest
from chassis.consumer import CONSUMER_DDL
from chassis.db import make_engine, make_session_factory
from chassis.outbox import OUTBOX_DDL
from devstack import kafka, postgres


@pytest.fixture
def scratch(infra):
    """(engine, session_factory, schema, bootstrap) in a fresh schema; dropped afterwards."""
    layout, password = infra.layout, infra.secrets["POSTGRES_SUPERUSER_PASSWORD"]
    schema = f"chassis_{uuid.uuid4().hex[:8]}"
    admin_url = postgres.superuser_url(layout, password)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path = {schema}")
        for statement in OUTBOX_DDL + CONSUMER_DDL:
            conn.execute(statement)
        conn.execute("CREATE TABLE handled (event_id TEXT PRIMARY KEY, body TEXT NOT NULL)")
    engine = make_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), schema)
    yield engine, make_session_factory(engine), schema, layout.kafka_bootstrap
    engine.dispose()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def topic(infra) -> str:
    name = f"chassis.test.{uuid.uuid4().hex[:8]}.v1"
    kafka.create_topics(infra.layout.kafka_bootstrap, [(name, 3)])
    return name
