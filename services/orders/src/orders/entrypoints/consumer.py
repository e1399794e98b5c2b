"""The orders consumer: the kitchen display's tickets from orders.order.v1 (every event carries the
order as it is now: service_layer.kitchen.apply_order_event brings the order's tickets in line)."""
from auraconnect.orders.v1 import events_pb2 as order_events
from chassis.consumer import Subscription
from chassis.runtime import run_consumer

from orders.bootstrap import OrdersContainer, bootstrap
from orders.config import SERVICE, settings
from orders.service_layer import kitchen

TOPICS = ["orders.order.v1"]
ORDER_EVENTS = (order_events.OrderPlaced, order_events.OrderSent, order_events.OrderLinesAdded,
                order_events.OrderLineVoided, order_events.OrderCourseHeld, order_events.OrderCourseFired,
                order_events.OrderStatusChanged, order_events.OrderCancelled, order_events.OrderVoided)


def subscriptions(container: OrdersContainer) -> dict:
    """event type -> Subscription(message class, handler(uow, message, envelope))."""
    peers = container.peers()

    def to_the_kitchen(uow, message, envelope) -> None:
        kitchen.apply_order_event(uow, message.order, peers=peers, occurred_at=envelope.time)

    return {event.DESCRIPTOR.full_name: Subscription(event, to_the_kitchen) for event in ORDER_EVENTS}


if __name__ == "__main__":
    container = bootstrap(settings(require=("kafka_bootstrap_servers",)))
    run_consumer(SERVICE, container, TOPICS, subscriptions(container))
