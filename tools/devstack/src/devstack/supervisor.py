"""Restarts crashed processes of the local stack with exponential backoff, as Kubernetes restarts a
crashed container: `make up` starts it, `make status` shows what it did, `make down` stops it first.

    python -m devstack.supervisor --state-dir .stack [--base 1 --max 30 --reset-after 60]

It watches the processes that procs.start() started with a spec (<run>/<name>.spec.json: the services,
Redis and the OTLP collector; PostgreSQL, Kafka and Envoy have lifecycles of their own). When one is
dead while its spec is still there, it is started again from that spec after a delay that doubles with
every crash in a row (base, 2*base, ... up to max) and falls back to `base` once the process has stayed
up for `reset-after` seconds. procs.stop() removes the spec first, so a stopped process stays down.

Restart counts and the last exit status go to <state>/supervisor.json; the exit status itself comes from
the waiter shell procs.start() runs every process under (<run>/<name>.exit), so even the first crash of
a process `make up` started has one.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from devstack import procs

NAME = "supervisor"
STATE_FILE = "supervisor.json"
log = logging.getLogger("devstack.supervisor")


@dataclass(frozen=True)
class Policy:
    base_s: float = 1.0          # first restart delay
    max_s: float = 30.0          # cap (Kubernetes: 10 s doubling to 5 min; a laptop wants it sooner)
    reset_after_s: float = 60.0  # up this long: the next crash starts from base again
    poll_s: float = 0.5

    def delay(self, crashes_in_a_row: int) -> float:
        return min(self.max_s, self.base_s * 2 ** max(crashes_in_a_row - 1, 0))


@dataclass
class Record:
    restarts: int = 0
    crashes_in_a_row: int = 0
    last_exit: int | None = None           # exit status of the last crash (128+N: signal N)
    last_exit_at: float | None = None      # wall clock
    pid: int | None = None
    up_since: float | None = None          # monotonic, not saved
    restart_at: float | None = None        # monotonic while a restart is pending
    restart_in_s: float | None = None      # the delay chosen for the pending restart (saved)


@dataclass
class Supervisor:
    state_dir: Path
    policy: Policy = field(default_factory=Policy)
    clock: object = time.monotonic
    records: dict[str, Record] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    def watched(self) -> list[str]:
        if not self.run_dir.exists():
            return []
        return sorted(p.name[: -len(".spec.json")] for p in self.run_dir.glob("*.spec.json"))

    def tick(self) -> None:
        now = self.clock()
        for name in self.watched():
            record = self.records.setdefault(name, Record())
            pid = procs.running_pid(self.run_dir, name)
            if pid:
                if record.pid != pid or record.up_since is None:  # (re)started, by us or by someone else (make up, a test)
                    record.pid, record.up_since = pid, now
                record.restart_at = record.restart_in_s = None
                if record.crashes_in_a_row and now - record.up_since >= self.policy.reset_after_s:
                    record.crashes_in_a_row = 0
                    log.info("%s has been up %.0fs: backoff reset", name, now - record.up_since)
                continue
            if record.restart_at is None:
                self._crashed(name, record, now)
            else:
                self._exit_status(name, record)  # the waiter may write it a moment after the death
                if now >= record.restart_at:
                    self._restart(name, record, now)
        self._reap()
        self.save()

    def _crashed(self, name: str, record: Record, now: float) -> None:
        record.pid = procs.recorded_pid(self.run_dir, name)
        record.crashes_in_a_row += 1
        record.last_exit, record.last_exit_at = None, time.time()
        self._exit_status(name, record)
        record.restart_in_s = self.policy.delay(record.crashes_in_a_row)
        record.restart_at = now + record.restart_in_s
        log.warning("%s (pid %s) exited with %s; restarting in %.1fs (crash %d in a row)", name, record.pid,
                    procs.describe_exit(record.last_exit), record.restart_in_s, record.crashes_in_a_row)

    def _exit_status(self, name: str, record: Record) -> None:
        ended = procs.last_exit(self.run_dir, name)
        if ended and ended[0] == record.pid:
            record.last_exit = ended[1]

    def _restart(self, name: str, record: Record, now: float) -> None:
        with procs.supervision_lock(self.run_dir):
            if not procs.spec_file(self.run_dir, name).exists():
                return  # stopped on purpose meanwhile
            try:
                pid = procs.restart_from_spec(self.run_dir, name)
            except OSError as error:
                log.error("%s: restart failed (%s); trying again", name, error)
                pid = None
        if pid is None:
            record.restart_at = now + self.policy.delay(record.crashes_in_a_row)
            return
        record.restarts += 1
        record.pid, record.up_since, record.restart_at, record.restart_in_s = pid, now, None, None
        log.warning("%s restarted as pid %d (restart %d)", name, pid, record.restarts)

    @staticmethod
    def _reap() -> None:
        """Restarted processes' waiter shells are our children: collect them when they end."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def save(self) -> None:
        state = {name: {k: v for k, v in asdict(r).items() if k not in ("up_since", "restart_at")}
                 for name, r in self.records.items()}
        path = self.state_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        tmp.replace(path)

    def load(self) -> None:
        """Counts survive a restart of the supervisor itself."""
        for name, saved in load_state(self.state_dir).items():
            self.records[name] = Record(restarts=saved.get("restarts", 0),
                                        crashes_in_a_row=saved.get("crashes_in_a_row", 0),
                                        last_exit=saved.get("last_exit"), last_exit_at=saved.get("last_exit_at"),
                                        pid=saved.get("pid"))

    def run(self, stop: threading.Event) -> None:
        self.load()
        log.info("supervising %s (backoff %.1fs doubling to %.0fs, reset after %.0fs up)",
                 ", ".join(self.watched()) or "nothing yet", self.policy.base_s, self.policy.max_s,
                 self.policy.reset_after_s)
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - the supervisor must outlive whatever it supervises
                log.exception("supervisor tick failed")
            stop.wait(self.policy.poll_s)
        log.info("supervisor stopped")


