"""The service catalogue, services/catalogue.toml, as frozen dataclasses.

The one place that names the services and their ports, schemas, Redis databases, peers, processes and
topics. devstack, gateway/render.py and k8s/generate.py all read it through `load()`. Stdlib only, so
the gateway renderer and the k8s generator may load this file by path without devstack installed.

`load()` reads AURA_CATALOGUE when set (a test moving a port loads an edited copy), else the file in
the repository. A catalogue that contradicts itself (two processes on one port, a peer that does not
exist, an unknown key) is refused with CatalogueError naming the problem.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_PATH = REPO_ROOT / "services" / "catalogue.toml"
ENV_VAR = "AURA_CATALOGUE"

KINDS = ("http", "grpc", "relay", "consumer", "worker")  # long-running process kinds, in start order
# worker: a background job runner (payroll's pay runs), with /livez /readyz /metrics on the health port.
KIND_MODULES = {"http": "http_api", "grpc": "grpc_server", "relay": "relay", "consumer": "consumer",
                "worker": "worker"}
INFRASTRUCTURE = ("envoy", "envoy_admin", "postgres", "redis", "kafka", "kafka_controller", "otel_collector",
                  "fake_square", "fake_clover", "fake_toast")   # fake_*: tools/posfakes, local stand-ins for the POS APIs
CONTAINER_PORTS = ("http", "grpc", "health", "metrics")  # metrics: the gRPC processes' /metrics
SERVICE_KEYS = {"name", "package", "redis_db", "processes", "peers", "secrets", "external_https", "topics"}
OPTIONAL_SERVICE_KEYS = {"nice"}


class CatalogueError(ValueError):
    """The catalogue file is malformed or contradicts itself."""


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int


@dataclass(frozen=True)
class Service:
    name: str                           # directory, URL and DNS name: pos-bridge
    package: str                        # Python package, DB schema, role prefix: pos_bridge
    redis_db: int
    kinds: tuple[str, ...]              # process kinds it runs, in KINDS order
    port_offsets: tuple[tuple[str, int], ...]   # (kind, offset from the port base), local stack
    peers: tuple[str, ...] = ()         # services whose gRPC API it calls
    secrets: tuple[str, ...] = ()       # beyond DATABASE_URL
    external_https: bool = False
    topics: tuple[Topic, ...] = ()      # topics it owns
    nice: tuple[tuple[str, int], ...] = ()   # (kind, niceness 1..19) of background processes, local stack

    def niceness(self, kind: str) -> int:
        """The CPU priority devstack starts `kind` with (0: the default)."""
        return dict(self.nice).get(kind, 0)

    @property
    def role(self) -> str:
        return f"{self.package}_svc"

    @property
    def grpc_addr_var(self) -> str:
        """The setting a peer reads this service's gRPC address from."""
        return f"{self.package.upper()}_GRPC_ADDR"

    def port_offset(self, kind: str) -> int:
        for k, offset in self.port_offsets:
            if k == kind:
                return offset
        raise KeyError(f"{self.name} runs no {kind} process")


@dataclass(frozen=True)
class Catalogue:
    path: Path
    services: tuple[Service, ...]
    infrastructure: tuple[tuple[str, int], ...]    # (name, offset from the port base)
    container_ports: tuple[tuple[str, int], ...]   # (kind, fixed port inside a pod)
    grpc_metrics_shift: int = 400                   # [metrics] grpc_offset_shift

    def service(self, name: str) -> Service:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(f"no service {name!r} in {self.path}")

    def infra_offset(self, name: str) -> int:
        return dict(self.infrastructure)[name]

    def container_port(self, kind: str) -> int:
        """The in-pod port of a process kind: relay, consumer and worker serve health on the health port."""
        ports = dict(self.container_ports)
        return ports[kind] if kind in ports else ports["health"]

    def metrics_offset(self, service: Service, kind: str) -> int:
        """The local port offset where a process serves Prometheus /metrics: its own port, except a
        grpc process, which serves them on its grpc offset + [metrics] grpc_offset_shift."""
        offset = service.port_offset(kind)
        return offset + self.grpc_metrics_shift if kind == "grpc" else offset

    def container_metrics_port(self, kind: str) -> int:
        """The in-pod port of a process kind's /metrics: http on its API port, grpc on `metrics`,
        relay, consumer and worker on the health port."""
        ports = dict(self.container_ports)
        return ports["metrics"] if kind == "grpc" else self.container_port(kind)

    @property
    def topics(self) -> tuple[Topic, ...]:
        return tuple(t for s in self.services for t in s.topics)

    def callers(self, name: str) -> tuple[str, ...]:
        """Services that call `name` over gRPC."""
        return tuple(s.name for s in self.services if name in s.peers)


def load(path: str | os.PathLike | None = None) -> Catalogue:
    path = Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    return _validate(path, data)


# --------------------------------------------------------------------------- validation

def _fail(path: Path, message: str) -> CatalogueError:
    return CatalogueError(f"{path}: {message}")


def _ports(path: Path, table: object, allowed: tuple[str, ...], what: str) -> tuple[tuple[str, int], ...]:
    if not isinstance(table, dict) or set(table) - set(allowed):
        raise _fail(path, f"{what}: keys must be among {', '.join(allowed)}, got {table!r}")
    for key, value in table.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
            raise _fail(path, f"{what}.{key} must be a port number or offset, got {value!r}")
    return tuple((k, table[k]) for k in allowed if k in table)


def _strings(path: Path, value: object, what: str, pattern: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and re.fullmatch(pattern, v) for v in value):
        raise _fail(path, f"{what} must be a list of names matching {pattern}, got {value!r}")
    if len(set(value)) != len(value):
        raise _fail(path, f"{what} lists a name twice: {value!r}")
    return tuple(value)


