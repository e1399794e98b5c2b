"""A real Prometheus scrapes the real local stack with the checked-in rules: the labels, metric names and
joins the rules rely on (the active relay, route templates, consumers' gauges) hold on live data, and
no alert about a healthy platform fires.

Uses the prometheus binary from Debian's package (tools/bootstrap.sh puts it in .tools/bin); skips without.
"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from devstack.layout import SERVICES, SERVICES_BY_NAME

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "observability" / "prometheus"
PROMETHEUS_OFFSET = 90  # free in the catalogue's port block


def _generator():
    spec = importlib.util.spec_from_file_location("aura_observability_generate", ROOT / "observability" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def prometheus(platform, tmp_path):
    binary = shutil.which("prometheus") or (str(ROOT / ".tools/bin/prometheus")
                                            if (ROOT / ".tools/bin/prometheus").exists() else None)
    if not binary:
        pytest.skip("no prometheus binary (tools/bootstrap.sh extracts it from Debian's prometheus package)")
    config = tmp_path / "prometheus.yml"
    config.write_text(_generator().local_config(SERVICES, platform.layout.port_base, interval="1s",
                                                rules_dir=str(PROM / "rules")))
    url = f"http://127.0.0.1:{platform.layout.port_base + PROMETHEUS_OFFSET}"
    with open(tmp_path / "prometheus.log", "wb") as log:
        process = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                                    f"--web.listen-address={url.removeprefix('http://')}", "--log.level=warn"],
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        eventually(lambda: httpx.get(f"{url}/-/ready", timeout=2).status_code == 200, 60)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def eventually(probe, timeout: float):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = probe()
            if result:
                return result
        except httpx.HTTPError as error:
            last = error
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout}s ({last})")


def query(url: str, promql: str) -> list[dict]:
    body = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5).json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def values_by(url: str, promql: str, label: str) -> dict[str, float]:
    return {s["metric"].get(label, ""): float(s["value"][1]) for s in query(url, promql)}


def test_the_rules_see_the_live_platform(platform, prometheus):
    layout = platform.layout
    orders = SERVICES_BY_NAME["orders"]
    # A request the service itself answers (401: no identity), so the route template is counted.
    httpx.get(f"http://127.0.0.1:{layout.service_port(orders, 'http')}/api/orders/v1/orders", timeout=5)
    scraped = [(s.name, k) for s in SERVICES for k in s.kinds]      # grpc on its metrics port

    eventually(lambda: len(query(prometheus, 'up{job="auraconnect"} == 1')) == len(scraped), 60)
    eventually(lambda: values_by(prometheus, "service:outbox_relay_active:sum", "service")
               == {s.name: 1.0 for s in SERVICES}, 60)
    eventually(lambda: set(values_by(prometheus, "service:outbox_oldest_pending_age_seconds:max", "service"))
               == {s.name for s in SERVICES}, 60)
    eventually(lambda: set(values_by(prometheus, "service:consumer_partitions_waiting:sum", "service"))
               == {s.name for s in SERVICES if "consumer" in s.kinds}, 60)
    routes = eventually(lambda: values_by(prometheus, 'service_route:http_requests:rate5m{service="orders"}', "route"),
                        60)
    assert "/api/orders/v1/orders" in routes, routes
    assert not [r for r in routes if r in ("/livez", "/readyz", "/metrics")]
    # gRPC series carry the same service/component labels (health checks count; the rules leave them out)
    assert eventually(lambda: values_by(prometheus, 'sum by (service) (grpc_server_handled_total{component="grpc"})',
                                        "service").keys() == {s.name for s in SERVICES if "grpc" in s.kinds}, 60)
    # Healthy platform: the availability alerts go quiet (not even pending) at the next rule evaluation
    # (an ALERTS sample from an evaluation before the first scrapes lingers until then).
    availability = ('ALERTS{alertname=~"OutboxNoActiveRelay|OutboxMultipleActiveRelays|AuraTargetDown'
                    '|OutboxEventsParked|ConsumerPartitionsStuck"}')
    eventually(lambda: not query(prometheus, availability), 60)
