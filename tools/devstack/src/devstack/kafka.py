"""Run a real Apache Kafka 4.x broker (KRaft, one node, broker + controller) as a plain Java process.

The jars come from Maven Central through ``infra/kafka/pom.xml``; no Docker, no tarball.

Typical use (the devstack launcher)::

    from devstack import kafka

    proc = kafka.start_broker(repo_root, data_dir, port=19092, controller_port=19093)
    kafka.wait_ready(19092, timeout=60, proc=proc, data_dir=data_dir)
    kafka.create_topics("127.0.0.1:19092", [("orders.events", 3)])
    ...
    kafka.stop_broker(proc.pid)

Layout of ``data_dir`` (everything the broker writes lives here, so data survives restarts)::

    server.properties   rendered from infra/kafka/server.properties.tmpl on every start
    cluster.id          the KRaft cluster id, created once by format_storage()
    data/               log.dirs: partitions and the __cluster_metadata log
    logs/server.log     log4j2 output (infra/kafka/log4j2.properties)
    broker.out          the JVM's own stdout/stderr (crashes, JVM warnings)

Only the standard library and kafka-python are used.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import time
import uuid
from collections.abc import Iterable
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

HOST = "127.0.0.1"

# Heap as asked for a dev broker on a 2-core machine; SerialGC has the smallest footprint and
# no GC threads, and pauses on a 512 MB heap are a few ms. The class-data-sharing archive of
# the JDK (-Xshare:auto, the default) is kept.
JVM_OPTS: tuple[str, ...] = (
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-XX:MaxMetaspaceSize=256m",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
# Short-lived tools (StorageTool): C1 only starts faster.
TOOL_JVM_OPTS: tuple[str, ...] = ("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")

MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"
BROKER_JAR_GLOB = "kafka_2.13-*.jar"

_STAMP = ".stamp.json"
_LOCK = ".lock"
_TOPIC_ALREADY_EXISTS = 36


class KafkaError(RuntimeError):
    """Anything that stops the local broker from being fetched, formatted, started or used."""


# --------------------------------------------------------------------------------------------
# paths


def kafka_dir(repo_root: Path) -> Path:
    """``<repo>/infra/kafka``: pom.xml, server.properties.tmpl, log4j2.properties, lib/."""
    return Path(repo_root) / "infra" / "kafka"


def find_repo_root(start: Path | None = None) -> Path:
    """The nearest directory above ``start`` (default: this file, then the cwd) holding infra/kafka/pom.xml."""
    starts = [Path(start)] if start else [Path(__file__).resolve(), Path.cwd()]
    for s in starts:
        for d in [s, *s.parents]:
            if (d / "infra" / "kafka" / "pom.xml").is_file():
                return d
    raise KafkaError(f"cannot find the repo root (a directory with infra/kafka/pom.xml) above {starts}")


def _log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "data"


# --------------------------------------------------------------------------------------------
# tools on the machine


@cache
def java_bin() -> str:
    """Path of a Java 17+ ``java`` ($JAVA_HOME first, then PATH)."""
    home = os.environ.get("JAVA_HOME")
    cand = Path(home) / "bin" / "java" if home else None
    java = str(cand) if cand and cand.is_file() else shutil.which("java")
    if not java:
        raise KafkaError(
            "java not found (JAVA_HOME unset and no java on PATH). Kafka 4.x needs Java 17+: "
            "apt-get install -y openjdk-17-jre-headless"
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(m.group(1)) if m else 0
    if major == 1 and m and m.group(2):  # "1.8.0_..."
        major = int(m.group(2))
    if major < 17:
        raise KafkaError(
            f"{java} is Java {major or '?'}; the Kafka 4.x broker needs Java 17+: "
            f"apt-get install -y openjdk-17-jre-headless (or set JAVA_HOME). `java -version` said: {out.strip()}"
        )
    return java


def _mvn_bin() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise KafkaError(
            "mvn not found on PATH; it fetches the Kafka jars from Maven Central: apt-get install -y maven"
        )
    return mvn


# --------------------------------------------------------------------------------------------
# jars


def _pom_hash(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def _jars_complete(lib: Path, pom_sha: str) -> bool:
    try:
        stamp = json.loads((lib / _STAMP).read_text())
    except (OSError, ValueError):
        return False
    jars = stamp.get("jars") or []
    return stamp.get("pom_sha256") == pom_sha and bool(jars) and all((lib / j).is_file() for j in jars)


def ensure_jars(repo_root: Path) -> Path:
    """Make sure ``infra/kafka/lib`` holds every runtime jar of the broker; return that directory.

    Runs Maven (``dependency:copy-dependencies``) only when lib/ is missing, incomplete, or was
    filled from a different pom.xml (lib/.stamp.json records the pom's sha256 and the jar list).
    Safe to call from several processes at once (a file lock serialises the fetch).
    """
    kdir = kafka_dir(repo_root)
    pom, lib = kdir / "pom.xml", kdir / "lib"
    if not pom.is_file():
        raise KafkaError(f"{pom} is missing")
    sha = _pom_hash(pom)
    if _jars_complete(lib, sha):
        return lib

    lib.mkdir(parents=True, exist_ok=True)
    with open(lib / _LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be fetching right now
        if _jars_complete(lib, sha):
            return lib
        java_bin()  # Maven needs it too; fail with the clearer message
        mvn = _mvn_bin()
        for old in lib.glob("*.jar"):
            old.unlink()
        (lib / _STAMP).unlink(missing_ok=True)
        goal = ["dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={lib}"]
        cmd = [mvn, "-q", "-B", "-f", str(pom), *goal]
        t0 = time.monotonic()
        res = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if res.returncode != 0:
            tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-25:])
            raise KafkaError(
                f"Maven could not fetch the Kafka jars (exit {res.returncode}); is Maven Central reachable?\n"
                f"command: {' '.join(cmd)}\n{tail}"
            )
        jars = sorted(p.name for p in lib.glob("*.jar"))
        if not any(lib.glob(BROKER_JAR_GLOB)):
            raise KafkaError(f"Maven finished but {lib} has no {BROKER_JAR_GLOB}; jars: {jars}")
        tmp = lib / (_STAMP + ".tmp")
        tmp.write_text(json.dumps({"pom_sha256": sha, "jars": jars}, indent=1) + "\n")
        os.replace(tmp, lib / _STAMP)
        log.info("fetched %d Kafka jars into %s in %.1fs", len(jars), lib, time.monotonic() - t0)
    return lib


def _classpath(lib: Path) -> str:
    return str(lib / "*")  # expanded by java itself


# --------------------------------------------------------------------------------------------
# configuration and storage


def render_config(repo_root: Path, data_dir: Path, port: int, controller_port: int) -> Path:
    """Write ``<data_dir>/server.properties`` from infra/kafka/server.properties.tmpl; return its path."""
    if port == controller_port:
        raise KafkaError(f"port and controller_port must differ (both {port})")
    data_dir = Path(data_dir).resolve()
    tmpl = kafka_dir(repo_root) / "server.properties.tmpl"
    try:
        text = string.Template(tmpl.read_text()).substitute(
            port=int(port), controller_port=int(controller_port), log_dirs=str(_log_dir(data_dir))
        )
    except (OSError, KeyError, ValueError) as e:
        raise KafkaError(f"cannot render {tmpl}: {e}") from e
    data_dir.mkdir(parents=True, exist_ok=True)
    props = data_dir / "server.properties"
    props.write_text(text)
    return props


def _new_cluster_id() -> str:
    """A Kafka Uuid string: 16 random bytes, base64url without padding (22 chars), not starting with '-'."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _read_meta_cluster_id(meta: Path) -> str | None:
    for line in meta.read_text().splitlines():
        if line.startswith("cluster.id="):
            return line.split("=", 1)[1].strip()
    return None


def _java_sysprops(repo_root: Path, data_dir: Path) -> list[str]:
    return [
        f"-Dlog4j2.configurationFile={kafka_dir(repo_root) / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={Path(data_dir).resolve() / 'logs'}",
    ]


def format_storage(
    data_dir: Path,
    port: int,
    controller_port: int,
    cluster_id_file: Path | None = None,
    *,
    repo_root: Path | None = None,
) -> str:
    """Format the KRaft storage in ``data_dir`` once; return the cluster id.

    The cluster id is kept in ``cluster_id_file`` (default ``<data_dir>/cluster.id``) and reused.
    Does nothing (but check the id) when ``<data_dir>/data/meta.properties`` already exists, so
    topics, records and committed offsets survive restarts.
    """
    repo_root = Path(repo_root) if repo_root else find_repo_root()
    data_dir = Path(data_dir).resolve()
    id_file = Path(cluster_id_file) if cluster_id_file else data_dir / "cluster.id"
    meta = _log_dir(data_dir) / "meta.properties"
    saved = id_file.read_text().strip() if id_file.is_file() else None

    if meta.is_file():
        formatted = _read_meta_cluster_id(meta)
        if saved and formatted and saved != formatted:
            raise KafkaError(
                f"{meta} belongs to cluster {formatted} but {id_file} says {saved}; "
                f"delete {data_dir} to start from scratch"
            )
        if formatted and not saved:
            id_file.parent.mkdir(parents=True, exist_ok=True)
            id_file.write_text(formatted + "\n")
        return formatted or saved or ""

    cluster_id = saved or _new_cluster_id()
    lib = ensure_jars(repo_root)
    props = render_config(repo_root, data_dir, port, controller_port)
    jvm = [java_bin(), *TOOL_JVM_OPTS, *_java_sysprops(repo_root, data_dir), "-cp", _classpath(lib)]
    cmd = [*jvm, STORAGE_TOOL, "format", "--cluster-id", cluster_id, "--config", str(props), "--ignore-formatted"]
    res = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if res.returncode != 0 or not meta.is_file():
        raise KafkaError(
            f"kafka StorageTool format failed (exit {res.returncode}) for {data_dir}:\n"
            f"{(res.stdout + res.stderr).strip()}"
        )
    if not saved:
        id_file.parent.mkdir(parents=True, exist_ok=True)
        id_file.write_text(cluster_id + "\n")
    return cluster_id


# --------------------------------------------------------------------------------------------
# process


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def start_broker(repo_root: Path, data_dir: Path, port: int, controller_port: int) -> subprocess.Popen:
    """Start the broker on 127.0.0.1:``port`` (controller on ``controller_port``); return its process.

    Fetches the jars and formats ``data_dir`` first if needed. The process runs in its own session;
    its stdout/stderr go to ``<data_dir>/broker.out`` and its log to ``<data_dir>/logs/server.log``.
    It is not ready yet: call wait_ready(). Stop it with stop_broker(proc.pid).
    """
    repo_root, data_dir = Path(repo_root), Path(data_dir).resolve()
    for p in (port, controller_port):
        if not _port_free(p):
            raise KafkaError(f"{HOST}:{p} is already in use (another broker still running?)")
    lib = ensure_jars(repo_root)
    format_storage(data_dir, port, controller_port, repo_root=repo_root)
    props = render_config(repo_root, data_dir, port, controller_port)
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    cmd = [java_bin(), *JVM_OPTS, *_java_sysprops(repo_root, data_dir), "-cp", _classpath(lib), MAIN_CLASS, str(props)]
    with open(data_dir / "broker.out", "ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            cmd, cwd=data_dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    log.info("started Kafka broker pid %d on %s:%d (data %s)", proc.pid, HOST, port, data_dir)
    return proc


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} not readable)"


