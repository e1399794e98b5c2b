"""The service catalogue (services/catalogue.toml): the loader refuses contradictions, and one edit of
the file moves a port (or adds a service) in devstack, the rendered Envoy config and the k8s output."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from devstack import catalogue

REPO = catalogue.REPO_ROOT
TEXT = catalogue.DEFAULT_PATH.read_text()


def edited(tmp_path: Path, *replacements: tuple[str, str], append: str = "") -> Path:
    text = TEXT
    for old, new in replacements:
        assert text.count(old) == 1, f"the test's anchor {old!r} is not unique in the catalogue"
        text = text.replace(old, new)
    path = tmp_path / "catalogue.toml"
    path.write_text(text + textwrap.dedent(append))
    return path


def test_the_repository_catalogue_loads():
    cat = catalogue.load()
    assert [s.name for s in cat.services] == ["auth", "orders", "payroll", "tax", "pos-bridge"]
    assert [s.redis_db for s in cat.services] == [1, 2, 3, 4, 5]
    orders = cat.service("orders")
    assert orders.kinds == ("http", "grpc", "relay", "consumer") and orders.peers == ("tax", "auth")
    assert orders.port_offset("grpc") == 111 and orders.grpc_addr_var == "ORDERS_GRPC_ADDR"
    assert cat.service("auth").kinds == ("http", "grpc", "relay")
    assert cat.service("pos-bridge").package == "pos_bridge" and cat.service("pos-bridge").external_https
    assert cat.callers("tax") == ("orders", "payroll")
    assert (cat.container_port("http"), cat.container_port("grpc"), cat.container_port("relay")) == (8080, 50051, 8081)
    # /metrics: a grpc process on a derived port of its own, every other kind on its own port
    assert [cat.metrics_offset(orders, k) for k in orders.kinds] == [110, 511, 112, 113]
    assert [cat.container_metrics_port(k) for k in ("http", "grpc", "relay", "worker")] == [8080, 9464, 8081, 8081]
    assert cat.infra_offset("envoy") == 0 and cat.infra_offset("otel_collector") == 30
    assert {t.name for t in cat.topics} >= {"orders.order.v1", "auth.user.v1"}


def test_a_background_process_can_run_at_a_lower_cpu_priority():
    from devstack.services import process_argv

    bridge = catalogue.load().service("pos-bridge")
    assert bridge.niceness("consumer") == 10 and bridge.niceness("http") == 0
    assert process_argv(bridge, "consumer")[:3] == ["nice", "-n", "10"]
    assert process_argv(bridge, "http")[1:] == ["-m", "pos_bridge.entrypoints.http_api"]


def test_the_env_variable_selects_another_file(tmp_path, monkeypatch):
    monkeypatch.setenv(catalogue.ENV_VAR, str(edited(tmp_path, ("redis_db = 2\n", "redis_db = 12\n"))))
    assert catalogue.load().service("orders").redis_db == 12


@pytest.mark.parametrize(("old", "new", "complaint"), [
    ("http = 110,", "http = 100,", "port offset 100: orders http and auth http"),
    ("kafka = 20\n", "kafka = 111\n", "port offset 111"),
    ('peers = ["orders"]', 'peers = ["kitchen"]', "peer 'kitchen' is not another service"),
    ("redis_db = 3\n", "redis_db = 2\n", "share a Redis database 2"),
    ("redis_db = 3\n", "redis_db = 16\n", "redis_db must be 0..15"),
    ('package = "tax"', 'package = "orders"', "share a package 'orders'"),
    ('package = "tax"', 'package = "Tax-Service"', "must be a lower-case Python identifier"),
    ("external_https = true", "external_https = true\nexternal_http = true", "unknown key(s) external_http"),
    ("processes = { http = 130, grpc = 131, relay = 132, consumer = 133 }",
     "processes = { http = 130, grpc = 131, relay = 132, consummer = 133 }", "processes: keys must be among"),
    ('topics = { "pos-bridge.order.v1" = 3 }', 'topics = { "orders.order.v1" = 3 }', "share a topic"),
    ('topics = { "pos-bridge.order.v1" = 3 }', 'topics = { "pos-bridge.order.v1" = 0 }', "partition count >= 1"),
    ("processes = { http = 100, grpc = 101, relay = 102 }", "processes = { http = 100, grpc = 101 }",
     "auth owns topics but runs no relay"),
    ("processes = { http = 130, grpc = 131, relay = 132, consumer = 133 }",
     "processes = { http = 130, relay = 132, consumer = 133 }", "peer tax runs no grpc process"),
    ("health = 8081", "health = 8080", "two kinds the same port"),
    ("otel_collector = 30\n", "", "[infrastructure] misses otel_collector"),
    ("grpc_offset_shift = 400", "grpc_offset_shift = 1", "port offset 102: auth grpc metrics"),
    ("grpc_offset_shift = 400", "grpc_offset_shift = 0", "grpc_offset_shift must be a positive port offset"),
    ("metrics = 9464", "metrics = 8081", "two kinds the same port"),
    ("nice = { consumer = 10 }", "nice = { worker = 10 }", "nice must map a process kind it runs"),
    ("nice = { consumer = 10 }", "nice = { consumer = 20 }", "niceness 1..19"),
])
def test_a_contradiction_is_refused_naming_it(tmp_path, old, new, complaint):
    with pytest.raises(catalogue.CatalogueError) as error:
        catalogue.load(edited(tmp_path, (old, new)))
    assert complaint in str(error.value)


PROBE = """
import importlib.util, json, sys
from pathlib import Path
import yaml
from devstack.layout import SERVICES_BY_NAME, TOPICS, Layout
from devstack.services import process_env, service_env

