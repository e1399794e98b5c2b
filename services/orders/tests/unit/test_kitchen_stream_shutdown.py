"""SIGTERM ends the kitchen streams: a screen connected to a real uvicorn process sees its stream
close and the process exits 0 at once, not after the drain grace (20 s here) an open stream would
otherwise hold it for."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from chassis.internal_token import JWKS_URL_ENV, bearer_for_tests

from services.orders.tests.unit.fakes import LOCATION, identity

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[4]
COOK = frozenset({"kitchen:read", "kitchen:update"})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sigterm_closes_open_streams_and_the_process_exits_promptly():
    token = bearer_for_tests(identity(permissions=COOK), "orders")  # sets the key this process and the child share
    port = free_port()
    env = {**os.environ, JWKS_URL_ENV: os.environ.get(JWKS_URL_ENV) or "http://127.0.0.1:1/jwks.json"}
    process = subprocess.Popen([sys.executable, "-m", "services.orders.tests.unit.kitchen_stream_server", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        lines = []
        with httpx.stream("GET", f"http://127.0.0.1:{port}/api/orders/v1/kitchen/stream",
                          params={"location_id": str(LOCATION)}, headers={"Authorization": token},
                          timeout=httpx.Timeout(30, connect=5)) as response:
            assert response.status_code == 200
            stream = response.iter_lines()
            for line in stream:
                lines.append(line)
                if line.startswith("data:"):
                    break  # the reset: the screen is connected and waiting
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            for line in stream:  # ends when the server closes the stream
                lines.append(line)
        closed_after = time.monotonic() - started
        output, _ = process.communicate(timeout=25)
        exited_after = time.monotonic() - started
        assert process.returncode == 0, output[-2000:]
        assert exited_after < 10, (exited_after, output[-2000:])
        assert closed_after < 10, (closed_after, output[-2000:])
        assert "event: reset" in lines
    finally:
        if process.poll() is None:
            process.kill()
