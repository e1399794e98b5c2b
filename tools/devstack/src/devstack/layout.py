"""Where everything lives and listens. One block of ports, offset from a base (default 17000),
chosen away from the usual 5432/6379/9092/8080 so a developer's own servers never collide."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # directory and URL name, e.g. pos-bridge
    package: str  # python package and schema, e.g. pos_bridge
    kinds: tuple[str, ...]  # process kinds this service runs
    peers: tuple[str, ...] = ()  # services it calls over gRPC
    index: int = 0  # position in the port block

    @property
    def role(self) -> str:
        return f"{self.package}_svc"


ALL_KINDS = ("http", "grpc", "relay", "consumer")
SERVICES = (
    ServiceSpec("auth", "auth", ("http", "grpc", "relay"), (), 0),
    ServiceSpec("orders", "orders", ALL_KINDS, ("tax", "auth"), 1),
    ServiceSpec("payroll", "payroll", ALL_KINDS, ("tax", "auth"), 2),
    ServiceSpec("tax", "tax", ALL_KINDS, (), 3),
    ServiceSpec("pos-bridge", "pos_bridge", ALL_KINDS, ("orders",), 4),
)
SERVICES_BY_NAME = {s.name: s for s in SERVICES}

# Topics are created explicitly by the launcher (auto-creation is off on the broker).
TOPICS = (
    ("auth.user.v1", 3),
    ("auth.audit.v1", 3),
    ("orders.order.v1", 6),
    ("payroll.tip.v1", 3),
    ("payroll.paycheck.v1", 3),
    ("pos-bridge.order.v1", 3),
)

KIND_MODULES = {"http": "http_api", "grpc": "grpc_server", "relay": "relay", "consumer": "consumer"}
KIND_OFFSETS = {"http": 0, "grpc": 1, "relay": 2, "consumer": 3}


@dataclass(frozen=True)
class Layout:
    state_dir: Path
    port_base: int = 17000
    repo_root: Path = field(default=REPO_ROOT)
    # How long Envoy caches auth's JWKS; auth waits this long before signing with a new key.
    jwks_cache_seconds: int = 60

    @classmethod
    def from_env(cls, default_state: str = ".stack", default_base: int = 17000) -> Layout:
        state = Path(os.environ.get("AURA_STATE_DIR", REPO_ROOT / default_state)).resolve()
        return cls(state_dir=state, port_base=int(os.environ.get("AURA_PORT_BASE", default_base)),
                   jwks_cache_seconds=int(os.environ.get("JWKS_CACHE_SECONDS", 60)))

    # infrastructure ports
    @property
    def envoy_port(self) -> int: return self.port_base
    @property
    def envoy_admin_port(self) -> int: return self.port_base + 1
    @property
    def postgres_port(self) -> int: return self.port_base + 10
    @property
    def redis_port(self) -> int: return self.port_base + 11
    @property
    def kafka_port(self) -> int: return self.port_base + 20
    @property
    def kafka_controller_port(self) -> int: return self.port_base + 21
    @property
    def otel_port(self) -> int: return self.port_base + 30

    def service_port(self, service: ServiceSpec, kind: str) -> int:
        return self.port_base + 100 + 10 * service.index + KIND_OFFSETS[kind]

    @property
    def gateway_url(self) -> str: return f"http://127.0.0.1:{self.envoy_port}"
    @property
    def kafka_bootstrap(self) -> str: return f"127.0.0.1:{self.kafka_port}"
    @property
    def redis_url(self) -> str: return f"redis://127.0.0.1:{self.redis_port}"

    # state
    @property
    def logs_dir(self) -> Path: return self.state_dir / "logs"
    @property
    def run_dir(self) -> Path: return self.state_dir / "run"
    @property
    def traces_file(self) -> Path: return self.state_dir / "traces.jsonl"
