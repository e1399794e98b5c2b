"""The orders consumer: its own checks' events (orders.order.v1) feed the risk review, so counter,
POS and online checks are judged alike; pos-bridge's POS orders arrive through gRPC CreateOrder.

Each event is handled once (chassis.consumer records its id in the same transaction)."""
from chassis.consumer import Subscription
from chassis.runtime import run_consumer

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.service_layer.risk_feed import RiskFeed

TOPICS = ["orders.order.v1", "pos-bridge.order.v1"]


def subscriptions(container: OrdersContainer) -> dict[str, Subscription]:
    """event type -> Subscription(message class, handler(uow, message, envelope))."""
    feed = RiskFeed(container.time_zones, container.new_id, container.clock)
    return {message.DESCRIPTOR.full_name: Subscription(message, handler)
            for message, handler in feed.handlers().items()}


if __name__ == "__main__":
    # AUTH_GRPC_ADDR: shifts are read on the location's wall clock (its time zone from auth).
    container = bootstrap(settings(require=("kafka_bootstrap_servers", "auth_grpc_addr")))
    run_consumer(SERVICE, container, TOPICS, subscriptions(container))
