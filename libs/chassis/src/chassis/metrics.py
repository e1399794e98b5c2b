"""Prometheus metrics shared by every process kind."""
from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "route"])
GRPC_REQUESTS = Counter("grpc_requests_total", "gRPC requests", ["method", "code"])
OUTBOX_PUBLISHED = Counter("outbox_events_published_total", "Outbox events acknowledged by Kafka")
OUTBOX_FAILED = Counter("outbox_events_failed_total", "Outbox sends not acknowledged (retried)")
EVENTS_CONSUMED = Counter("events_consumed_total", "Events handled by a consumer", ["topic", "result"])
