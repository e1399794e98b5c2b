"""OpenTelemetry tracing: one trace follows a request across HTTP, gRPC and Kafka.

HTTP and gRPC carry W3C `traceparent` through OpenTelemetry's instrumentations; Kafka carries it
in record headers (inject/extract below). Only the W3C trace context travels: `baggage` a client
sends is neither forwarded to peers nor copied into events (it is the client's to write, and a
consumer must not mistake it for something the platform said). Spans go to an OTLP collector when
OTEL_EXPORTER_OTLP_ENDPOINT is set, and nowhere otherwise.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

# traceparent/tracestate only (the global default also carries baggage).
TRACE_CONTEXT = TraceContextTextMapPropagator()

_configured = False


def setup_tracing(service: str, process_kind: str, otlp_endpoint: str | None) -> None:
    global _configured
    if _configured:
        return
    resource = Resource.create({"service.name": service, "service.instance.role": process_kind})
    provider = TracerProvider(resource=resource)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint, insecure=True),
                                                       max_export_batch_size=_export_batch_size()))
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(TRACE_CONTEXT)  # HTTP/gRPC instrumentations: no baggage either
    _configured = True


# Spans per export unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says otherwise (the SDK's default is 512).
# The export encodes its batch in Python, holding the GIL: under load 512 spans held a worker's event
# loop and its other threads for several ms at a time, the p99.9 of POST /orders (bench/bench_orders.py:
# max 108-155 ms with 512, 56-72 ms with 64). Smaller batches spread the same work into short pauses.
EXPORT_BATCH_SIZE = 64


def _export_batch_size() -> int:
    return int(os.environ.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") or EXPORT_BATCH_SIZE)


def shutdown_tracing() -> None:
    provider = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
        provider.shutdown()


def tracer(name: str = "auraconnect") -> trace.Tracer:
    return trace.get_tracer(name)


def inject_headers() -> dict[str, str]:
    """The current trace context as W3C headers (traceparent, tracestate), never baggage."""
    carrier: dict[str, str] = {}
    TRACE_CONTEXT.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | Iterable[tuple[str, str]]):
    """A context holding only the trace context of `headers` (any baggage there is ignored)."""
    carrier = dict(headers)
    return TRACE_CONTEXT.extract(carrier)
