"""End-to-end test of devstack.kafka against a real Apache Kafka 4.x broker (KRaft, one node).

Starts a broker on free loopback ports in a temp dir, creates a 3-partition topic, produces with an
idempotent acks=all producer (keys + headers), consumes in a group with manual commits, restarts
the broker, checks that records and the committed offsets survived, then stops it.
Needs java 17+ and mvn (the first run fetches the jars from Maven Central).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError as KafkaClientError

REPO_ROOT = Path(__file__).resolve().parents[3]
try:
    from devstack import kafka as devkafka
except ImportError:  # not installed in the venv: use the source tree
    sys.path.insert(0, str(REPO_ROOT / "tools" / "devstack" / "src"))
    from devstack import kafka as devkafka

TOPIC = "devstack.test.orders"
GROUP = "devstack-test-group"
KEYS = [f"order-{i}".encode() for i in range(6)]
READY_TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    """True unless the process is gone (or is a zombie with no threads left)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
        return not (state == "Z" and len(os.listdir(f"/proc/{pid}/task")) <= 1)
    except OSError:
        return False


class Broker:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = _free_port()
        self.controller_port = _free_port()
        while self.controller_port == self.port:
            self.controller_port = _free_port()
        self.proc = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> float:
        t0 = time.monotonic()
        self.proc = devkafka.start_broker(REPO_ROOT, self.data_dir, self.port, self.controller_port)
        devkafka.wait_ready(self.port, READY_TIMEOUT, proc=self.proc, data_dir=self.data_dir)
        return time.monotonic() - t0

    def stop(self) -> bool:
        proc, self.proc = self.proc, None
        if proc is None:
            return True
        clean = devkafka.stop_broker(proc.pid, timeout=30)
        proc.poll()
        return clean


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "kafka")
    try:
        yield b
    finally:
        b.stop()  # also on failure: never leave a JVM behind


def _consumer(bootstrap: str, **kw) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
        **kw,
    )


def _poll_n(consumer: KafkaConsumer, n: int, timeout: float = 45.0) -> list:
    """Poll until n records arrived (asserts exactly n after a short extra poll)."""
    got: list = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        for recs in consumer.poll(timeout_ms=500, max_records=100).values():
            got.extend(recs)
    assert len(got) == n, f"expected {n} records, got {len(got)}"
    for recs in consumer.poll(timeout_ms=500).values():  # nothing more should be there
        got.extend(recs)
    assert len(got) == n, f"expected exactly {n} records, got {len(got)}"
    return got


def _produce(bootstrap: str, start: int, count: int) -> dict[int, int]:
    """Send records seq=start..start+count-1; return {seq: partition}."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    try:
        futures = {}
        for seq in range(start, start + count):
            key = KEYS[seq % len(KEYS)]
            futures[seq] = producer.send(
                TOPIC,
                key=key,
                value=f"payload-{seq}".encode(),
                headers=[("seq", str(seq).encode()), ("traceparent", f"00-{seq:032x}-{seq:016x}-01".encode())],
            )
        producer.flush(timeout=30)
        return {seq: f.get(timeout=30).partition for seq, f in futures.items()}
    finally:
        producer.close(timeout=10)


def _committed(bootstrap: str, timeout: float = 30.0) -> dict[int, int]:
    """The group's committed offsets per partition of TOPIC. Right after a restart the group
    coordinator is still loading __consumer_offsets (CoordinatorLoadInProgress): retry those."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                offsets = admin.list_group_offsets({GROUP: None})[GROUP]
                return {tp.partition: om.offset for tp, om in offsets.items() if tp.topic == TOPIC}
            except KafkaClientError as e:
                if not e.retriable or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        admin.close()


