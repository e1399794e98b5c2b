"""Users of a tenant: create, read, change roles/locations, (de)activate, delete, passwords, unlock.

Each change writes its audit row and its auth.user.v1 event in the same unit of work as the change.
Tenant comes from the caller's verified identity, never from the request.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from auraconnect.auth.v1 import events_pb2
from chassis.bootstrap import Clock, utc_now
from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.rbac import PLATFORM_ROLES, effective_permissions
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from auth.adapters.orm import Tenant, User
from auth.domain import validation
from auth.domain.errors import TooManyAttempts
from auth.domain.passwords import hash_password, password_problem, verify_password
from auth.domain.roles import (
    check_known_roles,
    check_may_grant,
    check_may_manage,
    check_no_new_platform_roles,
)
from auth.service_layer import audit, refresh
from auth.service_layer.audit import Actor, AuditRecord
from auth.service_layer.directory import (
    check_locations_exist,
    custom_roles,
    is_operator_tenant,
    live_tenant,
    location_in_tenant,
    permissions_of,
    user_in_tenant,
)
from auth.service_layer.ports import LoginThrottle

TOPIC = "auth.user.v1"


@dataclass
class NewUser:
    email: str
    display_name: str
    password: str
    roles: list[str]
    location_ids: list[str]


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


def _with_permissions(tx: UnitOfWork, user: User) -> dict:
    """The user as peers see it over gRPC: with its effective permissions."""
    return {**to_dict(user), "permissions": sorted(permissions_of(tx, user))}


def check_password(password: str, email: str, tenant_slug: str, field: str = "password") -> None:
    problem = password_problem(password, (email, email.split("@")[0], tenant_slug))
    if problem:
        raise InvalidInput(problem, field=field)


def _location_uuids(caller: Identity, values: list[str], field: str = "location_ids") -> list[uuid.UUID]:
    result = []
    for index, value in enumerate(values):
        location = parse_uuid(value, f"{field}[{index}]")
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


def _check_manage(tx: UnitOfWork, caller: Identity, user: User) -> dict[str, frozenset[str]]:
    custom = custom_roles(tx, user.tenant_id)
    if not _within_reach(caller, user):
        raise NotFound("no such user", field="user_id")
    check_may_manage(caller.permissions, list(user.roles), custom, is_operator_tenant(tx, user.tenant_id))
    return custom


def _stage(tx: UnitOfWork, user: User, message, now: datetime) -> None:
    tx.add_event(TOPIC, str(user.id), message, subject=str(user.id), occurred_at=now)


def stage_update(tx: UnitOfWork, user: User, changed: list[str], actor: Actor, now: datetime) -> None:
    """Stages UserUpdated for a change made in `tx` (also by the operator's commands)."""
    _stage(tx, user, _user_event(user, changed, actor.actor_id, now), now)


def _user_event(user: User, changed: list[str], actor: str, now: datetime) -> events_pb2.UserUpdated:
    return events_pb2.UserUpdated(
        tenant_id=str(user.tenant_id), user_id=str(user.id), email=user.email, display_name=user.display_name,
        roles=list(user.roles), location_ids=[str(x) for x in user.location_ids], active=user.active,
        changed_fields=changed, actor_id=actor, updated_at=to_timestamp(now))


def create_user(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, new: NewUser, *,
                clock: Clock = utc_now) -> dict:
    with uow() as tx:
        tenant = live_tenant(tx, caller.tenant_uuid)
        user = add_user(tx, tenant, actor, caller.permissions, caller, new, clock())
        shown = to_dict(user)
        tx.commit()
    return shown


def add_user(tx: UnitOfWork, tenant: Tenant, actor: Actor, granter_permissions: frozenset[str] | None,
             caller: Identity | None, new: NewUser, now: datetime) -> User:
    """In the open unit of work `tx`. granter_permissions None: a platform operator creating a
    tenant's first admin (who may also be a platform operator, in an operator tenant)."""
    email = validation.email(new.email)
    display_name = validation.text(new.display_name, "display_name", required=False)
    custom = custom_roles(tx, tenant.id)
    if granter_permissions is not None:
        check_no_new_platform_roles(new.roles)
    roles = check_known_roles(new.roles, custom)
    if granter_permissions is not None:
        check_may_grant(granter_permissions, effective_permissions(roles, custom))
    elif set(roles) & PLATFORM_ROLES.keys() and not tenant.platform_operator:
        raise InvalidInput("platform roles exist only in a platform-operator tenant", field="roles")
    locations = _location_uuids(caller, new.location_ids) if caller else [
        parse_uuid(v, f"location_ids[{i}]") for i, v in enumerate(new.location_ids)]
    check_locations_exist(tx, tenant.id, locations)
    check_password(new.password, email, tenant.slug)
    user = User(tenant_id=tenant.id, email=email, display_name=display_name,
                password_hash=hash_password(new.password), roles=roles, location_ids=locations, active=True,
                password_changed_at=now)
    if not tx.users.add(user):
        raise Conflict("a user with this e-mail already exists in the tenant", field="email")
    _stage(tx, user, events_pb2.UserCreated(
        tenant_id=str(tenant.id), user_id=str(user.id), email=email, roles=roles, created_at=to_timestamp(now),
        display_name=display_name, location_ids=[str(x) for x in locations], actor_id=actor.actor_id), now)
    audit.record(tx, actor, AuditRecord("user.created", tenant.id, "user", str(user.id),
                                        details={"roles": ",".join(roles)}), now)
    return user


def list_users(uow: UnitOfWorkFactory, caller: Identity, location_id: str | None = None,
               include_inactive: bool = True, with_permissions: bool = False) -> list[dict]:
    with uow() as tx:
        users = tx.users.of_tenant(caller.tenant_uuid, include_inactive)
        if location_id:
            # A location of another tenant (or none) is "not found", not "nobody works there".
            location = str(location_in_tenant(tx, caller.tenant_uuid, parse_uuid(location_id, "location_id")).id)
            users = [u for u in users if not u.location_ids or location in {str(x) for x in u.location_ids}]
        users = [u for u in users if _within_reach(caller, u) or str(u.id) == caller.subject]
        return [_with_permissions(tx, u) if with_permissions else to_dict(u) for u in users]


def _visible_user(tx: UnitOfWork, caller: Identity, user_id: str) -> User:
    user = user_in_tenant(tx, caller.tenant_uuid, parse_uuid(user_id, "user_id"))
    if str(user.id) != caller.subject and not _within_reach(caller, user):
        raise NotFound("no such user", field="user_id")
    return user


def get_user(uow: UnitOfWorkFactory, caller: Identity, user_id: str, throttle: LoginThrottle | None = None) -> dict:
    """A user of the caller's tenant: staff:read, or staff:read:own for oneself. With `throttle`, how
    long its login stays locked."""
    with uow() as tx:
        user = _visible_user(tx, caller, user_id)
        if not caller.may("staff:read", str(user.id)):
            raise PermissionDenied("missing permission staff:read")
        locked = throttle.locked_for(_account(tx, throttle, user)) if throttle is not None else 0
        return to_dict(user, locked)


def get_user_with_permissions(uow: UnitOfWorkFactory, caller: Identity, user_id: str) -> dict:
    """For peers: the user and its effective permissions (the caller's staff:read checked by the caller)."""
    with uow() as tx:
        return _with_permissions(tx, _visible_user(tx, caller, user_id))


def update_user(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, user_id: str, changes: UserChanges, *,
                clock: Clock = utc_now) -> dict:
    with uow() as tx:
        user = user_in_tenant(tx, caller.tenant_uuid, parse_uuid(user_id, "user_id"), for_update=True)
        custom = _check_manage(tx, caller, user)
        now = clock()
        changed: list[str] = []
        if changes.display_name is not None and changes.display_name != user.display_name:
            user.display_name = validation.text(changes.display_name, "display_name", required=False)
            changed.append("display_name")
        if changes.roles is not None:
            check_no_new_platform_roles(changes.roles, user.roles)
            roles = check_known_roles(changes.roles, custom)
            if roles != sorted(user.roles):
                check_may_grant(caller.permissions, effective_permissions(roles, custom))
                audit.record(tx, actor, AuditRecord("user.roles_changed", user.tenant_id, "user", str(user.id),
                                                    details={"from": ",".join(user.roles), "to": ",".join(roles)}),
                             now)
                user.roles = roles
                changed.append("roles")
        if changes.location_ids is not None:
            locations = _location_uuids(caller, changes.location_ids)
            check_locations_exist(tx, user.tenant_id, locations)
            if locations != sorted(user.location_ids):
                audit.record(tx, actor, AuditRecord("user.locations_changed", user.tenant_id, "user", str(user.id),
                                                    details={"to": ",".join(map(str, locations))}), now)
                user.location_ids = locations
                changed.append("location_ids")
        if changes.active is not None and changes.active != user.active:
            if str(user.id) == caller.subject:
                raise InvalidInput("you cannot deactivate yourself", field="active")
            _set_active(tx, actor, user, changes.active, now)
            changed.append("active")
        if changed:
            user.updated_at = now
            _stage(tx, user, _user_event(user, changed, actor.actor_id, now), now)
        shown = to_dict(user)
        tx.commit()
    return shown


def _set_active(tx: UnitOfWork, actor: Actor, user: User, active: bool, now: datetime) -> None:
    user.active = active
    if active:
        message = events_pb2.UserReactivated(tenant_id=str(user.tenant_id), user_id=str(user.id),
                                             actor_id=actor.actor_id, reactivated_at=to_timestamp(now))
    else:
        refresh.revoke_user(tx, user.tenant_id, user.id, "deactivated", now)
        message = events_pb2.UserDeactivated(tenant_id=str(user.tenant_id), user_id=str(user.id),
                                             actor_id=actor.actor_id, deactivated_at=to_timestamp(now))
    _stage(tx, user, message, now)
    audit.record(tx, actor, AuditRecord("user.reactivated" if active else "user.deactivated",
                                        user.tenant_id, "user", str(user.id)), now)


def delete_user(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, user_id: str, *,
                clock: Clock = utc_now) -> None:
    with uow() as tx:
        user = user_in_tenant(tx, caller.tenant_uuid, parse_uuid(user_id, "user_id"), for_update=True)
        _check_manage(tx, caller, user)
        if str(user.id) == caller.subject:
            raise InvalidInput("you cannot delete yourself", field="user_id")
        now = clock()
        user.deleted_at = now
        user.active = False
        refresh.revoke_user(tx, user.tenant_id, user.id, "deleted", now)
        _stage(tx, user, events_pb2.UserDeleted(tenant_id=str(user.tenant_id), user_id=str(user.id),
                                                actor_id=actor.actor_id, deleted_at=to_timestamp(now)), now)
        audit.record(tx, actor, AuditRecord("user.deleted", user.tenant_id, "user", str(user.id)), now)
        tx.commit()


def change_own_password(uow: UnitOfWorkFactory, throttle: LoginThrottle, caller: Identity, actor: Actor,
                        current: str, new: str, *, clock: Clock = utc_now) -> None:
    """The current password is checked like a login's: counted against the account's throttle before
    it is checked, and a locked account is refused (429) even with the right one. Otherwise a stolen
    access token could be used to guess the password here."""
    with uow() as tx:
        user = user_in_tenant(tx, caller.tenant_uuid, parse_uuid(caller.subject, "user_id"), for_update=True)
        account = _account(tx, throttle, user)
        wait = throttle.reserve(account, actor.client_address)
        if wait:
            refused = AuditRecord("password_change.throttled", user.tenant_id, "user", str(user.id), "failure")
        elif verify_password(user.password_hash, current):
            throttle.record_success(account, actor.client_address)
            _set_password(tx, actor, user, new, "new_password", "user.password_changed", clock())
            tx.commit()
            return
        else:
            refused = AuditRecord("password_change.failed", user.tenant_id, "user", str(user.id), "failure")
    # Refused: nothing of the change is written, only the audit of the refusal (and of a lock).
    locked = None if wait else throttle.record_failure(account, actor.client_address)
    with uow() as tx:
        now = clock()
        audit.record(tx, actor, refused, now)
        if locked:
            audit.record(tx, actor, AuditRecord("login.locked", refused.tenant_id, "user", refused.subject_id,
                                                "failure", {"lockout_seconds": str(locked),
                                                            "via": "password_change"}), now)
        tx.commit()
    if wait:
        raise TooManyAttempts("too many failed password checks; retry later", wait)
    raise InvalidInput("is not your current password", field="current_password")


def reset_password(uow: UnitOfWorkFactory, caller: Identity, actor: Actor, user_id: str, new: str, *,
                   clock: Clock = utc_now) -> None:
    with uow() as tx:
        user = user_in_tenant(tx, caller.tenant_uuid, parse_uuid(user_id, "user_id"), for_update=True)
        _check_manage(tx, caller, user)
        _set_password(tx, actor, user, new, "new_password", "user.password_reset", clock())
        tx.commit()


def _set_password(tx: UnitOfWork, actor: Actor, user: User, new: str, field: str, action: str,
                  now: datetime) -> None:
    tenant = live_tenant(tx, user.tenant_id)
    check_password(new, user.email, tenant.slug, field)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    user.updated_at = now
    revoked = refresh.revoke_user(tx, user.tenant_id, user.id, "password_changed", now)
    audit.record(tx, actor, AuditRecord(action, user.tenant_id, "user", str(user.id),
                                        details={"refresh_tokens_revoked": str(revoked)}), now)


def unlock(uow: UnitOfWorkFactory, throttle: LoginThrottle, caller: Identity, actor: Actor, user_id: str, *,
           clock: Clock = utc_now) -> None:
    with uow() as tx:
        user = user_in_tenant(tx, caller.tenant_uuid, parse_uuid(user_id, "user_id"))
        _check_manage(tx, caller, user)
        tenant = live_tenant(tx, user.tenant_id)
        throttle.unlock(throttle.account(tenant.slug, user.email))
        audit.record(tx, actor, AuditRecord("user.unlocked", user.tenant_id, "user", str(user.id)), clock())
        tx.commit()


def _account(tx: UnitOfWork, throttle: LoginThrottle, user: User) -> str:
    return throttle.account(tx.tenants.get(user.tenant_id).slug, user.email)
