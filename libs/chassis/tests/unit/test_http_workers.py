"""run_http_workers: N processes serve one port; SIGTERM drains them all and the parent exits 0; a
worker that dies takes the others down (the supervisor restarts the whole)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import httpx
import pytest

pytestmark = pytest.mark.unit

SCRIPT = textwrap.dedent("""
    import sys
    from chassis.config import ServiceSettings
    from chassis.http import create_app
    from chassis.runtime import run_http_workers

    def build():
        return create_app("probe", {})

    settings = ServiceSettings(database_url="postgresql://x@127.0.0.1/x", db_schema="probe",
                               http_port=int(sys.argv[1]), shutdown_grace_seconds=2)
    run_http_workers("probe", settings, build, 2)
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = os.environ | {"INTERNAL_TOKEN_SIGNING_KEY": "A" * 43, "OTEL_SERVICE_NAME": "probe",
                        "AUTH_JWKS_URL": "http://127.0.0.1:1/jwks",
                        "OTEL_EXPORTER_OTLP_ENDPOINT": ""}
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(port)], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200 and \
                    len(children(process.pid)) == 2:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the workers did not start")
    yield process, port
    if process.poll() is None:
        process.terminate()      # a clean stop, so the parent removes the workers' metrics directory
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_workers_serve_one_port_and_sigterm_stops_all_with_exit_0(served):
    process, port = served
    workers = children(process.pid)
    seen = set()
    for _ in range(40):
        with httpx.Client() as fresh:  # a new connection each time: the kernel picks a worker
            seen.add(fresh.get(f"http://127.0.0.1:{port}/livez").status_code)
    assert seen == {200} and len(workers) == 2
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]  # drained, reaped, gone


def test_a_dead_worker_takes_the_others_down(served):
    process, _ = served
    first, second = children(process.pid)
    os.kill(first, signal.SIGKILL)
    assert process.wait(timeout=20) != 0
    time.sleep(0.5)
    assert not os.path.exists(f"/proc/{second}") or open(f"/proc/{second}/stat").read().split()[2] == "Z"


def livez_count(text: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "http_requests_total" and s.labels.get("route") == "/livez")


def test_metrics_count_the_requests_of_every_worker(served):
    """Whichever worker answers the scrape reports the requests all workers served (prometheus_client's
    multiprocess mode): with a registry per worker each scrape would see about half of them."""
    _, port = served
    with httpx.Client() as first:
        before = livez_count(first.get(f"http://127.0.0.1:{port}/metrics").text)
    for _ in range(40):
        with httpx.Client() as fresh:
            assert fresh.get(f"http://127.0.0.1:{port}/livez").status_code == 200
    counts = set()
    for _ in range(8):
        with httpx.Client() as fresh:  # a new connection each time: the kernel picks a worker
            response = fresh.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status_code == 200
            assert "python_info" in response.text   # the platform's info, as a single process gives it
            counts.add(livez_count(response.text) - before)
    assert counts == {40.0}


def test_a_killed_predecessors_metrics_directory_is_removed(tmp_path):
    """SIGKILL (an OOM kill) leaves the workers' metrics directory behind; the next start on that port
    removes it, so restarts do not fill the pod's /tmp."""
    import tempfile

    port = free_port()
    stale = tempfile.mkdtemp(prefix=f"probe-http-{port}-metrics-")
    env = os.environ | {"INTERNAL_TOKEN_SIGNING_KEY": "A" * 43, "OTEL_SERVICE_NAME": "probe",
                        "AUTH_JWKS_URL": "http://127.0.0.1:1/jwks", "OTEL_EXPORTER_OTLP_ENDPOINT": ""}
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(port)], env=env)
    try:
        deadline = time.monotonic() + 30
        while os.path.exists(stale) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not os.path.exists(stale)
        while time.monotonic() < deadline:     # serving: the parent handles SIGTERM and cleans up after itself
            try:
                if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)
