"""Contract checks: buf STANDARD lint, and no breaking change against main or the previous commit.

A breaking change needs a new package version (v2) and a new topic, never an edit of v1.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUF = ROOT / ".tools" / "node_modules" / ".bin" / "buf"


def buf(*args: str, cwd: Path = ROOT / "protos") -> subprocess.CompletedProcess:
    if not BUF.exists():
        pytest.fail("buf is not installed: run `make bootstrap`")
    return subprocess.run([str(BUF), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def git_ref_exists(ref: str) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=ROOT,
                          capture_output=True).returncode == 0


def test_protos_pass_buf_standard_lint():
    result = buf("lint")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("ref", ["main", "HEAD~1"])
def test_no_breaking_change_against(ref):
    if not git_ref_exists(ref):
        pytest.skip(f"no git ref {ref} in this clone")
    tree = subprocess.run(["git", "ls-tree", "-d", ref, "protos"], cwd=ROOT, capture_output=True, text=True).stdout
    if not tree.strip():
        pytest.skip(f"{ref} has no protos/ yet")
    result = buf("breaking", "--against", f"{ROOT}/.git#ref={ref},subdir=protos")
    assert result.returncode == 0, result.stdout + result.stderr


def test_breaking_check_catches_a_removed_field(tmp_path):
    """The check above can fail: removing a field from a copy of the contracts is reported."""
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(ROOT / "protos", before)
    shutil.copytree(ROOT / "protos", after)
    orders = after / "auraconnect" / "orders" / "v1" / "orders.proto"
    orders.write_text(orders.read_text().replace("  int64 tip_cents = 9;\n", ""))
    result = buf("breaking", "--against", str(before), cwd=after)
    assert result.returncode != 0
    assert "tip_cents" in result.stdout + result.stderr
