"""pos-bridge's unit of work: one transaction, its repositories and the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from pos_bridge.adapters.repositories import ConnectionRepository, InboundEventRepository, PosOrderRepository
from pos_bridge.adapters.repositories_sync import (
    ConnectionSyncRepository,
    MenuLinkRepository,
    OutboundChangeRepository,
    PosOrderLinkRepository,
    SyncAuditRepository,
    SyncReviewRepository,
)
from pos_bridge.adapters.webhook_repositories import WebhookDeliveryRepository, WebhookSubscriptionRepository


class PosBridgeUnitOfWork(SqlUnitOfWork):
    connections: ConnectionRepository
    inbound_events: InboundEventRepository
    pos_orders: PosOrderRepository
    outbound: OutboundChangeRepository        # the two-way sync (repositories_sync.py)
    sync_state: ConnectionSyncRepository
    menu_links: MenuLinkRepository
    sync_audit: SyncAuditRepository
    sync_reviews: SyncReviewRepository
    pos_order_links: PosOrderLinkRepository
    webhook_subscriptions: WebhookSubscriptionRepository
    webhook_deliveries: WebhookDeliveryRepository

    def _open(self, session: Session) -> None:
        self.connections = ConnectionRepository(session)
        self.inbound_events = InboundEventRepository(session)
        self.pos_orders = PosOrderRepository(session)
        self.outbound = OutboundChangeRepository(session)
        self.sync_state = ConnectionSyncRepository(session)
        self.menu_links = MenuLinkRepository(session)
        self.sync_audit = SyncAuditRepository(session)
        self.sync_reviews = SyncReviewRepository(session)
        self.pos_order_links = PosOrderLinkRepository(session)
        self.webhook_subscriptions = WebhookSubscriptionRepository(session)
        self.webhook_deliveries = WebhookDeliveryRepository(session)
