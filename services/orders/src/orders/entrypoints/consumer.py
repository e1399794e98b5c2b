"""orders consumes POS orders from pos-bridge (their handling arrives with the POS domain)."""
from chassis.runtime import run_consumer

from orders.config import SERVICE, settings

TOPICS = ["pos-bridge.order.v1"]

if __name__ == "__main__":
    run_consumer(SERVICE, settings(), TOPICS, subscriptions={})
