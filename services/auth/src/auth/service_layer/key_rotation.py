"""Signing-key rotation with no failed request.

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
from datetime import UTC, datetime, timedelta

from chassis.crypto import Sealer
from sqlalchemy.orm import Session, sessionmaker

from auth.adapters import keys
from auth.service_layer import audit
from auth.service_layer.audit import Actor, AuditRecord

log = logging.getLogger(__name__)
CLOCK_SKEW = timedelta(seconds=60)  # verifiers may accept a token this long after exp


def token_lifetime(access_ttl_seconds: int) -> timedelta:
    return timedelta(seconds=access_ttl_seconds) + CLOCK_SKEW


def rotate(db: sessionmaker[Session], sealer: Sealer, publish_delay_seconds: float, access_ttl_seconds: int,
           actor: Actor, sleep: Callable[[float], None] = time.sleep) -> dict:
    with db.begin() as session:
        keys.lock(session)
        pending = keys.pending_keys(session)
        # A pending key left by an interrupted run is reused, and the wait counts from its creation.
        next_kid = pending[0].kid if pending else keys.create_key(session, sealer, activate=False)
        created_at = pending[0].created_at if pending else datetime.now(UTC)
        audit.record(session, actor, AuditRecord("signing_key.published", None, "signing_key", next_kid))
    remaining = publish_delay_seconds - (datetime.now(UTC) - created_at).total_seconds()
    if remaining > 0:
        log.info("key %s published; activating in %.0fs (verifier JWKS cache)", next_kid, remaining)
        sleep(remaining)
    now = datetime.now(UTC)
    with db.begin() as session:
        previous = keys.activate(session, next_kid, now)
        retired = keys.retire_expired(session, now, token_lifetime(access_ttl_seconds))
        audit.record(session, actor, AuditRecord("signing_key.activated", None, "signing_key", next_kid,
                                                 details={"previous": previous or ""}))
        for kid in retired:
            audit.record(session, actor, AuditRecord("signing_key.retired", None, "signing_key", kid))
    return {"active": next_kid, "previous": previous, "retired": retired,
            "previous_published_until": (now + token_lifetime(access_ttl_seconds)).isoformat()}


def retire(db: sessionmaker[Session], access_ttl_seconds: int, actor: Actor) -> list[str]:
    with db.begin() as session:
        now = datetime.now(UTC)
        retired = keys.retire_expired(session, now, token_lifetime(access_ttl_seconds))
        for kid in retired:
            audit.record(session, actor, AuditRecord("signing_key.retired", None, "signing_key", kid))
    return retired
