"""Redis for caches, rate limits and job progress; snapshots on stop so data survives down/up."""
from __future__ import annotations

import shutil
import time

import redis

from devstack import procs
from devstack.layout import Layout


def start(layout: Layout) -> int:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    data = layout.state_dir / "redis"
    data.mkdir(parents=True, exist_ok=True)
    argv = [binary, "--port", str(layout.redis_port), "--bind", "127.0.0.1", "--dir", str(data),
            "--save", "60 1", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"]
    return procs.start(layout.run_dir, layout.logs_dir, "redis", argv, env={}, cwd=layout.state_dir)


def wait_ready(layout: Layout, timeout: float = 15.0) -> None:
    client = redis.Redis.from_url(layout.redis_url, socket_timeout=1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
