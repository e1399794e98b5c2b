"""The orders consumer: its own checks' events (orders.order.v1) feed two read sides, so counter, POS
and online checks are treated alike:
- the kitchen display's tickets (every event carries the order as it is now:
  service_layer.kitchen.apply_order_event brings the order's tickets in line);
- the risk review (service_layer.risk_feed judges voids, discounts, payments and refunds).
Both run in the event's one unit of work; each event is handled once (chassis.consumer records its id
in the same transaction). pos-bridge's POS orders arrive through gRPC CreateOrder, not this consumer."""
from auraconnect.orders.v1 import events_pb2 as order_events
from chassis.consumer import Subscription
from chassis.runtime import run_consumer

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.service_layer import kitchen
from orders.service_layer.risk_feed import RiskFeed

TOPICS = ["orders.order.v1"]
KITCHEN_EVENTS = (order_events.OrderPlaced, order_events.OrderSent, order_events.OrderLinesAdded,
                  order_events.OrderLineVoided, order_events.OrderCourseHeld, order_events.OrderCourseFired,
                  order_events.OrderStatusChanged, order_events.OrderCancelled, order_events.OrderVoided)


def subscriptions(container: OrdersContainer) -> dict[str, Subscription]:
    """event type -> Subscription(message class, handler(uow, message, envelope))."""
    peers, cache = container.peers(), kitchen.ConfigCache()
    risk = RiskFeed(container.time_zones, container.new_id, container.clock).handlers()

    def to_the_kitchen(uow, message, envelope) -> None:
        kitchen.apply_order_event(uow, message.order, peers=peers, occurred_at=envelope.time, cache=cache)

    def handler_for(event):
        steps = ([to_the_kitchen] if event in KITCHEN_EVENTS else []) + ([risk[event]] if event in risk else [])

        def handle(uow, message, envelope) -> None:
            for step in steps:
                step(uow, message, envelope)
        return handle

    return {event.DESCRIPTOR.full_name: Subscription(event, handler_for(event))
            for event in dict.fromkeys([*KITCHEN_EVENTS, *risk])}


if __name__ == "__main__":
    # AUTH_GRPC_ADDR: shifts are read on the location's wall clock (its time zone from auth).
    container = bootstrap(settings(require=("kafka_bootstrap_servers", "auth_grpc_addr")))
    run_consumer(SERVICE, container, TOPICS, subscriptions(container))
