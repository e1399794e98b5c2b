"""payroll consumes placed orders to credit tips to the server who took them."""
from auraconnect.orders.v1 import events_pb2 as order_events
from chassis.consumer import Subscription
from chassis.runtime import run_consumer

from payroll.bootstrap import bootstrap
from payroll.config import SERVICE, settings
from payroll.service_layer.tips import record_tip_from_order

TOPICS = ["orders.order.v1"]
SUBSCRIPTIONS = {
    order_events.OrderPlaced.DESCRIPTOR.full_name: Subscription(order_events.OrderPlaced, record_tip_from_order),
}

if __name__ == "__main__":
    run_consumer(SERVICE, bootstrap(settings()), TOPICS, SUBSCRIPTIONS)