repo = Path(sys.argv[1])
layout = Layout(state_dir=Path("/nonexistent"), port_base=31000)
secrets = {f"DB_PASSWORD_{s.package.upper()}": "x" for s in SERVICES_BY_NAME.values()}
secrets |= {k: "x" for s in SERVICES_BY_NAME.values() for k in s.secrets}
secrets |= {f"INTERNAL_TOKEN_SIGNING_KEY_{s.package.upper()}": "A" * 43 for s in SERVICES_BY_NAME.values()}
devstack = {
    "envoy": layout.envoy_port,
    "ports": {s.name: {k: layout.service_port(s, k) for k in s.kinds} for s in SERVICES_BY_NAME.values()},
    "metrics": {s.name: {k: layout.metrics_port(s, k) for k in s.kinds} for s in SERVICES_BY_NAME.values()},
    "grpc_env": {s.name: process_env(layout, s, "grpc", secrets)["METRICS_PORT"]
                 for s in SERVICES_BY_NAME.values() if "grpc" in s.kinds},
    "env": {s.name: service_env(layout, s, secrets) for s in SERVICES_BY_NAME.values()},
    "topics": dict(TOPICS),
}

def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

render = load("probe_render", repo / "gateway" / "render.py")
local_envoy = yaml.safe_load(render.render(render.local_values(31000)))
generate = load("probe_generate", repo / "k8s" / "generate.py")
files = generate.all_files()
print(json.dumps({"devstack": devstack, "envoy": local_envoy, "k8s": files,
                  "k8s_envoy": yaml.safe_load(files["k8s/base/gateway/envoy.yaml"])}))
