"""pos-bridge's composition root: the one place that constructs its adapters.

Real adapters by default; a test passes fakes for any of them. A peer whose address is not
configured is left out (None): the process that calls it requires the address at start-up.
`providers` maps each POS name to its adapter (Square, Clover, Toast)."""
from __future__ import annotations

from dataclasses import dataclass, field

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.uow import UnitOfWorkFactory

from pos_bridge.adapters.unit_of_work import PosBridgeUnitOfWork
from pos_bridge.config import SOURCE, Settings
from pos_bridge.service_layer.ports import MenuReader, MenuWriter, Orders, Providers, Sealer
from pos_bridge.service_layer.webhook_ports import Resolver, WebhookPolicy, WebhookTransport
from pos_bridge.service_layer.webhook_receive import UnitOfWorkInbox, WebhookInbox


@dataclass
class PosBridgeContainer(Container):
    # The orders service's CreateOrder; None when ORDERS_GRPC_ADDR is unset (the consumer requires it).
    orders: Orders | None = None
    providers: Providers = field(default_factory=dict)   # "square" | "clover" | "toast" -> its PosProvider
    sealer: Sealer | None = None                         # None when POS_CREDENTIALS_KEY is unset
    menu: MenuReader | None = None                       # orders' MenuService (menu pulls); None like orders
    menu_writer: MenuWriter | None = None                # orders' UpsertMenuItems (menu pulls write); None like orders
    # Outbound webhooks for integrators: the sender's HTTP client, DNS, and the settings they run with.
    webhook_transport: WebhookTransport | None = None
    resolver: Resolver | None = None
    webhook_policy: WebhookPolicy = field(default_factory=WebhookPolicy)
    # Inbound webhooks' store (the acknowledgement path): async PostgreSQL, or over the given fake uow.
    webhook_inbox: WebhookInbox | None = None


def webhook_policy(config: Settings) -> WebhookPolicy:
    from datetime import timedelta

    return WebhookPolicy(
        allow_private_targets=config.webhooks_allow_private_targets,
        retry_base_seconds=config.webhooks_retry_base_seconds, retry_cap_seconds=config.webhooks_retry_cap_seconds,
        retry_horizon=timedelta(hours=config.webhooks_retry_horizon_hours),
        secret_overlap=timedelta(hours=config.webhooks_secret_overlap_hours),
        timeout_seconds=config.webhooks_timeout_seconds)


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, orders: Orders | None = None, providers: Providers | None = None,
              sealer: Sealer | None = None, webhook_transport: WebhookTransport | None = None,
              resolver: Resolver | None = None, menu: MenuReader | None = None,
              menu_writer: MenuWriter | None = None,
              webhook_inbox: WebhookInbox | None = None) -> PosBridgeContainer:
    if sealer is None and config.pos_credentials_key:
        from chassis.crypto import Sealer as AesGcmSealer

        sealer = AesGcmSealer(config.pos_credentials_key)
    if orders is None and config.orders_grpc_addr:
        from pos_bridge.adapters.orders_client import OrdersClient

        orders = OrdersClient(config.orders_grpc_addr)
    if menu is None and config.orders_grpc_addr:
        from pos_bridge.adapters.orders_client import MenuClient

        menu = MenuClient(config.orders_grpc_addr)
    if menu_writer is None and config.orders_grpc_addr:
        from pos_bridge.adapters.menu_writer import MenuWriterClient

        menu_writer = MenuWriterClient(config.orders_grpc_addr)
    if providers is None:
        from pos_bridge.adapters.clover.provider import CloverProvider
        from pos_bridge.adapters.square.provider import SquareProvider
        from pos_bridge.adapters.toast.provider import ToastProvider

        providers = {"square": SquareProvider(), "clover": CloverProvider(),
                     "toast": ToastProvider(signing=config.toast_signature_input)}
    if webhook_transport is None:
        from pos_bridge.adapters.webhook_http import HttpxWebhookTransport

        webhook_transport = HttpxWebhookTransport()
    if resolver is None:
        from pos_bridge.adapters.webhook_http import SystemResolver

        resolver = SystemResolver()
    if webhook_inbox is None and uow is None:
        from pos_bridge.adapters.webhook_inbox import PgWebhookInbox

        webhook_inbox = PgWebhookInbox(config.database_url, config.db_schema)   # opened on first use
    # pool: the consumer process runs the Kafka consumer, inbound, outbound, menu, poller and sender threads
    parts = base_parts(config, PosBridgeUnitOfWork, SOURCE, uow, clock, new_id, 12)
    return PosBridgeContainer(**parts, orders=orders, providers=providers, sealer=sealer,
                              webhook_transport=webhook_transport, resolver=resolver,
                              webhook_policy=webhook_policy(config), menu=menu, menu_writer=menu_writer,
                              webhook_inbox=webhook_inbox or UnitOfWorkInbox(parts["uow"]))
