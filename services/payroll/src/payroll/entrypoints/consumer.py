"""payroll consumes orders: a placed order credits its tip to the server who took it; a cancelled or
voided one takes it back; a payment's tip is credited to the check's server, a refunded tip is taken off."""
from auraconnect.orders.v1 import events_pb2 as order_events
from chassis.consumer import Subscription
from chassis.runtime import run_consumer

from payroll.bootstrap import bootstrap
from payroll.config import SERVICE, settings
from payroll.service_layer.tips import (
    record_tip_from_order,
    record_tip_from_payment,
    reverse_refunded_tip,
    reverse_tip_of_order,
)

TOPICS = ["orders.order.v1"]
SUBSCRIPTIONS = {
    order_events.OrderPlaced.DESCRIPTOR.full_name: Subscription(order_events.OrderPlaced, record_tip_from_order),
    order_events.OrderCancelled.DESCRIPTOR.full_name: Subscription(order_events.OrderCancelled, reverse_tip_of_order),
    order_events.OrderVoided.DESCRIPTOR.full_name: Subscription(order_events.OrderVoided, reverse_tip_of_order),
    order_events.OrderPaymentRecorded.DESCRIPTOR.full_name: Subscription(order_events.OrderPaymentRecorded,
                                                                         record_tip_from_payment),
    order_events.OrderRefunded.DESCRIPTOR.full_name: Subscription(order_events.OrderRefunded, reverse_refunded_tip),
}

if __name__ == "__main__":
    run_consumer(SERVICE, bootstrap(settings()), TOPICS, SUBSCRIPTIONS)
