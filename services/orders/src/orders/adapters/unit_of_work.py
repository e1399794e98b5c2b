"""The orders unit of work: one transaction, the orders repository, the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from orders.adapters.repositories import IdempotencyRepository, OrderRepository, translating_integrity_errors


class OrdersUnitOfWork(SqlUnitOfWork):
    orders: OrderRepository
    idempotency: IdempotencyRepository

    def _open(self, session: Session) -> None:
        self.orders = OrderRepository(session)
        self.idempotency = IdempotencyRepository(session)

    def flush(self) -> None:
        self.orders.write_changes()
        translating_integrity_errors(self.session.flush)

    def _commit(self) -> None:
        self.orders.write_changes()
        translating_integrity_errors(self.session.commit)
