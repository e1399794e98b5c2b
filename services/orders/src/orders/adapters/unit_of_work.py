"""The orders unit of work: one transaction, the orders repository, the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders.adapters.repositories import OrderRepository
from orders.domain.order import IdempotencyKeyTaken

# Named by the naming convention in migration 0001.
IDEMPOTENCY_CONSTRAINT = "uq_orders_tenant_id_idempotency_key"


class OrdersUnitOfWork(SqlUnitOfWork):
    orders: OrderRepository

    def _open(self, session: Session) -> None:
        self.orders = OrderRepository(session)

    def flush(self) -> None:
        self.orders.write_changes()
        self._translated(self.session.flush)

    def _commit(self) -> None:
        self.orders.write_changes()
        self._translated(self.session.commit)

    @staticmethod
    def _translated(action) -> None:
        """Turns the one integrity error the service layer handles into a domain exception (it
        imports no SQLAlchemy); every other one stays what it is."""
        try:
            action()
        except IntegrityError as error:
            if getattr(getattr(error.orig, "diag", None), "constraint_name", None) == IDEMPOTENCY_CONSTRAINT:
                raise IdempotencyKeyTaken(IDEMPOTENCY_CONSTRAINT) from error
            raise
