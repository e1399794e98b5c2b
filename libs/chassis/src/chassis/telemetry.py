"""OpenTelemetry tracing: one trace follows a request across HTTP, gRPC and Kafka.

HTTP and gRPC carry W3C `traceparent` through OpenTelemetry's instrumentations; Kafka carries it
in record headers (inject/extract below). Only the W3C trace context travels: `baggage` a client
sends is neither forwarded to peers nor copied into events (it is the client's to write, and a
consumer must not mistake it for something the platform said). Spans go to an OTLP collector when
OTEL_EXPORTER_OTLP_ENDPOINT is set, and nowhere otherwise.
"""
from __future__ import annotations

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

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint, insecure=True)))
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(TRACE_CONTEXT)  # HTTP/gRPC instrumentations: no baggage either
    _configured = True


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
