"""Users of a tenant: create, read, change roles/locations, (de)activate, delete, passwords, unlock.

Each change writes its audit row and its auth.user.v1 event in the same transaction as the change.
Tenant comes from the caller's verified identity, never from the request.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from auraconnect.auth.v1 import events_pb2
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.outbox import add_event
from chassis.rbac import effective_permissions
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.adapters.orm import Tenant, User
from auth.adapters.throttle import LoginThrottle, account_key
from auth.config import SOURCE
from auth.domain import validation
from auth.domain.passwords import hash_password, password_problem, verify_password
from auth.domain.roles import check_known_roles, check_may_grant, check_may_manage
from auth.service_layer import audit, refresh
from auth.service_layer.audit import Actor, AuditRecord, timestamp
from auth.service_layer.directory import (
    check_locations_exist,
    custom_roles,
    live_tenant,
    location_in_tenant,
    user_in_tenant,
)

TOPIC = "auth.user.v1"


@dataclass
class UserChanges:
    display_name: str | None = None
    roles: list[str] | None = None
    location_ids: list[str] | None = None
    active: bool | None = None


def to_dict(user: User, locked_seconds: int = 0) -> dict:
    return {"user_id": str(user.id), "tenant_id": str(user.tenant_id), "email": user.email,
            "display_name": user.display_name, "roles": list(user.roles),
            "location_ids": [str(x) for x in user.location_ids], "active": user.active,
            "locked_for_seconds": locked_seconds,
            "created_at": user.created_at.isoformat(), "updated_at": user.updated_at.isoformat()}


def check_password(password: str, email: str, tenant_slug: str, field: str = "password") -> None:
    problem = password_problem(password, (email, email.split("@")[0], tenant_slug))
    if problem:
        raise InvalidInput(problem, field=field)


def _location_uuids(caller: Identity, values: list[str], field: str = "location_ids") -> list[uuid.UUID]:
    result = []
    for index, value in enumerate(values):
        location = validation.parse_uuid(value, f"{field}[{index}]")
        if not caller.may_access_location(str(location)):
            raise PermissionDenied("cannot assign a location you do not work at")
        result.append(location)
    if caller.location_ids and not result:
        # An empty list means "every location": more than a location-restricted caller has.
        raise PermissionDenied("cannot grant access to every location")
    return sorted(set(result))


def _within_reach(caller: Identity, user: User) -> bool:
    """A location-restricted caller manages only users whose locations are all among its own."""
    if not caller.location_ids:
        return True
    return bool(user.location_ids) and all(caller.may_access_location(str(x)) for x in user.location_ids)


def _check_manage(session: Session, caller: Identity, user: User) -> dict[str, frozenset[str]]:
    custom = custom_roles(session, user.tenant_id)
    if not _within_reach(caller, user):
        raise NotFound("no such user", field="user_id")
    check_may_manage(caller.permissions, list(user.roles), custom)
    return custom


def _user_event(user: User, changed: list[str], actor: str, now: datetime) -> events_pb2.UserUpdated:
    return events_pb2.UserUpdated(
        tenant_id=str(user.tenant_id), user_id=str(user.id), email=user.email, display_name=user.display_name,
        roles=list(user.roles), location_ids=[str(x) for x in user.location_ids], active=user.active,
        changed_fields=changed, actor_id=actor, updated_at=timestamp(now))


def create_user(session: Session, caller: Identity, actor: Actor, email: str, display_name: str, password: str,
                roles: list[str], location_ids: list[str]) -> User:
    tenant = live_tenant(session, caller.tenant_uuid)
    return add_user(session, tenant, actor, caller.permissions, caller, email, display_name, password, roles,
                    location_ids)


def add_user(session: Session, tenant: Tenant, actor: Actor, granter_permissions: frozenset[str] | None,
             caller: Identity | None, email: str, display_name: str, password: str, roles: list[str],
             location_ids: list[str]) -> User:
    """granter_permissions None: a platform operator creating a tenant's first admin."""
    email = validation.email(email)
    display_name = validation.text(display_name, "display_name", required=False)
    custom = custom_roles(session, tenant.id)
    roles = check_known_roles(roles, custom)
    if granter_permissions is not None:
        check_may_grant(granter_permissions, effective_permissions(roles, custom))
    locations = _location_uuids(caller, location_ids) if caller else [
        validation.parse_uuid(v, f"location_ids[{i}]") for i, v in enumerate(location_ids)]
    check_locations_exist(session, tenant.id, locations)
    check_password(password, email, tenant.slug)
    now = datetime.now(UTC)
    user = User(tenant_id=tenant.id, email=email, display_name=display_name, password_hash=hash_password(password),
                roles=roles, location_ids=locations, active=True, password_changed_at=now)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict("a user with this e-mail already exists in the tenant", field="email") from None
    add_event(session, SOURCE, TOPIC, key=str(user.id), subject=str(user.id), message=events_pb2.UserCreated(
        tenant_id=str(tenant.id), user_id=str(user.id), email=email, roles=roles, created_at=timestamp(now),
        display_name=display_name, location_ids=[str(x) for x in locations], actor_id=actor.actor_id))
    audit.record(session, actor, AuditRecord("user.created", tenant.id, "user", str(user.id),
                                             details={"roles": ",".join(roles)}))
    return user


