"""Prometheus metrics shared by every process kind.

An HTTP API forked into several workers (chassis.runtime.run_http_workers) keeps its values in files
shared by the workers (prometheus_client's multiprocess mode, `share_between_workers`), so whichever
worker answers a scrape reports them all (`exposition`)."""
from __future__ import annotations

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.metrics import MetricWrapperBase

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "route"])
# gRPC server calls (chassis.grpc_server.MetricsInterceptor), named and labelled like go-grpc-prometheus /
# grpc-ecosystem so the usual gRPC dashboards and alerts read them unchanged.
GRPC_HANDLED = Counter("grpc_server_handled_total", "gRPC calls completed on the server, by method and status code",
                       ["grpc_service", "grpc_method", "grpc_code"])
GRPC_LATENCY = Histogram("grpc_server_handling_seconds", "gRPC call latency on the server, until the status is sent",
                         ["grpc_service", "grpc_method"])
OUTBOX_PUBLISHED = Counter("outbox_events_published_total", "Outbox events acknowledged by Kafka")
OUTBOX_FAILED = Counter("outbox_events_failed_total", "Outbox sends that failed for the row itself (retried)")
OUTBOX_PARKED_TOTAL = Counter("outbox_events_parked_total", "Outbox events parked after max attempts")
OUTBOX_PARKED = Gauge("outbox_parked_events",
                      "Outbox events parked now (python -m chassis.dead_letters outbox-parked lists them)")
OUTBOX_PENDING = Gauge("outbox_pending_events", "Outbox events not yet published (parked ones excluded)")
OUTBOX_OLDEST_PENDING_AGE = Gauge("outbox_oldest_pending_age_seconds",
                                  "Age of the oldest unpublished, unparked outbox event (relay lag)")
OUTBOX_RELAY_ACTIVE = Gauge("outbox_relay_active", "1 while this relay holds its schema's lease, 0 on standby")
EVENTS_CONSUMED = Counter("events_consumed_total", "Events handled by a consumer", ["topic", "result"])
EVENTS_RETRIED = Counter("events_retried_total", "Consumer attempts that failed transiently (partition waits)",
                         ["topic"])
DEAD_LETTERS = Counter("events_dead_lettered_total", "Events parked in dead_letters", ["topic"])
PARTITIONS_WAITING = Gauge("consumer_partitions_waiting", "Partitions paused behind a transient failure")


def share_between_workers() -> None:
    """In a freshly forked HTTP worker: every metric value from now on lives in a file of
    PROMETHEUS_MULTIPROC_DIR (set by the parent) under this worker's pid. The metrics were created at
    import, before the fork, with in-process values: recreate those, so none stays private to a worker."""
    if not os.environ.get(MULTIPROC_DIR_ENV):
        raise RuntimeError(f"{MULTIPROC_DIR_ENV} must name the workers' shared metrics directory")
    values.ValueClass = values.MultiProcessValue()
    for collector in list(REGISTRY._collector_to_names):    # noqa: SLF001 - no public list of collectors
        if isinstance(collector, MetricWrapperBase):
            if collector._labelnames:                         # noqa: SLF001
                with collector._lock:                         # noqa: SLF001
                    collector._metrics.clear()                # noqa: SLF001 - children re-made on next .labels()
            else:
                collector._metric_init()                      # noqa: SLF001 - its value, now file-backed


def exposition() -> bytes:
    """The text a scrape gets: this process's registry, or every worker's values in multiprocess mode."""
    if os.environ.get(MULTIPROC_DIR_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        # python_info is the same in every worker, so the answering one speaks for all; per-process
        # figures (process_*: CPU, memory of one worker) would mislead, so they are left out here.
        PlatformCollector(registry)
        return generate_latest(registry)
    return generate_latest()
