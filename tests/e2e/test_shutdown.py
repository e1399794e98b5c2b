"""Every process kind stops cleanly on SIGTERM: it stops taking work, drains and exits 0 within its grace."""
from __future__ import annotations

import signal
import subprocess
import time

import grpc
import httpx
import pytest
from devstack.layout import SERVICES_BY_NAME
from devstack.services import process_argv, process_env
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.e2e.support import eventually

pytestmark = pytest.mark.e2e
SPARE_PORT_OFFSET = 900  # spare copies listen beside the stack's own processes


def grpc_serving(port: int) -> bool:
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        return reply.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False


def http_ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize("kind", ["grpc", "http", "relay", "consumer"])
def test_sigterm_drains_and_exits_zero(platform, kind):
    service = SERVICES_BY_NAME["tax"]
    port = platform.layout.port_base + SPARE_PORT_OFFSET + list(service.kinds).index(kind)
    env = process_env(platform.layout, service, kind, platform.secrets)
    env |= {"GRPC_PORT": str(port), "HTTP_PORT": str(port), "HEALTH_PORT": str(port), "SHUTDOWN_GRACE_SECONDS": "3",
            "METRICS_PORT": "0"}  # the stack's tax-grpc holds tax's metrics port
    process = subprocess.Popen(process_argv(service, kind), env=env, cwd=platform.layout.repo_root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        eventually(lambda: grpc_serving(port) if kind == "grpc" else http_ready(port), timeout=60)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        assert process.returncode == 0, output[-2000:]
        assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()


def test_readiness_fails_when_a_dependency_is_down(platform):
    """/readyz checks the service's own dependencies: with PostgreSQL unreachable it answers 503 naming it.
    Redis, a cache whose every use falls back to PostgreSQL in tax, is not one: its outage must not take
    tax out of rotation."""
    service = SERVICES_BY_NAME["tax"]
    port = platform.layout.port_base + SPARE_PORT_OFFSET + 10
    env = process_env(platform.layout, service, "http", platform.secrets)
    env |= {"HTTP_PORT": str(port), "REDIS_URL": "redis://127.0.0.1:9/0",  # nothing listens on port 9
            "DATABASE_URL": "postgresql+psycopg://tax:unused@127.0.0.1:9/tax"}
    process = subprocess.Popen(process_argv(service, "http"), env=env, cwd=platform.layout.repo_root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def answered():
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            except httpx.HTTPError:
                return None

        ready = eventually(answered, timeout=60)
        assert ready.status_code == 503
        assert ready.json()["checks"]["postgres"] != "ok"
        assert "redis" not in ready.json()["checks"]
        assert httpx.get(f"http://127.0.0.1:{port}/livez", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=15)