"""


def probe(catalogue_path: Path) -> dict:
    """What devstack, gateway/render.py and k8s/generate.py make of a catalogue, in a fresh process
    (they read the catalogue once, at import)."""
    env = {**os.environ, catalogue.ENV_VAR: str(catalogue_path)}
    out = subprocess.run([sys.executable, "-c", PROBE, str(REPO)], env=env, check=True, capture_output=True,
                         text=True, timeout=120).stdout
    return json.loads(out)


def clusters(envoy: dict) -> dict[str, str]:
    found = {}
    for c in envoy["static_resources"]["clusters"]:
        sa = c["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
        found[c["name"]] = f"{sa['address']}:{sa['port_value']}"
    return found


def listener_port(envoy: dict) -> int:
    return envoy["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"]


def route_prefixes(envoy: dict) -> set[str]:
    hcm = envoy["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    return {r["match"].get("prefix") for r in hcm["route_config"]["virtual_hosts"][0]["routes"]}


def test_one_edit_of_the_catalogue_moves_a_port_everywhere(tmp_path):
    path = edited(
        tmp_path,
        ("envoy = 0\n", "envoy = 5\n"),                                                  # an infrastructure port
        ("processes = { http = 110,", "processes = { http = 150,"),                      # a local service port
        ("redis_db = 2\n", "redis_db = 9\n"),                                            # a Redis database
        ("grpc = 50051", "grpc = 50099"),                                                # the in-pod gRPC port
        append="""
        [[services]]
        name = "kitchen"
        package = "kitchen"
        redis_db = 6
        processes = { http = 160, grpc = 161 }
        peers = ["orders"]
        secrets = []
        external_https = false
        topics = {}
        """)
    seen = probe(path)

    # devstack: the launcher, `make up` and the test fixtures
    dev = seen["devstack"]
    assert dev["envoy"] == 31005
    assert dev["ports"]["orders"]["http"] == 31150 and dev["env"]["orders"]["HTTP_PORT"] == "31150"
    assert dev["env"]["orders"]["REDIS_URL"].endswith(":31011/9")
    assert dev["ports"]["kitchen"] == {"http": 31160, "grpc": 31161}
    assert dev["env"]["kitchen"]["ORDERS_GRPC_ADDR"] == "127.0.0.1:31111"
    assert dev["metrics"]["kitchen"] == {"http": 31160, "grpc": 31561}      # grpc + [metrics] grpc_offset_shift
    assert dev["grpc_env"]["kitchen"] == "31561" and dev["grpc_env"]["orders"] == "31511"

    # the local Envoy config (gateway/render.py)
    local = clusters(seen["envoy"])
    assert listener_port(seen["envoy"]) == 31005
    assert local["orders_http"] == "127.0.0.1:31150"
    assert local["kitchen_http"] == "127.0.0.1:31160" and local["kitchen_grpc"] == "127.0.0.1:31161"
    assert {"/api/kitchen/", "/auraconnect.kitchen.v1."} <= route_prefixes(seen["envoy"])

    # ... also when run as a script (`python gateway/render.py > envoy.yaml`, base 17000 by default)
    script = subprocess.run([sys.executable, str(REPO / "gateway" / "render.py")], check=True, capture_output=True,
                            text=True, timeout=60, env={**{k: v for k, v in os.environ.items() if k != "AURA_PORT_BASE"},
                                                              catalogue.ENV_VAR: str(path)}).stdout
    standalone = yaml.safe_load(script)
    assert listener_port(standalone) == 17005 and clusters(standalone)["orders_http"] == "127.0.0.1:17150"

    # the Kubernetes manifests (k8s/generate.py) and the in-cluster Envoy config
    k8s = seen["k8s"]
    orders_config = dict(line.split("=", 1) for line in k8s["k8s/base/services/orders/config.env"].splitlines()
                         if line and not line.startswith("#"))
    assert orders_config["REDIS_URL"] == "redis://redis:6379/9"
    assert orders_config["GRPC_PORT"] == "50099" and orders_config["TAX_GRPC_ADDR"] == "tax-grpc:50099"
    assert "containerPort: 50099" in k8s["k8s/base/services/orders/grpc.yaml"]
    assert clusters(seen["k8s_envoy"])["orders_grpc"] == "orders-grpc:50099"
    assert "port: 50099" in k8s["k8s/base/gateway/networkpolicy.yaml"]       # the gateway may reach it
    assert "k8s/base/services/kitchen/http.yaml" in k8s and "k8s/base/services/kitchen/relay.yaml" not in k8s
    assert "kitchen" in k8s["k8s/base/services/orders/grpc.yaml"].split("allowed-from:")[1].splitlines()[0]
    assert "EXPOSE 8080 50099 8081 9464" in k8s["services/Dockerfile"]
    assert "containerPort: 9464" in k8s["k8s/base/services/kitchen/grpc.yaml"]


def test_the_unedited_catalogue_gives_todays_ports(tmp_path):
    seen = probe(edited(tmp_path))
    assert seen["devstack"]["envoy"] == 31000 and seen["devstack"]["ports"]["orders"]["http"] == 31110
    assert clusters(seen["envoy"])["orders_http"] == "127.0.0.1:31110"
    assert clusters(seen["k8s_envoy"])["orders_grpc"] == "orders-grpc:50051"
    assert seen["devstack"]["topics"]["orders.order.v1"] == 6


def test_the_readme_agrees_with_the_catalogue():
    """README.md's ports table, Redis databases and run-one-service example, at base 17000."""
    from devstack.layout import Layout

    cat, layout = catalogue.load(), Layout(state_dir=Path("/nonexistent"), port_base=17000)
    expected = {"envoy": [layout.envoy_port, layout.envoy_admin_port], "postgres": [layout.postgres_port],
                "redis": [layout.redis_port], "kafka": [layout.kafka_port, layout.kafka_controller_port],
                "otel-collector": [layout.otel_port]}
    expected |= {f"{s.name} {' / '.join(s.kinds)}": [layout.service_port(s, k) for k in s.kinds]
                 for s in cat.services}
    readme = (REPO / "README.md").read_text()
    table = readme.split("## Processes and ports")[1].split("\n\n| process | port | what |")[1].split("\n\n")[0]
    rows = {}
    for line in table.strip().splitlines()[1:]:
        label, ports, _ = (cell.strip() for cell in line.strip().strip("|").split("|"))
        rows[label] = [int(p) for p in re.findall(r"\d{4,5}", ports)]
    assert rows == expected
    assert "db " + ", ".join(f"{s.redis_db} {s.name}" for s in cat.services) in readme
    orders = cat.service("orders")
    assert f"REDIS_URL=redis://127.0.0.1:{layout.redis_port}/{orders.redis_db} " in readme
    assert f"HTTP_PORT={layout.service_port(orders, 'http')} " in readme
