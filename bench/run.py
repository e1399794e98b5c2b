"""`make bench`: runs every bench/bench_*.py in turn; each prints its own results table.

Benchmarks measure speed and memory targets; tests never assert timings (a loaded CI machine would make
them flaky). A bench that needs the running platform starts the test stack itself.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.stem} ===", flush=True)
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=HERE.parent)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
