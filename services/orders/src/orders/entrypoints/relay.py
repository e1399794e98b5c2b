"""Publishes the outbox to Kafka (PostgreSQL and Kafka only; the relay is the chassis's)."""
from chassis.runtime import run_relay

from orders.config import SERVICE, settings

if __name__ == "__main__":
    run_relay(SERVICE, settings(require=("kafka_bootstrap_servers",)))
