"""The Prometheus rules and Grafana dashboards in observability/ are checked like code.

- promtool accepts the rule files and the local scrape config, and runs the alert unit tests
  (observability/prometheus/tests/*.yaml); every alert has a case that fires and one that must not.
- Every metric and label a rule or a dashboard queries exists: defined in chassis.metrics, recorded by
  a recording rule, or listed with its source in observability/external_metrics.yaml. Renaming a
  metric in the chassis breaks this test, not a dashboard in production.
- The generated dashboards and local config are up to date with the catalogue.

promtool comes from Debian's `prometheus` package (tools/bootstrap.sh installs it); without it the
promtool tests skip, saying so, and the rest still runs.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OBS = ROOT / "observability"
PROM = OBS / "prometheus"
RULE_FILES = sorted((PROM / "rules").glob("*.yaml"))
UNIT_TESTS = sorted((PROM / "tests").glob("*.yaml"))
DASHBOARDS = sorted((OBS / "grafana" / "dashboards").glob("*.json"))
# Labels the scrape config attaches to every series (observability/prometheus/prometheus.yml).
TARGET_LABELS = {"job", "instance", "service", "component", "namespace", "pod"}


def promtool() -> str:
    found = shutil.which("promtool") or next(
        (str(p) for p in [ROOT / ".tools" / "bin" / "promtool"] if p.exists()), None)
    if not found:
        pytest.skip("promtool not installed (tools/bootstrap.sh installs Debian's prometheus package)")
    return found


def run_promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def load_rules() -> list[dict]:
    return [rule for path in RULE_FILES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]]


def alerts() -> list[dict]:
    return [r for r in load_rules() if "alert" in r]


def recorded() -> set[str]:
    return {r["record"] for r in load_rules() if "record" in r}


def dashboard_exprs() -> list[tuple[str, str]]:
    out = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                out.append((f"{path.name}: {panel['title']}", target["expr"]))
    return out


# ---- promtool -------------------------------------------------------------------------------------

def test_promtool_accepts_the_rule_files():
    result = run_promtool("check", "rules", *[str(p) for p in RULE_FILES])
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_unit_tests_pass():
    result = run_promtool("test", "rules", *[str(p) for p in UNIT_TESTS])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(UNIT_TESTS), result.stdout


def test_promtool_accepts_the_local_scrape_config():
    result = run_promtool("check", "config", "local.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_kubernetes_scrape_config():
    result = run_promtool("check", "config", "prometheus.yml")
    if "kubernetes_sd_configs not found" in result.stdout + result.stderr:
        pytest.skip("this promtool is built without Kubernetes service discovery (Debian's package is);"
                    " the upstream build checks prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_unit_test_fails(tmp_path):
    """The promtool run can fail: an expectation that contradicts the rule is reported."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({
        "rule_files": [str(PROM / "rules" / "recording.yaml"), str(PROM / "rules" / "alerts.yaml")],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m",
                   "input_series": [{"series": 'service:outbox_parked_events:max{service="orders"}',
                                     "values": "0x10"}],
                   "alert_rule_test": [{"eval_time": "5m", "alertname": "OutboxEventsParked",
                                        "exp_alerts": [{"exp_labels": {"service": "orders",
                                                                       "severity": "warning"}}]}]}],
    }))
    result = run_promtool("test", "rules", str(broken))
    assert result.returncode != 0 and "FAILED" in result.stdout + result.stderr


# ---- every alert is tested both ways ---------------------------------------------------------------------

def alert_cases() -> tuple[set[str], set[str]]:
    fires, quiet = set(), set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    return fires, quiet


def test_every_alert_has_a_case_that_fires_and_one_that_must_not():
    names = {a["alert"] for a in alerts()}
    fires, quiet = alert_cases()
    assert not names - fires, f"alerts no unit test expects to fire: {sorted(names - fires)}"
    assert not names - quiet, f"alerts no unit test expects to stay quiet: {sorted(names - quiet)}"
    assert not (fires | quiet) - names, f"unit tests name unknown alerts: {sorted((fires | quiet) - names)}"


def test_alerts_are_labelled_and_annotated():
    for alert in alerts():
        assert alert["labels"]["severity"] in ("critical", "warning"), alert["alert"]
        assert {"summary", "description", "runbook"} <= set(alert["annotations"]), alert["alert"]


# ---- every metric and label a query reads exists ---------------------------------------------------------

