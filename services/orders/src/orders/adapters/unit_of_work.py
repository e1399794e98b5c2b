"""The orders unit of work: one transaction, the orders, menu, pricing-rule, kitchen, payments, risk and
report repositories, the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from orders.adapters.kitchen_repository import KitchenRepository
from orders.adapters.menu_repository import MenuRepository
from orders.adapters.payments_repository import PaymentsRepository, SettlementRepository
from orders.adapters.pricing_repository import PricingRuleRepository
from orders.adapters.reports_repository import ReportsRepository
from orders.adapters.repositories import IdempotencyRepository, OrderRepository, translating_integrity_errors
from orders.adapters.risk_repository import RiskRepository


class OrdersUnitOfWork(SqlUnitOfWork):
    orders: OrderRepository
    idempotency: IdempotencyRepository
    pricing_rules: PricingRuleRepository
    menu: MenuRepository
    kitchen: KitchenRepository
    payments: PaymentsRepository
    settlements: SettlementRepository
    risk: RiskRepository
    reports: ReportsRepository

    def _open(self, session: Session) -> None:
        self.orders = OrderRepository(session)
        self.idempotency = IdempotencyRepository(session)
        self.pricing_rules = PricingRuleRepository(session)
        self.menu = MenuRepository(session)
        self.kitchen = KitchenRepository(session)
        self.payments = PaymentsRepository(session)
        self.settlements = SettlementRepository(session)
        self.risk = RiskRepository(session)
        self.reports = ReportsRepository(session)

    def flush(self) -> None:
        self.orders.write_changes()
        self.risk.write_changes()
        translating_integrity_errors(self.session.flush)

    def _commit(self) -> None:
        self.orders.write_changes()
        self.risk.write_changes()
        translating_integrity_errors(self.session.commit)