def wait_ready(
    port: int,
    timeout: float = 60.0,
    *,
    proc: subprocess.Popen | None = None,
    data_dir: Path | None = None,
    host: str = HOST,
) -> float:
    """Block until the broker on ``host:port`` answers a metadata request; return the seconds waited.

    With ``proc`` it fails fast when the process exits; with ``data_dir`` the error shows the log tails.
    """
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError as ClientError

    t0 = time.monotonic()
    deadline = t0 + timeout
    last: object = "no attempt"

    def diagnostics() -> str:
        if not data_dir:
            return ""
        files = (Path(data_dir) / "broker.out", Path(data_dir) / "logs" / "server.log")
        return "".join(f"\n--- {f}:\n{_tail(f)}" for f in files)

    while True:
        if proc is not None and proc.poll() is not None:
            raise KafkaError(
                f"Kafka broker (pid {proc.pid}) exited with code {proc.returncode} before it was ready{diagnostics()}"
            )
        if time.monotonic() > deadline:
            raise KafkaError(
                f"Kafka broker on {host}:{port} not ready after {timeout:.0f}s (last error: {last}){diagnostics()}"
            )
        try:
            with socket.create_connection((host, port), timeout=1.0):
                pass
        except OSError as e:  # not listening yet: stay quiet, kafka-python would log errors
            last = e
            time.sleep(0.2)
            continue
        admin = None
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=f"{host}:{port}", client_id="devstack-ready", request_timeout_ms=5000
            )
            admin.list_topics()
            return time.monotonic() - t0
        except (ClientError, OSError) as e:
            last = e
            time.sleep(0.3)
        finally:
            if admin is not None:
                admin.close()


