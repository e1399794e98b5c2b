"""pos-bridge's unit of work: one transaction, its repositories and the outbox."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from pos_bridge.adapters.repositories import ConnectionRepository


class PosBridgeUnitOfWork(SqlUnitOfWork):
    connections: ConnectionRepository

    def _open(self, session: Session) -> None:
        self.connections = ConnectionRepository(session)
