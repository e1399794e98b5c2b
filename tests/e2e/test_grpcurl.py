"""The README's grpcurl command through the gateway, run exactly as documented (the block is read from
README.md, so the documentation cannot drift from what works)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from devstack.layout import REPO_ROOT

TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
GRPCURL = shutil.which("grpcurl", path=f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(GRPCURL is None, reason="grpcurl is not installed: tools/bootstrap.sh installs it into "
                                               ".tools/bin when Go is present"),
]


def documented_command() -> str:
    """The bash block under "Call a service with grpcurl" in README.md."""
    section = (REPO_ROOT / "README.md").read_text().split("### Call a service with grpcurl", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README.md: no bash block under 'Call a service with grpcurl'"
    command = block.group(1)
    assert "localhost:17000" in command and "<order id>" in command and "$TOKEN" in command
    return command


def test_the_documented_grpcurl_command_works_through_the_gateway(platform, gateway, admin, admin_token):
    order = admin.post("/api/orders/v1/orders", json={
        "location_id": platform.demo["location_id"],
        "lines": [{"name": "Pretzel", "quantity": 2, "unit_price_cents": 350}]})
    assert order.status_code == 201, order.text
    order_id = order.json()["order_id"]
    # The README is written for `make up` (gateway on 17000); the test stack has its own port.
    command = (documented_command().replace("localhost:17000", f"localhost:{platform.layout.envoy_port}")
               .replace("<order id>", order_id))
    env = {**os.environ, "TOKEN": admin_token, "PATH": f"{Path(GRPCURL).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    response = json.loads(result.stdout)
    assert response["order"]["orderId"] == order_id
    assert response["order"]["locationId"] == platform.demo["location_id"]
    assert response["order"]["status"] == "ORDER_STATUS_OPEN"  # a new check (issue 8: placed became open)


def test_without_a_token_the_gateway_refuses(platform):
    """The same call without the Authorization header is stopped by Envoy's jwt_authn."""
    command = documented_command().replace("localhost:17000", f"localhost:{platform.layout.envoy_port}")
    command = re.sub(r'-H "authorization: Bearer \$TOKEN" ', "", command).replace("<order id>", "x")
    env = {**os.environ, "PATH": f"{Path(GRPCURL).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", command], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode != 0
    assert "Unauthenticated" in result.stderr, result.stderr
