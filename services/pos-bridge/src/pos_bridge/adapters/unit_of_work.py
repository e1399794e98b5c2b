"""pos-bridge's unit of work: one transaction, its repositories and the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from pos_bridge.adapters.repositories import ConnectionRepository, InboundEventRepository, PosOrderRepository
from pos_bridge.adapters.webhook_repositories import WebhookDeliveryRepository, WebhookSubscriptionRepository


class PosBridgeUnitOfWork(SqlUnitOfWork):
    connections: ConnectionRepository
    inbound_events: InboundEventRepository
    pos_orders: PosOrderRepository
    webhook_subscriptions: WebhookSubscriptionRepository
    webhook_deliveries: WebhookDeliveryRepository

    def _open(self, session: Session) -> None:
        self.connections = ConnectionRepository(session)
        self.inbound_events = InboundEventRepository(session)
        self.pos_orders = PosOrderRepository(session)
        self.webhook_subscriptions = WebhookSubscriptionRepository(session)
        self.webhook_deliveries = WebhookDeliveryRepository(session)
