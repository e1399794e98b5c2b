"""Operator CLI for pay runs, over the REST API (through the gateway), with a progress bar (rich).

    python -m payroll.entrypoints.run_payroll create --period-start 2026-03-02 --pay-date 2026-03-13 \\
        --location <location id> [--location ...] [--approve --finalize]
    python -m payroll.entrypoints.run_payroll watch <run id>
    python -m payroll.entrypoints.run_payroll approve <run id>
    python -m payroll.entrypoints.run_payroll finalize <run id>
    python -m payroll.entrypoints.run_payroll show <run id>

AURA_GATEWAY_URL (default http://127.0.0.1:17000) and AURA_TOKEN (an access token of someone holding
payroll:create / payroll:update) say where and as whom. The bar follows the run's progress stream
(`GET /api/payroll/v1/pay-runs/{id}/progress`, Server-Sent Events)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

BASE = "/api/payroll/v1/pay-runs"
console = Console(stderr=True)


def sse_events(response: httpx.Response) -> Iterator[dict]:
    """The `data:` of each Server-Sent Event, parsed as JSON (comments and keep-alives skipped)."""
    data: list[str] = []
    for line in response.iter_lines():
        if line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield json.loads("\n".join(data))
            data = []


def watch(client: httpx.Client, run_id: str) -> dict:
    """Shows the run's current phase as a progress bar until the phase ends; returns the last progress."""
    last: dict = {}
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("waiting", total=None)
        with client.stream("GET", f"{BASE}/{run_id}/progress", timeout=httpx.Timeout(30, read=None)) as response:
            if response.status_code != 200:
                response.read()
                fail(response)
            for event in sse_events(response):
                last = event
                bar.update(task, description=f"{event['status']} ({event['phase']})",
                           total=event["total"] or None, completed=event["done"])
    return last


def fail(response: httpx.Response) -> None:
    console.print(f"[red]{response.request.method} {response.request.url.path}: {response.status_code} {response.text}")
    sys.exit(1)


def call(client: httpx.Client, method: str, path: str, **kwargs) -> dict:
    response = client.request(method, path, **kwargs)
    if response.status_code >= 400:
        fail(response)
    return response.json()


def show(run: dict) -> None:
    table = Table(title=f"pay run {run['run_id']} ({run['status']})")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("period", f"{run['period']['start']} .. {run['period']['end']} ({run['period']['pay_frequency']})")
    table.add_row("pay date", run["pay_date"])
    for key, value in {**run["items"], **run["totals"]}.items():
        table.add_row(key, str(value))
    Console().print(table)


def main(argv: list[str] | None = None, client: httpx.Client | None = None) -> None:
    """`client`: a ready client (tests pass one over the app); else one to AURA_GATEWAY_URL with AURA_TOKEN."""
    parser = argparse.ArgumentParser(prog="run_payroll", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create (preview) a pay run and follow it")
    create.add_argument("--period-start", required=True)
    create.add_argument("--pay-date", required=True)
    create.add_argument("--location", action="append", required=True, dest="locations")
    create.add_argument("--pay-frequency")
    create.add_argument("--approve", action="store_true", help="approve once previewed (no employee in error)")
    create.add_argument("--finalize", action="store_true", help="then finalize and follow it")
    for name in ("watch", "approve", "finalize", "show"):
        sub.add_parser(name).add_argument("run_id")
    args = parser.parse_args(argv)
    if client is None:
        gateway = os.environ.get("AURA_GATEWAY_URL", "http://127.0.0.1:17000")
        token = os.environ.get("AURA_TOKEN")
        if not token:
            parser.error("AURA_TOKEN is not set (an access token with payroll permissions)")
        client = httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    with client:
        if args.command == "create":
            body = {"period_start": args.period_start, "pay_date": args.pay_date, "location_ids": args.locations}
            if args.pay_frequency:
                body["pay_frequency"] = args.pay_frequency
            run_id = call(client, "POST", BASE, json=body)["run_id"]
            console.print(f"pay run {run_id}")
            watch(client, run_id)
            if args.approve or args.finalize:
                call(client, "POST", f"{BASE}/{run_id}:approve")
            if args.finalize:
                call(client, "POST", f"{BASE}/{run_id}:finalize")
                watch(client, run_id)
            show(call(client, "GET", f"{BASE}/{run_id}"))
        elif args.command == "watch":
            watch(client, args.run_id)
            show(call(client, "GET", f"{BASE}/{args.run_id}"))
        elif args.command in ("approve", "finalize"):
            call(client, "POST", f"{BASE}/{args.run_id}:{args.command}")
            if args.command == "finalize":
                watch(client, args.run_id)
            show(call(client, "GET", f"{BASE}/{args.run_id}"))
        else:
            show(call(client, "GET", f"{BASE}/{args.run_id}"))


if __name__ == "__main__":
    main()