def list_users(session: Session, caller: Identity, location_id: str | None = None,
               include_inactive: bool = True) -> list[User]:
    query = select(User).where(User.tenant_id == caller.tenant_uuid, User.deleted_at.is_(None))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    users = session.scalars(query.order_by(User.email)).all()
    if location_id:
        # A location of another tenant (or none) is "not found", not "nobody works there".
        location = str(location_in_tenant(session, caller.tenant_uuid,
                                          validation.parse_uuid(location_id, "location_id")).id)
        users = [u for u in users if not u.location_ids or location in {str(x) for x in u.location_ids}]
    return [u for u in users if _within_reach(caller, u) or str(u.id) == caller.subject]


def get_user(session: Session, caller: Identity, user_id: str) -> User:
    user = user_in_tenant(session, caller.tenant_uuid, validation.parse_uuid(user_id, "user_id"))
    if str(user.id) != caller.subject and not _within_reach(caller, user):
        raise NotFound("no such user", field="user_id")
    return user


def update_user(session: Session, caller: Identity, actor: Actor, user_id: str, changes: UserChanges) -> User:
    user = user_in_tenant(session, caller.tenant_uuid, validation.parse_uuid(user_id, "user_id"), for_update=True)
    custom = _check_manage(session, caller, user)
    now = datetime.now(UTC)
    changed: list[str] = []
    if changes.display_name is not None and changes.display_name != user.display_name:
        user.display_name = validation.text(changes.display_name, "display_name", required=False)
        changed.append("display_name")
    if changes.roles is not None:
        roles = check_known_roles(changes.roles, custom)
        if roles != sorted(user.roles):
            check_may_grant(caller.permissions, effective_permissions(roles, custom))
            audit.record(session, actor, AuditRecord("user.roles_changed", user.tenant_id, "user", str(user.id),
                                                     details={"from": ",".join(user.roles), "to": ",".join(roles)}))
            user.roles = roles
            changed.append("roles")
    if changes.location_ids is not None:
        locations = _location_uuids(caller, changes.location_ids)
        check_locations_exist(session, user.tenant_id, locations)
        if locations != sorted(user.location_ids):
            audit.record(session, actor, AuditRecord("user.locations_changed", user.tenant_id, "user", str(user.id),
                                                     details={"to": ",".join(map(str, locations))}))
            user.location_ids = locations
            changed.append("location_ids")
    if changes.active is not None and changes.active != user.active:
        if str(user.id) == caller.subject:
            raise InvalidInput("you cannot deactivate yourself", field="active")
        set_active(session, actor, user, changes.active, now)
        changed.append("active")
    if changed:
        user.updated_at = now
        add_event(session, SOURCE, TOPIC, key=str(user.id), subject=str(user.id),
                  message=_user_event(user, changed, actor.actor_id, now))
    return user


