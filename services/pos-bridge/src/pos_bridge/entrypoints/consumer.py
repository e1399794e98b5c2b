"""pos-bridge's background process: the inbound worker (stored POS notifications -> fetch the full
order from the POS -> keep the newest -> orders), the reconciliation poller (Clover and Toast orders
changed since each connection's cursor -> the same worker), beside the Kafka consumer of order events (whose
handlers, pushing our status changes back to the POS, come with the two-way sync; until then it
follows the topic so its offsets and dead letters are in place).

The loops share one process, its health server and its clean stop."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from chassis import readiness
from chassis.consumer import IdempotentConsumer
from chassis.runtime import start
from chassis.telemetry import shutdown_tracing
from chassis.worker import run_worker

from pos_bridge.bootstrap import PosBridgeContainer, bootstrap
from pos_bridge.config import SERVICE, settings
from pos_bridge.entrypoints.webhook_worker import start_webhook_threads
from pos_bridge.service_layer.inbound import process_due_events
from pos_bridge.service_layer.reconcile import poll_due_connections

TOPICS = ["orders.order.v1"]
SUBSCRIPTIONS: dict = {}

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


def main() -> None:
    config = settings("kafka_bootstrap_servers", "pos_credentials_key", "orders_grpc_addr")
    start(SERVICE, "consumer", config)
    container = bootstrap(config)
    consumer = IdempotentConsumer(container.uow, config.kafka_bootstrap_servers, group_id=SERVICE,
                                  topics=TOPICS, subscriptions=SUBSCRIPTIONS)

    def both(stop: threading.Event) -> None:
        workers = [threading.Thread(target=inbound_loop, args=(container, stop), name="inbound", daemon=True),
                   threading.Thread(target=reconcile_loop, args=(container, stop), name="reconcile", daemon=True)]
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