# ---- what `make up`, `make down` and `make status` call -------------------------------------------------

def start(state_dir: Path, policy: Policy | None = None, *, cwd: Path | None = None) -> int:
    """Starts the supervisor for the stack in `state_dir` unless it runs; returns its PID."""
    policy = policy or Policy()
    argv = [sys.executable, "-m", "devstack.supervisor", "--state-dir", str(state_dir),
            "--base", str(policy.base_s), "--max", str(policy.max_s), "--reset-after", str(policy.reset_after_s),
            "--poll", str(policy.poll_s)]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
           "PYTHONUNBUFFERED": "1"}
    return procs.start(state_dir / "run", state_dir / "logs", NAME, argv, env=env, cwd=cwd or state_dir,
                       supervise=False)


def stop(state_dir: Path) -> bool:
    return procs.stop(state_dir / "run", NAME, timeout=10)


def load_state(state_dir: Path) -> dict[str, dict]:
    try:
        return json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def status_table(state_dir: Path, rows: list[tuple[str, int | None]]) -> str:
    """`make status`: every process with its PID, up/down, restarts and last exit status."""
    run_dir = state_dir / "run"
    state = load_state(state_dir)
    supervisor_pid = procs.running_pid(run_dir, NAME)
    lines = [f"{'PROCESS':<22} {'PID':>8}  {'STATE':<18} {'RESTARTS':>8}  LAST EXIT"]
    lines.append(f"{NAME:<22} {supervisor_pid or '-':>8}  {'up' if supervisor_pid else 'down':<18} {'-':>8}  "
                 f"{procs.describe_exit(_exit_of(run_dir, NAME)) if not supervisor_pid else '-'}")
    for name, pid in rows:
        record = state.get(name, {})
        if pid:
            what = "up"
        elif record.get("restart_in_s") is not None and supervisor_pid and procs.spec_file(run_dir, name).exists():
            what = f"restarting ({record['restart_in_s']:g}s)"
        else:
            what = "down"
        last = record.get("last_exit")
        if last is None:
            last = _exit_of(run_dir, name)
        # PostgreSQL, Kafka and Envoy are not supervised (no spec): no restart count to show.
        supervised = record or procs.spec_file(run_dir, name).exists()
        lines.append(f"{name:<22} {pid or '-':>8}  {what:<18} {record.get('restarts', 0) if supervised else '-':>8}  "
                     f"{procs.describe_exit(last)}")
    if not supervisor_pid:
        lines.append("(the supervisor is not running: crashed processes stay down; `make up` starts it)")
    return "\n".join(lines)


def _exit_of(run_dir: Path, name: str) -> int | None:
    ended = procs.last_exit(run_dir, name)
    return ended[1] if ended else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack.supervisor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--base", type=float, default=Policy.base_s)
    parser.add_argument("--max", type=float, default=Policy.max_s)
    parser.add_argument("--reset-after", type=float, default=Policy.reset_after_s)
    parser.add_argument("--poll", type=float, default=Policy.poll_s)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    Supervisor(args.state_dir.resolve(), Policy(args.base, args.max, args.reset_after, args.poll)).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