def _service(path: Path, raw: object) -> Service:
    if not isinstance(raw, dict):
        raise _fail(path, f"each [[services]] entry must be a table, got {raw!r}")
    name = raw.get("name", "?")
    if missing := SERVICE_KEYS - set(raw):
        raise _fail(path, f"service {name}: missing {', '.join(sorted(missing))}")
    if unknown := set(raw) - SERVICE_KEYS - OPTIONAL_SERVICE_KEYS:
        raise _fail(path, f"service {name}: unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise _fail(path, f"service name {name!r} must be lower-case letters, digits and dashes")
    package = raw["package"]
    if not isinstance(package, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", package):
        raise _fail(path, f"service {name}: package {package!r} must be a lower-case Python identifier")
    redis_db = raw["redis_db"]
    if not isinstance(redis_db, int) or isinstance(redis_db, bool) or not 0 <= redis_db <= 15:
        raise _fail(path, f"service {name}: redis_db must be 0..15, got {redis_db!r}")
    offsets = _ports(path, raw["processes"], KINDS, f"service {name}: processes")
    if not offsets:
        raise _fail(path, f"service {name}: runs no process")
    if not isinstance(raw["external_https"], bool):
        raise _fail(path, f"service {name}: external_https must be true or false")
    topics = raw["topics"]
    if not isinstance(topics, dict) or not all(
            isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in topics.values()):
        raise _fail(path, f"service {name}: topics must map a topic name to a partition count >= 1")
    nice = raw.get("nice", {})
    if not isinstance(nice, dict) or not all(
            kind in dict(offsets) and isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 19
            for kind, n in nice.items()):
        raise _fail(path, f"service {name}: nice must map a process kind it runs to a niceness 1..19, got {nice!r}")
    return Service(
        name=name, package=package, redis_db=redis_db, nice=tuple(nice.items()),
        kinds=tuple(k for k, _ in offsets), port_offsets=offsets,
        peers=_strings(path, raw["peers"], f"service {name}: peers", r"[a-z][a-z0-9-]*"),
        secrets=_strings(path, raw["secrets"], f"service {name}: secrets", r"[A-Z][A-Z0-9_]*"),
        external_https=raw["external_https"],
        topics=tuple(Topic(t, p) for t, p in topics.items()),
    )


def _unique(path: Path, values: list, what: str) -> None:
    seen: set = set()
    for value in values:
        if value in seen:
            raise _fail(path, f"two services share {what} {value!r}")
        seen.add(value)


def _validate(path: Path, data: dict) -> Catalogue:
    if unknown := set(data) - {"infrastructure", "container_ports", "metrics", "services"}:
        raise _fail(path, f"unknown table(s) {', '.join(sorted(unknown))}")
    infrastructure = _ports(path, data.get("infrastructure"), INFRASTRUCTURE, "[infrastructure]")
    if missing := set(INFRASTRUCTURE) - dict(infrastructure).keys():
        raise _fail(path, f"[infrastructure] misses {', '.join(sorted(missing))}")
    container_ports = _ports(path, data.get("container_ports"), CONTAINER_PORTS, "[container_ports]")
    if missing := set(CONTAINER_PORTS) - dict(container_ports).keys():
        raise _fail(path, f"[container_ports] misses {', '.join(sorted(missing))}")
    if len({p for _, p in container_ports}) != len(container_ports):
        raise _fail(path, "[container_ports] gives two kinds the same port")
    metrics_table = data.get("metrics")
    if not isinstance(metrics_table, dict) or set(metrics_table) != {"grpc_offset_shift"}:
        raise _fail(path, f"[metrics] must set exactly grpc_offset_shift, got {metrics_table!r}")
    shift = metrics_table["grpc_offset_shift"]
    if not isinstance(shift, int) or isinstance(shift, bool) or not 1 <= shift <= 60000:
        raise _fail(path, f"[metrics] grpc_offset_shift must be a positive port offset, got {shift!r}")
    services = tuple(_service(path, raw) for raw in data.get("services") or [])
    if not services:
        raise _fail(path, "no [[services]]")
    for what, values in (("a name", [s.name for s in services]), ("a package", [s.package for s in services]),
                         ("a Redis database", [s.redis_db for s in services]),
                         ("a topic", [t.name for s in services for t in s.topics])):
        _unique(path, values, what)
    owners: dict[int, str] = {offset: name for name, offset in infrastructure}
    if len(owners) != len(infrastructure):
        raise _fail(path, "[infrastructure] gives two processes the same port offset")
    names = {s.name for s in services}
    for s in services:
        for kind, offset in s.port_offsets:
            if offset in owners:
                raise _fail(path, f"port offset {offset}: {s.name} {kind} and {owners[offset]}")
            owners[offset] = f"{s.name} {kind}"
    for s in services:      # after every process port, so a collision names the port it hits
        if "grpc" in s.kinds:
            offset = s.port_offset("grpc") + shift
            if offset in owners:
                raise _fail(path, f"port offset {offset}: {s.name} grpc metrics (grpc + [metrics] "
                                  f"grpc_offset_shift) and {owners[offset]}")
            owners[offset] = f"{s.name} grpc metrics"
        if s.topics and "relay" not in s.kinds:
            raise _fail(path, f"service {s.name} owns topics but runs no relay to publish them")
        for peer in s.peers:
            if peer not in names or peer == s.name:
                raise _fail(path, f"service {s.name}: peer {peer!r} is not another service in the catalogue")
            if "grpc" not in next(p for p in services if p.name == peer).kinds:
                raise _fail(path, f"service {s.name}: peer {peer} runs no grpc process")
    return Catalogue(path=path, services=services, infrastructure=infrastructure,
                     container_ports=container_ports, grpc_metrics_shift=shift)