def create_topics(
    bootstrap: str,
    specs: Iterable[tuple[str, int]],
    *,
    replication_factor: int = 1,
    configs: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> list[str]:
    """Create each ``(name, partitions)`` topic that does not exist yet; return the names created.

    Existing topics are left as they are (a different partition count is logged, not changed).
    Returns once every requested topic has a leader for each partition.
    """
    from kafka import KafkaAdminClient
    from kafka.errors import for_code

    specs = [(str(n), int(p)) for n, p in specs]
    if not specs:
        return []
    timeout_ms = int(timeout * 1000)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="devstack-topics", request_timeout_ms=timeout_ms)
    try:
        existing = set(admin.list_topics())
        wanted = {n: p for n, p in specs if n not in existing}
        created: list[str] = []
        if wanted:
            res = admin.create_topics(
                {
                    n: {"num_partitions": p, "replication_factor": replication_factor, "configs": dict(configs or {})}
                    for n, p in wanted.items()
                },
                timeout_ms=timeout_ms,
                raise_errors=False,
            )
            for t in res["topics"]:
                code = t["error_code"]
                if code == 0:
                    created.append(t["name"])
                elif code != _TOPIC_ALREADY_EXISTS:  # lost a race with another creator: fine
                    err = f"{for_code(code).__name__} {t.get('error_message') or ''}"
                    raise KafkaError(f"cannot create topic {t['name']}: {err}")
        names = [n for n, _ in specs]
        admin.wait_for_topics(names, timeout_ms=timeout_ms)
        for t in admin.describe_topics(names):
            want = dict(specs)[t["name"]]
            have = len(t.get("partitions") or [])
            if have != want:
                log.warning("topic %s exists with %d partitions (asked for %d); left unchanged", t["name"], have, want)
        return created
    finally:
        admin.close()


