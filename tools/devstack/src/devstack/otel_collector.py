"""A minimal OTLP/gRPC trace collector for the local stack: every span is appended to a JSONL file.

Services and Envoy export with their stock OTLP exporters, exactly as they would to a real
collector (Jaeger, Tempo...); this one just writes spans where tests and developers can read them.
Run: python -m devstack.otel_collector --port 17030 --out .stack/traces.jsonl
"""
from __future__ import annotations

import argparse
import json
import signal
import threading
from concurrent import futures

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


def _attr_value(value) -> object:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind in ("string_value", "bool_value", "int_value", "double_value") else str(value)


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, out_path: str) -> None:
        self.lock = threading.Lock()
        self.out = open(out_path, "a", buffering=1)

    def Export(self, request, context):  # noqa: N802 - gRPC naming
        lines = []
        for resource_spans in request.resource_spans:
            resource = {a.key: _attr_value(a.value) for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    lines.append(json.dumps({
                        "service": resource.get("service.name", "unknown"),
                        "process": resource.get("service.instance.role", ""),
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "kind": KINDS.get(span.kind, str(span.kind)),
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "attributes": {a.key: _attr_value(a.value) for a in span.attributes},
                    }))
        with self.lock:
            for line in lines:
                self.out.write(line + "\n")
        return trace_service_pb2.ExportTraceServiceResponse()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Collector(args.out), server)
    server.add_insecure_port(f"127.0.0.1:{args.port}")
    server.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    server.stop(2).wait()


if __name__ == "__main__":
    main()
