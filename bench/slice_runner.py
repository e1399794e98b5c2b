"""The frame every bench on a slice of the platform shares: its port block, state dir and --keep
options, starting the slice (with the demo tenant and its tax area), and stopping it afterwards."""
from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from bench_tax_api import free_port_base
from devstack.layout import REPO_ROOT, Layout
from devstack.stack import Stack


def add_slice_options(ap: argparse.ArgumentParser, name: str) -> None:
    """--port-base, --state-dir and --keep; defaults from AURA_BENCH_<NAME>_PORT_BASE / _STATE_DIR."""
    env = f"AURA_BENCH_{name.upper()}"
    ap.add_argument("--port-base", type=int, default=int(os.environ.get(f"{env}_PORT_BASE", 0)),
                    help="first port of the stack's block (default: the first free block from 25000)")
    ap.add_argument("--state-dir", default=os.environ.get(f"{env}_STATE_DIR",
                                                          str(REPO_ROOT / f".stack-test-bench-{name}")))
    ap.add_argument("--keep", action="store_true", help="leave the stack running afterwards")


def run_on_slice(args: argparse.Namespace, processes: tuple[tuple[str, str], ...],
                 run: Callable[[argparse.Namespace, Layout, Stack, dict], int], *, with_kafka: bool = False) -> int:
    """Starts the slice, configures the demo (tax area, demo cook), calls `run`, stops the slice."""
    layout = Layout(state_dir=Path(args.state_dir).resolve(), port_base=args.port_base or free_port_base(25_000))
    stack = Stack(layout)
    started = time.monotonic()
    try:
        print(f"starting a small stack in {layout.state_dir} on ports {layout.port_base}+ ...", flush=True)
        demo = stack.start_slice(processes, with_kafka=with_kafka)
        stack.configure_demo(demo)  # the demo location's tax area (through the gateway, as an operator does)
        print(f"stack up in {time.monotonic() - started:.1f}s", flush=True)
        return run(args, layout, stack, demo)
    finally:
        if not args.keep:
            stack.down()
