"""The auth service's composition root: the one place that constructs adapters.

    container = bootstrap(config)                      # PostgreSQL, Redis throttle, sealed key ring
    container = bootstrap(config, uow=FakeUow, throttle=fake, keyring=fake, clock=fixed)   # tests

The login throttle is built only when the process has REDIS_URL (HTTP requires it; gRPC, the relay
and the CLIs do not use Redis).
"""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.crypto import Sealer
from chassis.uow import UnitOfWorkFactory

from auth.adapters.keys import KeyRing
from auth.adapters.throttle import LoginThrottle, ThrottlePolicy
from auth.adapters.unit_of_work import AuthUnitOfWork
from auth.config import SOURCE, Settings
from auth.service_layer import ports
from auth.service_layer.refresh import RefreshSettings
from auth.service_layer.sessions import Sessions
from auth.service_layer.tokens import TokenSettings


@dataclass
class AuthContainer(Container):
    """config is the auth Settings; the session use cases exist where there is a throttle."""

    keyring: ports.KeyRing | None = None
    throttle: ports.LoginThrottle | None = None  # None when the process has no Redis (it does not log in)
    sessions: Sessions | None = None
    tokens: TokenSettings | None = None


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, redis=None, throttle: ports.LoginThrottle | None = None,
              keyring: ports.KeyRing | None = None) -> AuthContainer:
    """Real adapters unless given: `redis` is a Redis client (or a fake store) for the real throttle,
    `throttle` replaces the throttle altogether, `keyring` the sealed signing-key ring."""
    parts = base_parts(config, AuthUnitOfWork, SOURCE, uow, clock, new_id)
    keyring = keyring or KeyRing(Sealer(config.auth_key_encryption_key))
    if throttle is None and (redis is not None or config.redis_url):
        throttle = LoginThrottle(redis if redis is not None else _redis(config.redis_url), ThrottlePolicy(
            config.login_failure_window_seconds, config.login_account_max_failures,
            config.login_address_max_failures, config.login_lockout_seconds))
    tokens = TokenSettings(config.jwt_issuer, config.jwt_audience, config.access_token_ttl_seconds)
    sessions = None
    if throttle is not None:
        sessions = Sessions(parts["uow"], keyring, throttle, tokens,
                            RefreshSettings(config.refresh_token_ttl_seconds, config.refresh_family_max_seconds),
                            parts["clock"], parts["new_id"])
    return AuthContainer(**parts, keyring=keyring, throttle=throttle, sessions=sessions, tokens=tokens)


def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
