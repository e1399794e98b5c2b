"""The one place that wires real adapters: database, sealer, Redis throttle, token settings."""
from __future__ import annotations

from dataclasses import dataclass

from chassis.crypto import Sealer
from chassis.db import make_engine, make_session_factory
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from auth.adapters.throttle import LoginThrottle, ThrottlePolicy
from auth.config import Settings
from auth.service_layer.refresh import RefreshSettings
from auth.service_layer.sessions import Sessions
from auth.service_layer.tokens import TokenSettings


@dataclass
class Wiring:
    config: Settings
    engine: Engine
    db: sessionmaker[Session]
    sealer: Sealer
    throttle: LoginThrottle
    sessions: Sessions


def wire(config: Settings, redis_client=None) -> Wiring:
    engine = make_engine(config.database_url, config.db_schema)
    db = make_session_factory(engine)
    sealer = Sealer(config.auth_key_encryption_key)
    if redis_client is None:
        import redis

        redis_client = redis.Redis.from_url(config.redis_url, socket_timeout=2, socket_connect_timeout=2)
    throttle = LoginThrottle(redis_client, ThrottlePolicy(
        config.login_failure_window_seconds, config.login_account_max_failures,
        config.login_address_max_failures, config.login_lockout_seconds))
    sessions = Sessions(db, sealer, throttle,
                        TokenSettings(config.jwt_issuer, config.jwt_audience, config.access_token_ttl_seconds),
                        RefreshSettings(config.refresh_token_ttl_seconds, config.refresh_family_max_seconds))
    return Wiring(config, engine, db, sealer, throttle, sessions)
