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


def run_http_workers(service: str, settings: ServiceSettings, build_app, workers: int) -> None:
    """`workers` processes serving one listening socket (the kernel spreads connections over them).

    Python runs one thread at a time per process: one process of sync handlers held orders-http to
    one core (bench/bench_orders.py). Each worker is forked before anything starts (no thread, no gRPC
    channel, no pooled connection crosses a fork), then calls `start` and `build_app()` itself. The
    parent only supervises: SIGTERM or SIGINT goes on to every worker, and each drains as a single
    process does; a worker that dies takes the others down, so the process supervisor (devstack,
    Kubernetes) restarts the whole. Workers die with the parent (PR_SET_PDEATHSIG). One worker: no fork.

    Metrics: the workers keep their values in files of one fresh directory (PROMETHEUS_MULTIPROC_DIR,
    under TMPDIR: the pod's /tmp emptyDir), so /metrics, answered by whichever worker the kernel picks,
    reports the requests of all of them (chassis.metrics.share_between_workers). The parent removes it."""
    import os
    import signal
    import socket
    import sys
    import traceback

    from chassis.http import run_http as serve_http

    if workers <= 1:
        start(service, "http", settings)
        run_http(service, settings, build_app())
        return
    import shutil
    import tempfile

    from chassis import metrics

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((settings.bind_host, settings.http_port))
    listener.listen(2048)
    # The port is ours now: a directory named for it is a killed predecessor's (SIGKILL, OOM), not a
    # live process's, so remove it rather than let restarts fill the pod's /tmp.
    prefix = f"{service}-http-{settings.http_port}-metrics-"
    for stale in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        shutil.rmtree(stale, ignore_errors=True)
    metrics_dir = tempfile.mkdtemp(prefix=prefix)
    os.environ[metrics.MULTIPROC_DIR_ENV] = metrics_dir
    parent, children = os.getpid(), []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _die_with(parent)
                metrics.share_between_workers()
                start(service, "http", settings)
                try:
                    serve_http(build_app(), settings.bind_host, settings.http_port, settings.shutdown_grace_seconds,
                               sockets=[listener])
                finally:
                    shutdown_tracing()
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            except BaseException:  # noqa: BLE001 - a worker must never return into the parent's code
                traceback.print_exc()
            finally:
                os._exit(code)
        children.append(pid)
    listener.close()
    stopping, exit_code = False, 0

    def stop_workers(signum=None, frame=None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop_workers)
    signal.signal(signal.SIGINT, stop_workers)
    running = set(children)
    while running:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        running.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if not stopping:
            print(f"{service} http worker {pid} exited ({code}): stopping the others", file=sys.stderr, flush=True)
            exit_code = code or 1
            stop_workers()
    shutil.rmtree(metrics_dir, ignore_errors=True)
    sys.exit(exit_code)


def _die_with(parent: int) -> None:
    """This process gets SIGTERM when `parent` ends (Linux), so no worker outlives its supervisor."""
    import ctypes
    import os
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent ended before prctl took effect
        os._exit(1)


def run_grpc(service: str, settings: ServiceSettings, register) -> None:
    """The gRPC API on GRPC_PORT, and its Prometheus /metrics on METRICS_PORT (0: none)."""
    from chassis.grpc_server import serve

    if settings.metrics_port:
        start_metrics_server(settings.bind_host, settings.metrics_port)
    try:
        asyncio.run(serve(register, settings.bind_host, settings.grpc_port, settings.shutdown_grace_seconds))
    finally:
        shutdown_tracing()


def start_metrics_server(host: str, port: int) -> None:
    """Prometheus' plain-HTTP exposition on `port` (a daemon thread; it ends with the process)."""
    from prometheus_client import start_http_server

    try:
        start_http_server(port, addr=host)
    except OSError as error:
        raise SystemExit(f"cannot bind metrics port {host}:{port}: {error}") from None
    log.info("metrics on http://%s:%d/metrics", host, port)


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