@pytest.mark.integration
def test_broker_persists_records_and_offsets_across_restart(broker):
    # --- first start: fetch jars (if needed), format, start, ready
    ready_s = broker.start()
    print(f"broker ready after {ready_s:.1f}s (pid {broker.proc.pid})")
    assert (broker.data_dir / "data" / "meta.properties").is_file()
    cluster_id = (broker.data_dir / "cluster.id").read_text().strip()
    assert len(cluster_id) == 22

    assert devkafka.create_topics(broker.bootstrap, [(TOPIC, 3)]) == [TOPIC]
    assert devkafka.create_topics(broker.bootstrap, [(TOPIC, 3)]) == []  # idempotent
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        (meta,) = admin.describe_topics([TOPIC])
        assert len(meta["partitions"]) == 3
    finally:
        admin.close()

    # --- produce 30 records, idempotent + acks=all, keyed, with headers
    placed = _produce(broker.bootstrap, 0, 30)
    by_key: dict[bytes, set[int]] = {}
    for seq, part in placed.items():
        by_key.setdefault(KEYS[seq % len(KEYS)], set()).add(part)
    assert all(len(parts) == 1 for parts in by_key.values()), f"a key spread over partitions: {by_key}"
    assert len(set(placed.values())) > 1, "6 keys all landed on one partition"

    # --- consume in a group, commit manually
    consumer = _consumer(broker.bootstrap, group_id=GROUP)
    consumer.subscribe([TOPIC])
    try:
        records = _poll_n(consumer, 30)
        seen = {}
        for r in records:
            headers = dict(r.headers)
            seq = int(headers["seq"])
            assert r.key == KEYS[seq % len(KEYS)]
            assert r.value == f"payload-{seq}".encode()
            assert headers["traceparent"] == f"00-{seq:032x}-{seq:016x}-01".encode()
            assert r.partition == placed[seq]
            seen[seq] = r
        assert sorted(seen) == list(range(30))
        consumer.commit()
    finally:
        consumer.close(autocommit=False)

    committed_before = _committed(broker.bootstrap)
    expected_ends = {p: sum(1 for v in placed.values() if v == p) for p in range(3)}
    assert {p: o for p, o in committed_before.items() if o} == {p: n for p, n in expected_ends.items() if n}

    # 10 more records that nobody has consumed/committed yet
    placed.update(_produce(broker.bootstrap, 30, 10))

    # --- restart on the same data dir
    pid1 = broker.proc.pid
    assert broker.stop() is True, "broker needed SIGKILL"
    assert not _pid_alive(pid1)
    fmt_id = devkafka.format_storage(broker.data_dir, broker.port, broker.controller_port, repo_root=REPO_ROOT)
    assert fmt_id == cluster_id  # already formatted: kept, not re-formatted
    ready_s = broker.start()
    print(f"broker ready after restart in {ready_s:.1f}s (pid {broker.proc.pid})")
    assert broker.proc.pid != pid1

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        assert TOPIC in admin.list_topics()
    finally:
        admin.close()
    assert _committed(broker.bootstrap) == committed_before

    # all 40 records are still on disk
    reader = _consumer(broker.bootstrap)
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(3)]
        reader.assign(tps)
        reader.seek_to_beginning(*tps)
        all_recs = _poll_n(reader, 40)
        assert sorted(int(dict(r.headers)["seq"]) for r in all_recs) == list(range(40))
    finally:
        reader.close(autocommit=False)

    # the group resumes exactly after its committed offsets: only the 10 new records
    consumer = _consumer(broker.bootstrap, group_id=GROUP)
    consumer.subscribe([TOPIC])
    try:
        rest = _poll_n(consumer, 10)
        assert sorted(int(dict(r.headers)["seq"]) for r in rest) == list(range(30, 40))
        consumer.commit()
    finally:
        consumer.close(autocommit=False)

    # --- stop: graceful, process gone, port closed
    pid2 = broker.proc.pid
    proc2 = broker.proc
    assert broker.stop() is True, "broker needed SIGKILL"
    assert proc2.returncode is not None
    assert not _pid_alive(pid2)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", broker.port), timeout=1).close()


@pytest.mark.unit
def test_start_refuses_busy_port(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        with pytest.raises(devkafka.KafkaError, match="already in use"):
            devkafka.start_broker(REPO_ROOT, tmp_path / "kafka", busy, _free_port())


@pytest.mark.unit
def test_stop_broker_on_missing_pid_is_false():
    # a pid that cannot exist (above pid_max)
    assert devkafka.stop_broker(2**22 + 1, timeout=1) is False


@pytest.mark.unit
def test_wait_ready_fails_fast_when_process_exits(tmp_path):
    (tmp_path / "broker.out").write_text("Error: boom\n")
    proc = subprocess.Popen(["sh", "-c", "exit 3"])
    t0 = time.monotonic()
    with pytest.raises(devkafka.KafkaError, match=r"exited with code 3(.|\n)*boom"):
        devkafka.wait_ready(_free_port(), 30, proc=proc, data_dir=tmp_path)
    assert time.monotonic() - t0 < 10


@pytest.mark.unit
def test_render_config_is_kraft_combined_on_loopback(tmp_path):
    props = devkafka.render_config(REPO_ROOT, tmp_path, 19092, 19093)
    kv = dict(
        line.split("=", 1) for line in props.read_text().splitlines() if line.strip() and not line.startswith("#")
    )
    assert kv["process.roles"] == "broker,controller"
    assert kv["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert kv["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert kv["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert kv["log.dirs"] == str((tmp_path / "data").resolve())
    assert kv["auto.create.topics.enable"] == "false"
    for k in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
    ):
        assert kv[k] == "1"
    with pytest.raises(devkafka.KafkaError):
        devkafka.render_config(REPO_ROOT, tmp_path, 19092, 19092)


@pytest.mark.unit
def test_format_storage_refuses_foreign_cluster_id(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "meta.properties").write_text("version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nnode.id=1\n")
    (tmp_path / "cluster.id").write_text("BBBBBBBBBBBBBBBBBBBBBB\n")
    with pytest.raises(devkafka.KafkaError, match="belongs to cluster"):
        devkafka.format_storage(tmp_path, 19092, 19093, repo_root=REPO_ROOT)
    (tmp_path / "cluster.id").unlink()  # a lost id file is recovered from meta.properties
    assert devkafka.format_storage(tmp_path, 19092, 19093, repo_root=REPO_ROOT) == "AAAAAAAAAAAAAAAAAAAAAA"
    assert (tmp_path / "cluster.id").read_text().strip() == "AAAAAAAAAAAAAAAAAAAAAA"
