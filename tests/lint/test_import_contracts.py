"""The layer contracts of pyproject.toml ([tool.importlinter]) fail when broken, and only the right one fails.

Each case runs the real `lint-imports` with the real configuration against a scratch tree: the real chassis
plus, for every service package the configuration names, a skeleton of the one shape (domain, service_layer,
adapters, entrypoints, bootstrap.py, config.py) that keeps every contract. The case then adds one violating
module. Skeletons rather than copies of the services: the services are being refactored towards the shape, and
whether the real tree keeps the contracts is `make lint`'s job (one place), not this test's.

The scratch tree comes first on PYTHONPATH; the services and the chassis are installed editable through .pth
path entries, which come after PYTHONPATH (test_scratch_tree_shadows_the_installed_packages checks it).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

SETTINGS = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]
NAMES = {contract["id"]: contract["name"] for contract in SETTINGS["contracts"]}
SERVICES = [name for name in SETTINGS["root_packages"] if name != "chassis"]


def skeleton(pkg: str) -> dict[str, str]:
    """A service of the one shape, as import statements (lint-imports only parses)."""
    return {
        "__init__.py": "",
        "config.py": "from chassis.config import ServiceSettings\n",
        "domain/__init__.py": "",
        "domain/model.py": "import uuid\nfrom chassis.errors import InvalidInput\nfrom chassis.validation import parse_uuid\n",
        "service_layer/__init__.py": "",
        "service_layer/ports.py": f"from typing import Protocol\nfrom {pkg}.domain import model\n",
        "service_layer/use_cases.py": (
            f"from chassis.bootstrap import Clock\nfrom chassis.uow import UnitOfWorkFactory\n"
            f"from auraconnect import events\nfrom {pkg}.adapters.orm import Row\n"
            f"from {pkg}.domain.model import InvalidInput\nfrom {pkg}.service_layer.ports import Protocol\n"),
        "adapters/__init__.py": "",
        "adapters/orm.py": "import sqlalchemy\nfrom chassis.db import make_base\n",
        "adapters/repositories.py": f"from sqlalchemy import select\nfrom {pkg}.adapters.orm import Row\n",
        "adapters/unit_of_work.py": f"from chassis.uow import SqlUnitOfWork\nfrom {pkg}.adapters import repositories\n",
        "adapters/peer_client.py": f"import grpc\nfrom chassis.grpc_client import channel\nfrom {pkg}.domain import model\n",
        "bootstrap.py": (
            f"from chassis.bootstrap import Container, base_parts\nfrom {pkg}.adapters.peer_client import channel\n"
            f"from {pkg}.adapters.unit_of_work import SqlUnitOfWork\nfrom {pkg}.config import ServiceSettings\n"),
        "entrypoints/__init__.py": "",
        "entrypoints/http_api.py": (
            f"from fastapi import FastAPI\nfrom chassis.http import create_app\nfrom {pkg}.bootstrap import bootstrap\n"
            f"from {pkg}.service_layer import use_cases\nfrom {pkg}.adapters import repositories\n"),
        "entrypoints/migrate.py": "from chassis.runtime import run_migrations\n",
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(REPO / "libs/chassis/src/chassis", src / "chassis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for pkg in SERVICES:
        for relative, text in skeleton(pkg).items():
            write(src / pkg / relative, text)
    return src


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def scratch_env(src: Path) -> dict[str, str]:
    # COLUMNS: one line per contract in the report, however long its name.
    return os.environ | {"PYTHONPATH": str(src), "COLUMNS": "300", "NO_COLOR": "1"}


def lint(src: Path) -> tuple[int, str, set[str]]:
    """(exit status, report, names of the broken contracts)."""
    done = subprocess.run([str(LINT_IMPORTS), "--config", str(CONFIG), "--no-cache", "--no-logo"],
                          cwd=src.parent, env=scratch_env(src), capture_output=True, text=True, timeout=120)
    report = done.stdout + done.stderr
    broken = {name for name in NAMES.values() if f"{name} BROKEN" in report}
    return done.returncode, report, broken


def test_scratch_tree_shadows_the_installed_packages(tree: Path):
    probe = "import importlib.util as u, sys; print('\\n'.join(u.find_spec(n).origin for n in sys.argv[1:]))"
    origins = subprocess.run([sys.executable, "-c", probe, "chassis", *SERVICES], env=scratch_env(tree),
                             cwd=tree.parent, capture_output=True, text=True, check=True).stdout.split()
    assert len(origins) == len(SERVICES) + 1
    assert all(Path(origin).is_relative_to(tree) for origin in origins), origins


def test_the_one_shape_keeps_every_contract(tree: Path):
    status, report, broken = lint(tree)
    assert status == 0 and not broken, report
    assert f"Contracts: {len(NAMES)} kept, 0 broken." in report, report


VIOLATIONS = {
    # case: (module added to the scratch tree, its source, the one contract it breaks)
    "domain imports sqlalchemy": ("orders/domain/leak.py", "import sqlalchemy\n", "domain-pure"),
    "domain imports protobuf": ("orders/domain/leak.py", "from google.protobuf import timestamp_pb2\n", "domain-pure"),
    "domain imports generated contracts": ("orders/domain/leak.py", "from auraconnect import events\n", "domain-pure"),
    "domain imports a chassis I/O module": ("orders/domain/leak.py", "from chassis.outbox import add_event\n",
                                            "domain-pure"),
    "domain reaches an I/O library indirectly": ("orders/domain/leak.py", "from chassis.timestamps import to_timestamp\n",
                                                 "domain-pure"),
    # (ports imports nothing but typing and the domain, so no I/O library is reached and only the layering breaks)
    "domain imports its service layer": ("orders/domain/leak.py", "from orders.service_layer.ports import Protocol\n",
                                         "layers"),
    "service layer imports a peer client": ("orders/service_layer/leak.py",
                                            "from orders.adapters.peer_client import channel\n", "service-layer-ports"),
    "service layer imports sqlalchemy": ("orders/service_layer/leak.py", "from sqlalchemy import select\n",
                                         "service-layer-ports"),
    "service layer imports the composition root": ("orders/service_layer/leak.py", "from orders.bootstrap import x\n",
                                                   "layers"),
    "adapter imports the service layer": ("orders/adapters/leak.py", "from orders.service_layer import use_cases\n",
                                          "layers"),
    "adapter imports an entrypoint": ("orders/adapters/leak.py", "from orders.entrypoints import http_api\n", "layers"),
    "entrypoint imports the ORM": ("orders/entrypoints/leak.py", "from orders.adapters.orm import Row\n",
                                   "entrypoints-no-orm"),
    "entrypoint imports sqlalchemy": ("orders/entrypoints/leak.py", "from sqlalchemy.orm import Session\n",
                                      "entrypoints-no-orm"),
    "a service imports another": ("orders/adapters/leak.py", "from tax.domain import model\n", "services-independent"),
    "chassis imports a service": ("chassis/leak.py", "from orders.domain import model\n", "chassis-below-services"),
    "chassis imports devstack": ("chassis/leak.py", "from devstack.layout import SERVICES\n", "chassis-below-services"),
}


@pytest.mark.parametrize("case", VIOLATIONS)
def test_each_contract_fails_when_broken(tree: Path, case: str):
    relative, text, contract = VIOLATIONS[case]
    write(tree / relative, text)
    status, report, broken = lint(tree)
    assert status != 0, report
    assert broken == {NAMES[contract]}, report
    assert relative.removesuffix(".py").replace("/", ".") in report, report  # the offending module is named


def test_every_contract_has_a_breaking_case():
    assert {contract for _, _, contract in VIOLATIONS.values()} == set(NAMES)
