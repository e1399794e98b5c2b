"""The outbox relay: PostgreSQL and Kafka only (no tax adapters, so no container: the chassis runs it)."""
from chassis.config import load_settings
from chassis.runtime import run_relay

from tax.config import SERVICE, Settings

if __name__ == "__main__":
    run_relay(SERVICE, load_settings(Settings, require=("kafka_bootstrap_servers",)))
