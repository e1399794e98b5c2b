"""Settings from environment variables, validated at start-up.

A missing or malformed variable stops the process with a message naming the variable, so a
misconfigured deployment fails loudly at boot instead of at the first request.
"""
from __future__ import annotations

import sys
from typing import TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service process may need. Services subclass it to add their own variables.

    Only the database is required of every process. Redis, Kafka and peer addresses are optional
    here and required by the process that uses them (`require_settings`), so a relay does not need a
    peer's address and an HTTP API that never touches Kafka does not fail for want of it."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    database_url: str = Field(description="SQLAlchemy URL, postgresql+psycopg://user:pw@host:port/db")
    db_schema: str = Field(description="the service's own PostgreSQL schema")
    redis_url: str | None = Field(None, description="redis://host:port/db")
    kafka_bootstrap_servers: str | None = Field(None, description="host:port[,host:port]")
    bind_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    grpc_port: int = Field(50051, ge=1, le=65535)
    health_port: int = Field(8081, ge=1, le=65535)
    # Prometheus /metrics of a gRPC process (its gRPC port cannot answer plain HTTP); 0 serves none.
    # The catalogue derives it: services/catalogue.toml [container_ports] metrics, [derived_ports].
    metrics_port: int = Field(9464, ge=0, le=65535)
    log_level: str = "INFO"
    otel_exporter_otlp_endpoint: str | None = None
    # Seconds a stopping process keeps serving in-flight work after SIGTERM.
    shutdown_grace_seconds: float = Field(10.0, ge=0)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        if not value.startswith(("postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with postgresql+psycopg://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must start with redis:// or rediss://")
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap(cls, value: str | None) -> str | None:
        if value is None:
            return value
        for server in value.split(","):
            host, _, port = server.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"{server!r} is not host:port")
        return value

    @field_validator("db_schema")
    @classmethod
    def _schema_name(cls, value: str) -> str:
        if not value.replace("_", "").isalnum() or not value[0].isalpha():
            raise ValueError("must be a plain identifier")
        return value


S = TypeVar("S", bound=BaseSettings)


def describe_errors(error: ValidationError) -> list[str]:
    """One line per bad variable, named as it is spelled in the environment."""
    lines = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper()
        lines.append(f"{name}: {item['msg']}")
    return lines


def load_settings(settings_class: type[S], require: tuple[str, ...] | list[str] = ()) -> S:
    """Read settings from the environment or exit(2) naming every bad variable.

    `require` names the optional settings this process uses (e.g. "kafka_bootstrap_servers")."""
    try:
        settings = settings_class()
    except ValidationError as error:
        for line in describe_errors(error):
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None
    return require_settings(settings, *require)


def missing_settings(settings: BaseSettings, *names: str) -> list[str]:
    """The environment variable names of `names` that have no value."""
    return [name.upper() for name in names if getattr(settings, name, None) in (None, "")]


def require_settings(settings: S, *names: str) -> S:
    """Exit(2) naming each variable this process needs but was not given; returns `settings`."""
    missing = missing_settings(settings, *names)
    for name in missing:
        print(f"configuration error: {name}: required by this process", file=sys.stderr)
    if missing:
        raise SystemExit(2)
    return settings


def validate_aes_key(value: str) -> str:
    """For settings holding an AES-256 key: base64 of exactly 32 bytes."""
    import base64
    import binascii

    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("must be base64") from None
    if len(raw) != 32:
        raise ValueError("must decode to 32 bytes (AES-256)")
    return value