def set_active(session: Session, actor: Actor, user: User, active: bool, now: datetime) -> None:
    user.active = active
    if active:
        message = events_pb2.UserReactivated(tenant_id=str(user.tenant_id), user_id=str(user.id),
                                             actor_id=actor.actor_id, reactivated_at=timestamp(now))
    else:
        refresh.revoke_user(session, user.tenant_id, user.id, "deactivated")
        message = events_pb2.UserDeactivated(tenant_id=str(user.tenant_id), user_id=str(user.id),
                                             actor_id=actor.actor_id, deactivated_at=timestamp(now))
    add_event(session, SOURCE, TOPIC, key=str(user.id), subject=str(user.id), message=message)
    audit.record(session, actor, AuditRecord("user.reactivated" if active else "user.deactivated",
                                             user.tenant_id, "user", str(user.id)))


def delete_user(session: Session, caller: Identity, actor: Actor, user_id: str) -> None:
    user = user_in_tenant(session, caller.tenant_uuid, validation.parse_uuid(user_id, "user_id"), for_update=True)
    _check_manage(session, caller, user)
    if str(user.id) == caller.subject:
        raise InvalidInput("you cannot delete yourself", field="user_id")
    now = datetime.now(UTC)
    user.deleted_at = now
    user.active = False
    refresh.revoke_user(session, user.tenant_id, user.id, "deleted")
    add_event(session, SOURCE, TOPIC, key=str(user.id), subject=str(user.id), message=events_pb2.UserDeleted(
        tenant_id=str(user.tenant_id), user_id=str(user.id), actor_id=actor.actor_id, deleted_at=timestamp(now)))
    audit.record(session, actor, AuditRecord("user.deleted", user.tenant_id, "user", str(user.id)))


def change_own_password(session: Session, caller: Identity, actor: Actor, current: str, new: str) -> None:
    user = user_in_tenant(session, caller.tenant_uuid, validation.parse_uuid(caller.subject, "user_id"),
                          for_update=True)
    if not verify_password(user.password_hash, current):
        raise InvalidInput("is not your current password", field="current_password")
    _set_password(session, actor, user, new, "new_password", "user.password_changed")


def reset_password(session: Session, caller: Identity, actor: Actor, user_id: str, new: str) -> None:
    user = user_in_tenant(session, caller.tenant_uuid, validation.parse_uuid(user_id, "user_id"), for_update=True)
    _check_manage(session, caller, user)
    _set_password(session, actor, user, new, "new_password", "user.password_reset")


def _set_password(session: Session, actor: Actor, user: User, new: str, field: str, action: str) -> None:
    tenant = live_tenant(session, user.tenant_id)
    check_password(new, user.email, tenant.slug, field)
    now = datetime.now(UTC)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    user.updated_at = now
    revoked = refresh.revoke_user(session, user.tenant_id, user.id, "password_changed")
    audit.record(session, actor, AuditRecord(action, user.tenant_id, "user", str(user.id),
                                             details={"refresh_tokens_revoked": str(revoked)}))


def unlock(session: Session, caller: Identity, actor: Actor, throttle: LoginThrottle, user_id: str) -> None:
    user = user_in_tenant(session, caller.tenant_uuid, validation.parse_uuid(user_id, "user_id"))
    _check_manage(session, caller, user)
    tenant = live_tenant(session, user.tenant_id)
    throttle.unlock(account_key(tenant.slug, user.email))
    audit.record(session, actor, AuditRecord("user.unlocked", user.tenant_id, "user", str(user.id)))


def locked_seconds(session: Session, throttle: LoginThrottle, user: User) -> int:
    tenant = session.get(Tenant, user.tenant_id)
    return throttle.locked_for(account_key(tenant.slug, user.email))
