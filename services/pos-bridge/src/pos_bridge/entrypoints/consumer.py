"""pos-bridge's background process: the outbound sender (our status changes and 86s, queued by the
Kafka handlers below, to the POS), the menu puller, the inbound worker (stored POS notifications -> fetch the full
order from the POS -> keep the newest -> orders), the reconciliation poller (Clover and Toast orders
changed since each connection's cursor -> the same worker), beside the Kafka consumer of order events (whose
handlers, pushing our status changes back to the POS, come with the two-way sync; until then it
follows the topic so its offsets and dead letters are in place).

The loops share one process, its health server and its clean stop."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.orders.v1 import menu_events_pb2 as menu_events
from chassis import readiness
from chassis.consumer import IdempotentConsumer, Subscription
from chassis.runtime import start
from chassis.telemetry import shutdown_tracing
from chassis.worker import run_worker

from pos_bridge.bootstrap import PosBridgeContainer, bootstrap
from pos_bridge.config import SERVICE, settings
from pos_bridge.entrypoints.webhook_worker import start_webhook_threads
from pos_bridge.service_layer.inbound import process_due_events
from pos_bridge.service_layer.outbound import queue_menu_availability, queue_order_status, send_due_changes
from pos_bridge.service_layer.reconcile import poll_due_connections
from pos_bridge.service_layer.sync import pull_due_menus

TOPICS = ["orders.order.v1", "orders.menu.v1"]
# Our status changes and 86s, queued for the POS (service_layer/outbound.py) in the event's transaction.
SUBSCRIPTIONS: dict = {
    message.DESCRIPTOR.full_name: Subscription(message, handler) for message, handler in (
        (order_events.OrderStatusChanged, queue_order_status),
        (order_events.OrderCancelled, queue_order_status),
        (order_events.OrderVoided, queue_order_status),
        (menu_events.MenuItemAvailabilityChanged, queue_menu_availability),
    )
}

log = logging.getLogger(__name__)


def inbound_loop(container: PosBridgeContainer, stop: threading.Event) -> None:
    """Process stored notifications until `stop`; a failure is logged and the loop goes on."""
    while not stop.is_set():
        try:
            taken = process_due_events(container.uow, container.sealer, container.providers, container.orders,
                                       container.clock())
        except Exception:  # noqa: BLE001 - a worker never dies of one bad batch
            log.exception("inbound processing failed")
            taken = 0
        if not taken:
            stop.wait(container.config.inbound_poll_seconds)


def reconcile_loop(container: PosBridgeContainer, stop: threading.Event) -> None:
    """Poll Clover and Toast connections for changed orders (webhooks can be lost) until `stop`."""
    interval = timedelta(seconds=container.config.reconcile_poll_seconds)
    while not stop.is_set():
        try:
            poll_due_connections(container.uow, container.sealer, container.providers, container.clock(), interval)
        except Exception:  # noqa: BLE001 - a poller never dies of one bad connection
            log.exception("reconciliation poll failed")
        stop.wait(min(5.0, container.config.reconcile_poll_seconds))


def outbound_loop(container: PosBridgeContainer, stop: threading.Event) -> None:
    """Send queued changes to the POS (in order per object, circuit per connection) until `stop`."""
    while not stop.is_set():
        try:
            taken = send_due_changes(container.uow, container.sealer, container.providers, container.clock())
        except Exception:  # noqa: BLE001 - a sender never dies of one bad change
            log.exception("outbound sending failed")
            taken = 0
        if not taken:
            stop.wait(container.config.outbound_poll_seconds)


def menu_loop(container: PosBridgeContainer, stop: threading.Event) -> None:
    """Pull each connection's POS menu every MENU_PULL_SECONDS (or soon after an admin asks)."""
    interval = timedelta(seconds=container.config.menu_pull_seconds)
    while not stop.is_set():
        if container.menu is not None:
            try:
                pull_due_menus(container.uow, container.sealer, container.providers, container.menu,
                               container.clock(), interval, writer=container.menu_writer)
            except Exception:  # noqa: BLE001
                log.exception("menu pull failed")
        stop.wait(2.0)


def main() -> None:
    config = settings("kafka_bootstrap_servers", "pos_credentials_key", "orders_grpc_addr")
    start(SERVICE, "consumer", config)
    container = bootstrap(config)
    consumer = IdempotentConsumer(container.uow, config.kafka_bootstrap_servers, group_id=SERVICE,
                                  topics=TOPICS, subscriptions=SUBSCRIPTIONS)

    def both(stop: threading.Event) -> None:
        # Inbound processing waits on the POS (fetch) and on orders (CreateOrder): several threads
        # overlap those waits; SKIP LOCKED hands each event to one of them.
        inbound = [threading.Thread(target=inbound_loop, args=(container, stop), name=f"inbound-{i}", daemon=True)
                   for i in range(config.inbound_workers)]
        workers = [*inbound,
                   threading.Thread(target=reconcile_loop, args=(container, stop), name="reconcile", daemon=True),
                   threading.Thread(target=outbound_loop, args=(container, stop), name="outbound", daemon=True),
                   threading.Thread(target=menu_loop, args=(container, stop), name="menu", daemon=True)]
        for worker in workers:
            worker.start()
        webhooks = start_webhook_threads(container, stop)   # outbound webhooks: their own group and senders
        consumer.run(stop)
        for thread in [*workers, *webhooks]:
            thread.join(timeout=10)

    try:
        run_worker(both, config.bind_host, config.health_port, {
            "postgres": readiness.postgres(container.engine),
            "kafka": readiness.kafka(config.kafka_bootstrap_servers),
        })
    finally:
        shutdown_tracing()


if __name__ == "__main__":
    main()
