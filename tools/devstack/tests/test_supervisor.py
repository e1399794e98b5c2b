"""The local launcher restarts crashed processes with backoff, like Kubernetes, and `make status` shows it.

No platform needed: dummy processes (`sleep`, `sh -c "exit 3"`) stand in for the services, in a scratch
state directory.
"""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from devstack import procs, supervisor
from devstack.layout import Layout
from devstack.stack import Stack
from devstack.supervisor import Policy, Supervisor

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def eventually(probe, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not within {timeout}s: {probe}")


@pytest.fixture
def state(tmp_path):
    yield tmp_path
    # Whatever a test left running: the supervisor first, then the dummies.
    supervisor.stop(tmp_path)
    for name in procs.names(tmp_path / "run"):
        procs.stop(tmp_path / "run", name, timeout=5)


def start_dummy(state: Path, name: str, argv: list[str]) -> int:
    return procs.start(state / "run", state / "logs", name, argv, env=ENV, cwd=state)


def test_the_waiter_records_pid_and_exit_status(state):
    pid = start_dummy(state, "quits", ["/bin/sh", "-c", "exit 7"])
    assert eventually(lambda: procs.last_exit(state / "run", "quits")) == (pid, 7)
    pid = start_dummy(state, "sleeper", ["sleep", "600"])
    assert procs.running_pid(state / "run", "sleeper") == pid        # the PID file holds the process itself
    assert json.loads(procs.spec_file(state / "run", "sleeper").read_text())["argv"] == ["sleep", "600"]
    assert procs.spec_file(state / "run", "sleeper").stat().st_mode & 0o077 == 0   # env holds passwords
    os.kill(pid, signal.SIGKILL)
    assert eventually(lambda: procs.last_exit(state / "run", "sleeper")) == (pid, 137)
    assert procs.describe_exit(137) == "137 (SIGKILL)" and procs.describe_exit(3) == "3"


def test_a_killed_process_comes_back_and_status_shows_the_restart(state):
    """The real thing: the supervisor process, a SIGKILLed process, `make status`'s table."""
    first = start_dummy(state, "orders-relay", ["sleep", "600"])
    supervisor.start(state, Policy(base_s=0.2, max_s=1, reset_after_s=30, poll_s=0.05))
    eventually(lambda: (state / supervisor.STATE_FILE).exists())
    os.kill(first, signal.SIGKILL)
    second = eventually(lambda: (p := procs.running_pid(state / "run", "orders-relay")) and p != first and p, 5)
    record = eventually(lambda: supervisor.load_state(state).get("orders-relay", {}).get("restarts") and
                        supervisor.load_state(state)["orders-relay"])
    assert record["restarts"] == 1 and record["last_exit"] == 137
    table = supervisor.status_table(state, [("orders-relay", second), ("orders-consumer", None)])
    assert [line.split()[:5] for line in table.splitlines()[1:3]] == [
        ["supervisor", str(procs.running_pid(state / "run", "supervisor")), "up", "-", "-"],
        ["orders-relay", str(second), "up", "1", "137"]]
    assert "137 (SIGKILL)" in table and table.splitlines()[3].split()[:4] == ["orders-consumer", "-", "down", "-"]

    # Stopped on purpose: it stays down.
    assert procs.stop(state / "run", "orders-relay", timeout=5)
    time.sleep(1.0)
    assert procs.running_pid(state / "run", "orders-relay") is None


def test_stack_down_stops_the_supervisor_first(state):
    start_dummy(state, "tax-http", ["sleep", "600"])
    supervisor.start(state, Policy(base_s=0.05, max_s=0.1, poll_s=0.02))
    Stack(Layout(state_dir=state, port_base=33000)).down()
    assert procs.running_pid(state / "run", "supervisor") is None
    time.sleep(0.3)
    assert procs.running_pid(state / "run", "tax-http") is None, "resurrected after down"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def dead(state: Path, name: str) -> bool:
    pid = procs.recorded_pid(state / "run", name)
    ended = procs.last_exit(state / "run", name)
    return procs.running_pid(state / "run", name) is None and ended is not None and ended[0] == pid


def test_backoff_doubles_up_to_the_cap_and_resets_after_a_healthy_run(state):
    clock = Clock()
    sup = Supervisor(state, Policy(base_s=1, max_s=4, reset_after_s=60), clock=clock)
    start_dummy(state, "crasher", ["/bin/sh", "-c", "exit 3"])
    delays = []
    for _ in range(4):
        eventually(lambda: dead(state, "crasher"))
        sup.tick()                                   # notices the crash, schedules the restart
        record = sup.records["crasher"]
        assert record.last_exit == 3
        delays.append(record.restart_at - clock.now)
        clock.now = record.restart_at - 0.01
        sup.tick()
        assert record.restarts == len(delays) - 1    # not before the delay is over
        clock.now = record.restart_at
        sup.tick()
        assert record.restarts == len(delays)
    assert delays == [1, 2, 4, 4]
    assert json.loads((state / supervisor.STATE_FILE).read_text())["crasher"]["restarts"] == 4

    # A process that stays up for reset_after starts the next crash from the base delay again.
    procs.stop(state / "run", "crasher")
    start_dummy(state, "crasher", ["sleep", "600"])
    sup.tick()
    assert sup.records["crasher"].crashes_in_a_row == 4
    clock.now += 60
    sup.tick()
    assert sup.records["crasher"].crashes_in_a_row == 0
    os.kill(procs.running_pid(state / "run", "crasher"), signal.SIGKILL)
    eventually(lambda: dead(state, "crasher"))
    sup.tick()
    assert sup.records["crasher"].restart_at - clock.now == 1
    assert sup.records["crasher"].last_exit == 137


def test_a_process_stopped_while_its_restart_is_pending_stays_down(state):
    clock = Clock()
    sup = Supervisor(state, Policy(base_s=1), clock=clock)
    pid = start_dummy(state, "pos-bridge-consumer", ["sleep", "600"])
    os.kill(pid, signal.SIGKILL)
    eventually(lambda: dead(state, "pos-bridge-consumer"))
    sup.tick()
    procs.stop(state / "run", "pos-bridge-consumer")  # e.g. make down, or a test taking it away
    clock.now += 10
    sup.tick()
    assert procs.running_pid(state / "run", "pos-bridge-consumer") is None
    assert sup.records["pos-bridge-consumer"].restarts == 0
