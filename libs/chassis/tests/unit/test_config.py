"""A real service process refuses to start on bad configuration, naming the variable."""
from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

GOOD = {
    "DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1:1/db", "DB_SCHEMA": "orders",
    "REDIS_URL": "redis://127.0.0.1:1", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
    "TAX_GRPC_ADDR": "127.0.0.1:1", "AUTH_GRPC_ADDR": "127.0.0.1:1",
}


def start(env: dict[str, str], module: str = "orders.entrypoints.http_api") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module], env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("change", "named"), [
    ({"DATABASE_URL": None}, "DATABASE_URL"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"KAFKA_BOOTSTRAP_SERVERS": "no-port"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ({"HTTP_PORT": "eighty"}, "HTTP_PORT"),
    ({"TAX_GRPC_ADDR": None}, "TAX_GRPC_ADDR"),
])
def test_bad_variable_stops_the_process_naming_it(change, named):
    env = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    result = start(env)
    assert result.returncode == 2
    assert f"configuration error: {named}" in result.stderr


def test_encryption_key_must_be_32_bytes():
    env = {**GOOD, "DB_SCHEMA": "payroll", "PII_ENCRYPTION_KEY": base64.b64encode(b"short").decode()}
    result = start(env, "payroll.entrypoints.http_api")
    assert result.returncode == 2
    assert "PII_ENCRYPTION_KEY" in result.stderr
