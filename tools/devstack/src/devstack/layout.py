"""Where everything lives and listens. One block of ports, offset from a base (default 17000),
chosen away from the usual 5432/6379/9092/8080 so a developer's own servers never collide.
The services and every offset come from the service catalogue (services/catalogue.toml)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from devstack import catalogue as _catalogue
from devstack.catalogue import KIND_MODULES, REPO_ROOT, Service

CATALOGUE = _catalogue.load()
FAKE_POS = ("square", "clover", "toast")   # the fake POS servers `make up` starts (tools/posfakes)
ServiceSpec = Service  # the name the launcher and the tests have always used
SERVICES: tuple[Service, ...] = CATALOGUE.services
SERVICES_BY_NAME = {s.name: s for s in SERVICES}

# Topics are created explicitly by the launcher (auto-creation is off on the broker).
TOPICS = tuple((t.name, t.partitions) for t in CATALOGUE.topics)

__all__ = ["CATALOGUE", "FAKE_POS", "KIND_MODULES", "REPO_ROOT", "SERVICES", "SERVICES_BY_NAME", "TOPICS", "Layout",
           "ServiceSpec"]


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
    def infra_port(self, name: str) -> int:
        return self.port_base + CATALOGUE.infra_offset(name)

    @property
    def envoy_port(self) -> int: return self.infra_port("envoy")
    @property
    def envoy_admin_port(self) -> int: return self.infra_port("envoy_admin")
    @property
    def postgres_port(self) -> int: return self.infra_port("postgres")
    @property
    def redis_port(self) -> int: return self.infra_port("redis")
    @property
    def kafka_port(self) -> int: return self.infra_port("kafka")
    @property
    def kafka_controller_port(self) -> int: return self.infra_port("kafka_controller")
    @property
    def otel_port(self) -> int: return self.infra_port("otel_collector")

    def fake_pos_url(self, provider: str) -> str:
        """The local fake of a POS provider's API (tools/posfakes), as `make up` starts it."""
        return f"http://127.0.0.1:{self.infra_port(f'fake_{provider}')}"

    def service_port(self, service: Service, kind: str) -> int:
        return self.port_base + service.port_offset(kind)

    def metrics_port(self, service: Service, kind: str) -> int:
        """Where the process serves Prometheus /metrics (a grpc process: a port of its own)."""
        return self.port_base + CATALOGUE.metrics_offset(service, kind)

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
