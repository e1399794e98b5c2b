"""pos-bridge consumes order events to push status changes back to the POS (handlers come with the
POS sync; until then it follows the topic so its offsets and dead letters are in place)."""
from chassis.runtime import run_consumer

from pos_bridge.bootstrap import bootstrap
from pos_bridge.config import SERVICE, settings

TOPICS = ["orders.order.v1"]
SUBSCRIPTIONS: dict = {}

if __name__ == "__main__":
    run_consumer(SERVICE, bootstrap(settings()), TOPICS, SUBSCRIPTIONS)
