"""The auth unit of work: one transaction, the outbox, and the repositories of the auth tables."""
from __future__ import annotations

from chassis.uow import SqlUnitOfWork
from sqlalchemy.orm import Session

from auth.adapters.repositories import (
    AuditRepository,
    LocationRepository,
    RefreshTokenRepository,
    RoleRepository,
    SigningKeyRepository,
    TenantRepository,
    UserRepository,
)


class AuthUnitOfWork(SqlUnitOfWork):
    tenants: TenantRepository
    locations: LocationRepository
    users: UserRepository
    roles: RoleRepository
    refresh_tokens: RefreshTokenRepository
    audit: AuditRepository
    signing_keys: SigningKeyRepository

    def _open(self, session: Session) -> None:
        self.tenants = TenantRepository(session)
        self.locations = LocationRepository(session)
        self.users = UserRepository(session)
        self.roles = RoleRepository(session)
        self.refresh_tokens = RefreshTokenRepository(session)
        self.audit = AuditRepository(session)
        self.signing_keys = SigningKeyRepository(session)
