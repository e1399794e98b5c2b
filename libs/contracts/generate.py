"""Generates the `auraconnect.*` Python package from protos/ (run by `make protos`)."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

HERE = Path(__file__).resolve().parent
PROTOS = HERE.parent.parent / "protos"
OUT = HERE / "src"


def main() -> int:
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    target = OUT / "auraconnect"
    if target.exists():
        shutil.rmtree(target)
    OUT.mkdir(parents=True, exist_ok=True)
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    args = ["protoc", f"-I{PROTOS}", f"-I{well_known}", f"--python_out={OUT}",
            f"--grpc_python_out={OUT}", f"--pyi_out={OUT}", *sources]
    if protoc.main(args) != 0:
        return 1
    # Regular packages (with __init__.py) so that every installer and type checker finds them.
    for directory in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        (directory / "__init__.py").touch()
    print(f"generated {len(sources)} proto files into {os.path.relpath(target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