def chassis_metrics() -> dict[str, set[str]]:
    """Sample names the chassis exports -> their labels (prometheus_client adds _total, _bucket, ...)."""
    from chassis import metrics
    from prometheus_client.metrics import MetricWrapperBase

    exported: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        labels = set(value._labelnames)
        for described in value.describe():
            name, kind = described.name, described.type
            suffixes = {"counter": ["_total", "_created"], "gauge": [""], "histogram": ["_bucket", "_count", "_sum",
                                                                                        "_created"],
                        "summary": ["", "_count", "_sum", "_created"]}[kind]
            for suffix in suffixes:
                exported[name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return exported


def external_metrics() -> dict[str, set[str]]:
    return {e["name"]: set(e["labels"]) for e in yaml.safe_load((OBS / "external_metrics.yaml").read_text())}


KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
            "group_right", "inf", "nan", "Inf", "NaN"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
SELECTOR = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"")


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, labels matched on) for every series selector in a PromQL expression."""
    expr = re.sub(r'"[^"]*"', '""', expr)                          # label values are not names
    expr = GROUPING.sub(" ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)                       # ranges and subqueries
    found = []
    for match in SELECTOR.finditer(expr):
        name, braces = match.group(1), match.group(2) or ""
        rest = expr[match.end():]
        if name in KEYWORDS or (not braces and rest.lstrip().startswith("(")):
            continue                                               # a keyword or a function call
        found.append((name, {label for label, _ in MATCHER.findall(braces)}))
    return found


def unknown_references(exprs: list[tuple[str, str]]) -> list[str]:
    known = chassis_metrics() | external_metrics()
    records = recorded()
    problems = []
    for where, expr in exprs:
        for name, labels in selectors(expr):
            if name in records:
                continue
            if name not in known:
                problems.append(f"{where}: unknown metric {name}")
            elif labels - known[name] - TARGET_LABELS:
                problems.append(f"{where}: {name} has no label(s) {sorted(labels - known[name] - TARGET_LABELS)}")
    return problems


def rule_exprs() -> list[tuple[str, str]]:
    return [(r.get("alert") or r.get("record"), r["expr"]) for r in load_rules()]


def test_rules_query_only_metrics_and_labels_that_exist():
    assert not unknown_references(rule_exprs())


def test_dashboards_query_only_metrics_and_labels_that_exist():
    exprs = dashboard_exprs()
    assert len(exprs) > 50
    assert not unknown_references(exprs)


def test_the_checker_catches_a_renamed_metric_and_a_wrong_label():
    problems = unknown_references([
        ("renamed", 'sum by (service) (rate(http_request_total{route="/x"}[5m]))'),
        ("label", 'sum (rate(events_dead_lettered_total{queue="x"}[5m]))'),
        ("fine", 'sum by (service) (rate(http_requests_total{status=~"5..", route!="/x"}[5m])) '
                 '/ on (service) group_left service:outbox_relay_active:sum offset 5m'),
    ])
    assert problems == ["renamed: unknown metric http_request_total", "label: events_dead_lettered_total has no"
                        " label(s) ['queue']"], problems


def test_every_chassis_metric_is_on_a_dashboard():
    used = {name for _, expr in dashboard_exprs() + rule_exprs() for name, _ in selectors(expr)}
    exported = {n for n in chassis_metrics() if not n.endswith(("_created", "_sum"))}
    # A histogram is used through its buckets and count; a dashboard needs only one of them.
    missing = {n for n in exported - used if not n.endswith("_count")}
    assert not missing, f"chassis metrics no dashboard or rule shows: {sorted(missing)}"


def test_every_external_metric_is_used():
    used = {name for _, expr in dashboard_exprs() + rule_exprs() for name, _ in selectors(expr)}
    assert not set(external_metrics()) - used


def test_payroll_worker_metrics_are_defined_once_with_the_listed_labels():
    """The pay-run worker defines these in its own module (not the chassis): external_metrics.yaml lists
    them with the labels the worker really has, and the chassis does not define them a second time."""
    from payroll.entrypoints import worker

    listed = {e["name"]: set(e["labels"]) for e in yaml.safe_load((OBS / "external_metrics.yaml").read_text())
              if e["name"].startswith("payroll_pay_run_")}
    defined = {"payroll_pay_run_jobs_total": set(worker.JOBS._labelnames),
               "payroll_pay_run_oldest_running_age_seconds": set(worker.OLDEST_RUNNING_AGE._labelnames)}
    assert listed == defined == {"payroll_pay_run_jobs_total": {"result"},
                                 "payroll_pay_run_oldest_running_age_seconds": set()}
    assert not set(listed) & set(chassis_metrics())


# ---- dashboards --------------------------------------------------------------------------------------------

def test_generated_files_are_up_to_date():
    result = subprocess.run([sys.executable, str(OBS / "generate.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_dashboards_are_well_formed():
    from devstack.layout import SERVICES

    uids = set()
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["uid"] not in uids and len(board["uid"]) <= 40
        uids.add(board["uid"])
        assert [v["name"] for v in board["templating"]["list"]] == ["datasource"]
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), path.name
        for panel in board["panels"]:
            pos = panel["gridPos"]
            assert 0 <= pos["x"] and pos["x"] + pos["w"] <= 24, (path.name, panel["title"])
            for target in panel.get("targets", []):
                assert target["datasource"]["uid"] == "${datasource}"
    assert uids == {"aura-platform"} | {f"aura-{s.name}" for s in SERVICES}


def test_a_service_dashboard_filters_on_its_service():
    board = json.loads((OBS / "grafana" / "dashboards" / "aura-orders.json").read_text())
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            assert 'service="orders"' in target["expr"], (panel["title"], target["expr"])


# ---- Kubernetes --------------------------------------------------------------------------------------------

def test_dev_overlay_ships_the_rules_and_dashboards_as_config_maps():
    kubectl = ROOT / ".venv" / "bin" / "kubectl"
    if not kubectl.exists():
        pytest.skip("no .venv/bin/kubectl (run tools/bootstrap.sh)")
    rendered = subprocess.run([str(kubectl), "kustomize", str(ROOT / "k8s" / "overlays" / "dev")],
                              capture_output=True, text=True, check=True).stdout
    maps = {d["metadata"]["name"].rsplit("-", 1)[0]: d for d in yaml.safe_load_all(rendered)
            if d and d["kind"] == "ConfigMap"}
    rules = maps["auraconnect-prometheus-rules"]["data"]
    assert rules == {p.name: p.read_text() for p in RULE_FILES}
    assert maps["auraconnect-prometheus-config"]["data"] == {"prometheus.yml": (PROM / "prometheus.yml").read_text()}
    dashboards = maps["auraconnect-grafana-dashboards"]
    assert dashboards["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboards["data"] == {p.name: p.read_text() for p in DASHBOARDS}
    # prometheus.yml loads exactly the rule files the ConfigMap carries.
    assert sorted(Path(f).name for f in yaml.safe_load((PROM / "prometheus.yml").read_text())["rule_files"]) == sorted(rules)
