"""The outbound webhook worker, inside pos-bridge's consumer process: a Kafka consumer of the public
topics (its own consumer group, so it never competes with the two-way sync's handlers) that turns each
event into delivery rows, and sender threads that post due deliveries.

Both are restart-safe: the consumer is the chassis' idempotent one (the delivery rows and the processed
event id commit together), the senders read their queue from PostgreSQL."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from auraconnect.orders.v1 import events_pb2 as order_events
from auraconnect.orders.v1 import menu_events_pb2 as menu_events
from auraconnect.payroll.v1 import events_pb2 as payroll_events
from chassis.consumer import IdempotentConsumer, Subscription
from prometheus_client import Counter

from pos_bridge.bootstrap import PosBridgeContainer
from pos_bridge.config import SERVICE
from pos_bridge.domain.subscriptions import SOURCE_TYPES, TOPICS
from pos_bridge.service_layer.deliveries import prune_log, record_handler, send_due

GROUP = f"{SERVICE}-webhooks"
MODULES = {"auraconnect.orders.v1.": (order_events, menu_events), "auraconnect.payroll.v1.": (payroll_events,)}

log = logging.getLogger(__name__)

ATTEMPTS = Counter("webhook_delivery_attempts_total", "Outbound webhook attempts by outcome",
                   ["outcome"])   # delivered | pending (failed, will retry) | dead (retry window over)


def message_class(source_type: str):
    package, _, name = source_type.rpartition(".")
    for module in MODULES[package + "."]:
        if hasattr(module, name):
            return getattr(module, name)
    raise LookupError(f"no protobuf message for {source_type}")


SUBSCRIPTIONS = {source_type: Subscription(message_class(source_type), record_handler)
                 for source_type in SOURCE_TYPES}


def webhook_consumer(container: PosBridgeContainer) -> IdempotentConsumer:
    return IdempotentConsumer(container.uow, container.config.kafka_bootstrap_servers, group_id=GROUP,
                              topics=list(TOPICS), subscriptions=SUBSCRIPTIONS)


def sender_loop(container: PosBridgeContainer, stop: threading.Event) -> None:
    """Post due deliveries until `stop`; a failure is logged and the loop goes on."""
    while not stop.is_set():
        try:
            taken = send_due(container.uow, container.sealer, container.webhook_transport, container.resolver,
                             container.webhook_policy, container.clock,
                             observe=lambda status: ATTEMPTS.labels(status).inc())
        except Exception:  # noqa: BLE001 - a sender never dies of one bad batch
            log.exception("webhook sending failed")
            taken = 0
        if not taken:
            stop.wait(container.config.webhooks_poll_seconds)


def prune_loop(container: PosBridgeContainer, stop: threading.Event, every_seconds: float = 3600.0) -> None:
    """Keep the delivery log to its retention: once an hour, forget what finished before it."""
    retention = timedelta(days=container.config.webhooks_log_retention_days)
    while not stop.wait(every_seconds):
        try:
            pruned = prune_log(container.uow, container.clock() - retention)
            if pruned:
                log.info("pruned %d finished webhook deliveries", pruned)
        except Exception:  # noqa: BLE001 - tried again in an hour
            log.exception("pruning the webhook delivery log failed")


def start_webhook_threads(container: PosBridgeContainer, stop: threading.Event) -> list[threading.Thread]:
    """The webhook consumer and the senders, as daemon threads stopping with `stop`."""
    consumer = webhook_consumer(container)
    threads = [threading.Thread(target=consumer.run, args=(stop,), name="webhook-consumer", daemon=True)]
    threads += [threading.Thread(target=sender_loop, args=(container, stop), name=f"webhook-sender-{n}", daemon=True)
                for n in range(container.config.webhooks_senders)]
    threads.append(threading.Thread(target=prune_loop, args=(container, stop), name="webhook-prune", daemon=True))
    for thread in threads:
        thread.start()
    return threads
