"""pos-bridge consumes order events to push status changes back to the POS (domain comes later)."""
from chassis.runtime import run_consumer

from pos_bridge.config import SERVICE, settings

TOPICS = ["orders.order.v1"]

if __name__ == "__main__":
    run_consumer(SERVICE, settings(), TOPICS, subscriptions={})
