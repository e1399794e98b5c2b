"""Signing keys: the first key, the published JWKS, and rotation with no failed request.

Life of a key: created (published in the JWKS, not signing) -> activated (signing) -> superseded (a
newer key signs; still published while tokens it signed may live) -> retired (unpublished).

Rotation:
1. publish: a NEXT key appears in the JWKS but signs nothing yet;
2. wait until every verifier's cached JWKS has it (>= the JWKS cache duration, plus a margin);
3. activate: it signs new tokens; the previous key is superseded but stays published;
4. retire: once every token the previous key signed has expired (access TTL + clock skew),
   it leaves the JWKS. published_jwks() already hides such keys; a later run marks them retired.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from chassis.bootstrap import Clock, utc_now
from chassis.uow import UnitOfWork, UnitOfWorkFactory

from auth.service_layer import audit
from auth.service_layer.audit import Actor, AuditRecord
from auth.service_layer.ports import KeyRing

log = logging.getLogger(__name__)
CLOCK_SKEW = timedelta(seconds=60)  # verifiers may accept a token this long after exp


def token_lifetime(access_ttl_seconds: int) -> timedelta:
    return timedelta(seconds=access_ttl_seconds) + CLOCK_SKEW


def ensure_active_key(uow: UnitOfWorkFactory, keyring: KeyRing, *, clock: Clock = utc_now) -> str:
    """Creates the first key if there is none; serialized so concurrent starters make only one."""
    with uow() as tx:
        tx.signing_keys.lock()
        current = tx.signing_keys.active()
        kid = current.kid if current else tx.signing_keys.add(keyring.new_key(clock(), activate=True)).kid
        tx.commit()
    return kid


def published_jwks(uow: UnitOfWorkFactory, access_ttl_seconds: int, *, clock: Clock = utc_now) -> dict:
    """Every key verifiers may meet: pending (next), active, and superseded ones whose tokens may
    still be alive. A superseded key past that is left out even before a rotation run retires it."""
    with uow() as tx:
        rows = tx.signing_keys.published(clock(), token_lifetime(access_ttl_seconds))
        return {"keys": [row.public_jwk for row in rows]}


def rotate(uow: UnitOfWorkFactory, keyring: KeyRing, publish_delay_seconds: float, access_ttl_seconds: int,
           actor: Actor, *, clock: Clock = utc_now, sleep: Callable[[float], None] = time.sleep) -> dict:
    with uow() as tx:
        tx.signing_keys.lock()
        pending = tx.signing_keys.pending()
        # A pending key left by an interrupted run is reused, and the wait counts from its creation.
        next_key = pending[0] if pending else tx.signing_keys.add(keyring.new_key(clock(), activate=False))
        next_kid, created_at = next_key.kid, next_key.created_at
        audit.record(tx, actor, AuditRecord("signing_key.published", None, "signing_key", next_kid), clock())
        tx.commit()
    remaining = publish_delay_seconds - (clock() - created_at).total_seconds()
    if remaining > 0:
        log.info("key %s published; activating in %.0fs (verifier JWKS cache)", next_kid, remaining)
        sleep(remaining)
    now = clock()
    with uow() as tx:
        previous = _activate(tx, next_kid, now)
        retired = _retire_expired(tx, now, token_lifetime(access_ttl_seconds))
        audit.record(tx, actor, AuditRecord("signing_key.activated", None, "signing_key", next_kid,
                                            details={"previous": previous or ""}), now)
        for kid in retired:
            audit.record(tx, actor, AuditRecord("signing_key.retired", None, "signing_key", kid), now)
        tx.commit()
    return {"active": next_kid, "previous": previous, "retired": retired,
            "previous_published_until": (now + token_lifetime(access_ttl_seconds)).isoformat()}


def retire(uow: UnitOfWorkFactory, access_ttl_seconds: int, actor: Actor, *, clock: Clock = utc_now) -> list[str]:
    with uow() as tx:
        now = clock()
        retired = _retire_expired(tx, now, token_lifetime(access_ttl_seconds))
        for kid in retired:
            audit.record(tx, actor, AuditRecord("signing_key.retired", None, "signing_key", kid), now)
        tx.commit()
    return retired


def _activate(tx: UnitOfWork, kid: str, now: datetime) -> str | None:
    """Makes `kid` the signing key; the previous one is superseded (still published). Returns it."""
    tx.signing_keys.lock()
    previous = tx.signing_keys.active()
    row = tx.signing_keys.get(kid)
    if row is None or row.retired_at is not None:
        raise LookupError(f"no pending key {kid}")
    row.activated_at = now
    if previous is not None and previous.kid != kid:
        previous.superseded_at = now
        return previous.kid
    return None


def _retire_expired(tx: UnitOfWork, now: datetime, lifetime: timedelta) -> list[str]:
    """Unpublishes superseded keys whose every token has expired (lifetime includes clock skew)."""
    rows = tx.signing_keys.superseded_unretired(now - lifetime)
    for row in rows:
        row.retired_at = now
    return [row.kid for row in rows]
