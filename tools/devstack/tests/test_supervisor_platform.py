"""On the real stack: a SIGKILLed service process is restarted by the supervisor and serves again,
and `python -m devstack status` (what `make status` runs) shows the restart and the exit status."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from devstack import procs, supervisor
from devstack.layout import SERVICES_BY_NAME
from devstack.services import health_url

pytestmark = pytest.mark.e2e


def test_a_killed_consumer_is_restarted_and_status_shows_it(supervised):
    layout = supervised.layout
    name = "orders-consumer"
    before = procs.running_pid(layout.run_dir, name)
    assert before
    os.kill(before, signal.SIGKILL)
    deadline = time.monotonic() + 30
    after = None
    while time.monotonic() < deadline:
        after = procs.running_pid(layout.run_dir, name)
        if after and after != before:
            try:
                if httpx.get(health_url(layout, SERVICES_BY_NAME["orders"], "consumer"), timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    else:
        pytest.fail(f"{name} not back and ready within 30 s (pid {after})")
    out = subprocess.run([sys.executable, "-m", "devstack", "status"], capture_output=True, text=True, check=True,
                         env=os.environ | {"AURA_STATE_DIR": str(layout.state_dir),
                                           "AURA_PORT_BASE": str(layout.port_base)}).stdout
    row = next(line for line in out.splitlines() if line.startswith(name + " "))
    assert row.split()[1:4] == [str(after), "up", "1"] and "137 (SIGKILL)" in row, out
    assert supervisor.load_state(layout.state_dir)[name]["last_exit"] == 137
