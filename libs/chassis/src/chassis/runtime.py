"""Process start-up shared by every service: logging, tracing, and the generic process kinds.

A service's entrypoint modules call these with its own settings and wiring, so a relay or a
migration runner is the same code in all five services.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from chassis.config import ServiceSettings
from chassis.logs import setup_logging
from chassis.telemetry import setup_tracing, shutdown_tracing

log = logging.getLogger(__name__)


def start(service: str, kind: str, settings: ServiceSettings) -> None:
    setup_logging(service, kind, settings.log_level)
    setup_tracing(service, kind, settings.otel_exporter_otlp_endpoint)
    log.info("%s %s starting", service, kind)


def run_http(service: str, settings: ServiceSettings, app) -> None:
    from chassis.http import run_http as serve_http

    try:
        serve_http(app, settings.bind_host, settings.http_port, settings.shutdown_grace_seconds)
    finally:
        shutdown_tracing()


def run_grpc(service: str, settings: ServiceSettings, register) -> None:
    from chassis.grpc_server import serve

    try:
        asyncio.run(serve(register, settings.bind_host, settings.grpc_port, settings.shutdown_grace_seconds))
    finally:
        shutdown_tracing()


def run_relay(service: str, settings: ServiceSettings, *, relay_settings=None) -> None:
    """The outbox relay of `service` (tuning from OUTBOX_* variables unless `relay_settings` is given).

    Several replicas may run: one holds the schema's lease and publishes, the others stand by."""
    from chassis import readiness
    from chassis.config import require_settings
    from chassis.db import make_engine
    from chassis.outbox import OutboxRelay, RelaySettings
    from chassis.worker import run_worker

    require_settings(settings, "kafka_bootstrap_servers")
    start(service, "relay", settings)
    engine = make_engine(settings.database_url, settings.db_schema, pool_size=2)
    relay = OutboxRelay(engine, settings.kafka_bootstrap_servers, settings.db_schema,
                        relay_settings or RelaySettings(), client_id=f"{service}-relay")
    try:
        run_worker(relay.run, settings.bind_host, settings.health_port, {
            "postgres": readiness.postgres(engine),
            "kafka": readiness.kafka(settings.kafka_bootstrap_servers),
        })
    finally:
        shutdown_tracing()


def run_consumer(service: str, container, topics: list[str], subscriptions, *, consumer_settings=None) -> None:
    """`container` is the service's bootstrap() result: its unit of work runs every handler.
    Tuning comes from CONSUMER_* variables unless `consumer_settings` is given."""
    from chassis import readiness
    from chassis.config import require_settings
    from chassis.consumer import ConsumerSettings, IdempotentConsumer
    from chassis.worker import run_worker

    settings = require_settings(container.config, "kafka_bootstrap_servers")
    start(service, "consumer", settings)
    consumer = IdempotentConsumer(container.uow, settings.kafka_bootstrap_servers,
                                  group_id=service, topics=topics, subscriptions=subscriptions,
                                  settings=consumer_settings or ConsumerSettings())
    try:
        run_worker(consumer.run, settings.bind_host, settings.health_port, {
            "postgres": readiness.postgres(container.engine),
            "kafka": readiness.kafka(settings.kafka_bootstrap_servers),
        })
    finally:
        shutdown_tracing()


def run_migrations(service: str, settings: ServiceSettings, migrations_dir: Path) -> None:
    from chassis.migrations import upgrade

    setup_logging(service, "migrate", settings.log_level)
    upgrade(migrations_dir, settings.database_url, settings.db_schema)
    log.info("%s migrations at head", service)
