"""orders consumes POS orders from pos-bridge (their handling arrives with the POS domain)."""
from chassis.runtime import run_consumer

from orders.bootstrap import bootstrap
from orders.config import SERVICE, settings

TOPICS = ["pos-bridge.order.v1"]
SUBSCRIPTIONS: dict = {}  # event type -> chassis.consumer.Subscription(message class, handler(uow, message, envelope))

if __name__ == "__main__":
    run_consumer(SERVICE, bootstrap(settings(require=("kafka_bootstrap_servers",))), TOPICS, SUBSCRIPTIONS)