def _reap_or_probe(pid: int) -> bool:
    """True while ``pid`` is alive. Reaps it if it is our child, so a zombie does not count as alive."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done != pid  # our child: waitpid is authoritative
    except ChildProcessError:
        pass  # not our child (or already reaped): probe instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie that its parent has not reaped yet is gone for our purposes. (A JVM whose main
    # thread exited also shows "Z" for the leader while other threads run, so count the tasks.)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
        tasks = len(os.listdir(f"/proc/{pid}/task"))
    except (OSError, IndexError):
        return True
    return not (state == "Z" and tasks <= 1)


def stop_broker(pid: int, timeout: float = 30.0) -> bool:
    """Stop the broker ``pid``: SIGTERM (a clean shutdown flushes logs and offsets), wait up to
    ``timeout`` seconds, then SIGKILL. Returns True if it stopped on SIGTERM, False if it was killed
    (or was not running). Raises KafkaError if it survives SIGKILL."""
    if pid <= 0:
        raise ValueError(f"bad pid {pid}")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        _reap_or_probe(pid)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _reap_or_probe(pid):
            return True
        time.sleep(0.1)
    log.warning("Kafka broker pid %d still running %.0fs after SIGTERM; sending SIGKILL", pid, timeout)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not _reap_or_probe(pid):
            return False
        time.sleep(0.1)
    raise KafkaError(f"Kafka broker pid {pid} survived SIGKILL")


__all__ = [
    "JVM_OPTS",
    "KafkaError",
    "create_topics",
    "ensure_jars",
    "find_repo_root",
    "format_storage",
    "java_bin",
    "kafka_dir",
    "render_config",
    "start_broker",
    "stop_broker",
    "wait_ready",
]
