"""Dependency checks for /readyz: each raises when its dependency cannot serve."""
from __future__ import annotations

import socket
from collections.abc import Callable

from sqlalchemy import Engine

from chassis.db import ping

Check = Callable[[], None]


def postgres(engine: Engine) -> Check:
    return lambda: ping(engine)


def redis(url: str) -> Check:
    import redis as redis_lib

    client = redis_lib.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return lambda: client.ping() and None


def kafka(bootstrap_servers: str) -> Check:
    def check() -> None:
        errors = []
        for server in bootstrap_servers.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                return
            except OSError as error:
                errors.append(f"{server}: {error}")
        raise ConnectionError("; ".join(errors))

    return check


def grpc_peer(address: str) -> Check:
    """The peer's standard gRPC health service says SERVING."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    channel = grpc.insecure_channel(address)
    stub = health_pb2_grpc.HealthStub(channel)

    def check() -> None:
        response = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
        if response.status != health_pb2.HealthCheckResponse.SERVING:
            raise ConnectionError(f"{address} is not serving")

    return check


def run_checks(checks: dict[str, Check]) -> dict[str, str]:
    """Runs every check; returns {name: "ok" | error text}."""
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means not ready
            results[name] = f"{type(error).__name__}: {error}"[:300]
    return results
