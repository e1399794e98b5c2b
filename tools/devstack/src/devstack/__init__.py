"""Local AuraConnect stack: PostgreSQL, Redis, Kafka, an OTLP collector, all services and Envoy,
as plain processes on 127.0.0.1. `make up` and the e2e tests use this same launcher."""
