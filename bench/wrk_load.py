"""A cheap closed-loop load generator for the benches: wrk (C, one event loop) with bench/wrk_post.lua.

The Python client (a thread and an httpx.Client per connection) cost ~1.2 ms of CPU per order, as
much as PostgreSQL, on the same two cores as the stack; wrk costs a tenth of that. Each of the
`clients` connections sends its next request when the previous answer arrived (closed loop, no
pipelining), like the threads did. Debian: apt-get install wrk (tools/bootstrap.sh does, optional)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float   # wrk's own user + system time
    p90_ms: float = 0.0
    p999_ms: float = 0.0
    max_ms: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def post_load(url: str, path: str, token: str, body: dict, *, clients: int, seconds: float,
              expected_status: int = 201) -> LoadResult:
    """POST `body` to `url + path` from `clients` connections for `seconds`, a fresh Idempotency-Key
    each time; any answer other than `expected_status` (or a socket error) raises SystemExit."""
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    command = ["wrk", f"-c{clients}", f"-t{min(clients, 2)}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
               "-s", str(SCRIPT), url, "--", path, token, prefix, str(expected_status), json.dumps(body)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)   # wait4: wrk's own CPU, from the kernel
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.stdout.read(), process.stderr.read()
    found = re.search(r"AURA requests=(\d+) seconds=([\d.]+) bad=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+) "
                      r"p90_us=(\d+) p999_us=(\d+) max_us=(\d+)", out)
    if process.returncode != 0 or not found:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{out[-2000:]}\n{err[-2000:]}")
    requests, wall, bad, errors, p50, p99, p90, p999, top = found.groups()
    if int(bad) or int(errors):
        first = re.search(r"AURA first_bad=(.*)", out)
        raise SystemExit(f"placing an order failed: {bad} answers not {expected_status}, {errors} socket errors; "
                         f"first: {first.group(1) if first else '-'}")
    return LoadResult(int(requests), float(wall), int(p50) / 1000, int(p99) / 1000, usage.ru_utime + usage.ru_stime,
                      int(p90) / 1000, int(p999) / 1000, int(top) / 1000)
