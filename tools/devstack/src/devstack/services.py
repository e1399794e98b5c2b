"""Environment and command lines of the service processes on the local stack."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from devstack import postgres
from devstack.layout import KIND_MODULES, SERVICES, SERVICES_BY_NAME, Layout, ServiceSpec
from devstack.secrets import public_key, signing_key_name

# Settings only a local stack (`make up`, the test stacks) gives a service, never production. pos-bridge:
# integrators' webhook receivers run on 127.0.0.1 here (refused elsewhere), and retries come quickly
# so a developer (or the e2e test) watches a failing receiver get its retries within seconds.
LOCAL_ONLY_ENV: dict[str, dict[str, str]] = {
    "pos-bridge": {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": "1", "WEBHOOKS_RETRY_BASE_SECONDS": "0.5",
                   "WEBHOOKS_RETRY_CAP_SECONDS": "5", "WEBHOOKS_TIMEOUT_SECONDS": "5"},
}


def service_env(layout: Layout, service: ServiceSpec, secrets: dict[str, str]) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(Path.home())),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": postgres.service_url(layout, service.package,
                                             secrets[f"DB_PASSWORD_{service.package.upper()}"]),
        "DB_SCHEMA": service.package,
        "REDIS_URL": f"{layout.redis_url}/{service.redis_db}",
        "KAFKA_BOOTSTRAP_SERVERS": layout.kafka_bootstrap,
        "BIND_HOST": "127.0.0.1",
        "OTEL_SERVICE_NAME": service.name,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{layout.otel_port}",
        # Export spans quickly so a developer (or a test) sees a trace within a second.
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "SHUTDOWN_GRACE_SECONDS": "5",
    }
    for kind in ("http", "grpc"):
        if kind in service.kinds:
            env[f"{kind.upper()}_PORT"] = str(layout.service_port(service, kind))
    for peer in service.peers:
        spec = SERVICES_BY_NAME[peer]
        env[spec.grpc_addr_var] = f"127.0.0.1:{layout.service_port(spec, 'grpc')}"
    for name in service.secrets:
        env[name] = secrets[name]
    # Every service verifies the user tokens Envoy forwards (auth's JWKS) and the internal tokens its
    # peers mint (chassis.internal_token); auth also signs with these issuer/audience values.
    auth = SERVICES_BY_NAME["auth"]
    # Each service signs with its own key and accepts the keys of the services the catalogue lets call it.
    env["INTERNAL_TOKEN_SIGNING_KEY"] = secrets[signing_key_name(service)]
    env["INTERNAL_TOKEN_PEER_KEYS"] = ",".join(
        f"{caller.name}={public_key(secrets[signing_key_name(caller)])}"
        for caller in SERVICES if service.name in caller.peers)
    env["AUTH_JWKS_URL"] = f"http://127.0.0.1:{layout.service_port(auth, 'http')}/.well-known/jwks.json"
    env["JWT_ISSUER"] = "https://auth.auraconnect.local"
    env["JWT_AUDIENCE"] = "auraconnect"
    env["JWKS_CACHE_SECONDS"] = str(layout.jwks_cache_seconds)
    env |= LOCAL_ONLY_ENV.get(service.name, {})
    return env


def process_env(layout: Layout, service: ServiceSpec, kind: str, secrets: dict[str, str]) -> dict[str, str]:
    env = service_env(layout, service, secrets)
    if kind in ("relay", "consumer", "worker"):
        env["HEALTH_PORT"] = str(layout.service_port(service, kind))
    if kind == "grpc":
        env["METRICS_PORT"] = str(layout.metrics_port(service, kind))
    return env


def argv(service: ServiceSpec, module: str) -> list[str]:
    return [sys.executable, "-m", f"{service.package}.entrypoints.{module}"]


def process_argv(service: ServiceSpec, kind: str) -> list[str]:
    """The command of a service's process; `nice -n N` first when the catalogue lowers its CPU priority
    (nice execs the command: the PID devstack records is the service's)."""
    niceness = service.niceness(kind)
    return (["nice", "-n", str(niceness)] if niceness else []) + argv(service, KIND_MODULES[kind])


def process_name(service: ServiceSpec, kind: str) -> str:
    return f"{service.name}-{kind}"


def health_url(layout: Layout, service: ServiceSpec, kind: str) -> str | None:
    if kind == "grpc":
        return None
    return f"http://127.0.0.1:{layout.service_port(service, kind)}/readyz"


def repo_path(layout: Layout) -> Path:
    return layout.repo_root
