"""Publishes the auth outbox to Kafka (needs PostgreSQL and Kafka; no Redis)."""
from chassis.runtime import run_relay

from auth.config import SERVICE, settings

if __name__ == "__main__":
    run_relay(SERVICE, settings("kafka_bootstrap_servers"))
