"""python -m devstack up|down|status|clean  (what `make up`, `make down`, `make status`, `make clean` run),
python -m devstack stop <process>  (stop one process; the supervisor leaves it down).

`up` ends by starting the supervisor (devstack.supervisor), which restarts a crashed process with
backoff; `status` shows each process with its PID, up/down, restarts and last exit status."""
from __future__ import annotations

import argparse
import shutil
import sys

from devstack import supervisor
from devstack.catalogue import KINDS
from devstack.layout import SERVICES, Layout
from devstack.stack import Stack


def print_summary(layout: Layout, demo: dict, password: str, kitchen_password: str | None = None) -> None:
    gw = layout.gateway_url
    print(f"""
AuraConnect is up.

  Gateway (REST + gRPC)   {gw}
  Envoy admin             http://127.0.0.1:{layout.envoy_admin_port}
  PostgreSQL              127.0.0.1:{layout.postgres_port}  (database aura, one schema per service)
  Redis                   127.0.0.1:{layout.redis_port}
  Kafka                   {layout.kafka_bootstrap}
  Traces (OTLP -> JSONL)  {layout.traces_file}
  Fake Square API         {layout.fake_pos_url("square")}  (token fake-square-access-token)
  Fake Clover API         {layout.fake_pos_url("clover")}  (merchant FAKEMERCHANT1, token fake-clover-access-token)
  Fake Toast API          {layout.fake_pos_url("toast")}  (client fake-toast-client / fake-toast-secret)
  Logs                    {layout.logs_dir}/

  Demo tenant             {demo['tenant_slug']}
  Demo admin              {demo['admin_email']}
  Demo password           {password}
  Kitchen display         {gw}/kds/   (cook {demo.get('kitchen_email', '-')}, password {kitchen_password or "-"})

  Log in:
    curl -s -X POST {gw}/api/auth/v1/login -H 'content-type: application/json' \\
      -d '{{"tenant": "{demo['tenant_slug']}", "email": "{demo['admin_email']}", "password": "{password}"}}'
""")
    print("  Service ports (http / grpc / relay health / consumer health):")
    for service in SERVICES:
        ports = " / ".join(str(layout.service_port(service, k)) if k in service.kinds else "-"
                           for k in KINDS)
        print(f"    {service.name:<11} {ports}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack")
    parser.add_argument("command", choices=["up", "down", "status", "clean", "stop"])
    parser.add_argument("process", nargs="?", help="stop: the one process to stop (e.g. orders-http);"
                        " the supervisor leaves it down until the next `make up`")
    args = parser.parse_args(argv)
    layout = Layout.from_env()
    if args.command == "stop":
        from devstack import procs

        if not args.process:
            parser.error("stop needs a process name (see make status)")
        print(f"stopped {args.process}" if procs.stop(layout.run_dir, args.process) else f"{args.process} was not running")
        return 0
    if args.command == "clean":
        Stack(layout).down()
        shutil.rmtree(layout.state_dir, ignore_errors=True)
        print(f"removed {layout.state_dir}")
        return 0
    stack = Stack(layout)
    if args.command == "up":
        try:
            demo = stack.up()
        except BaseException:
            print("make up failed; logs are in", layout.logs_dir, file=sys.stderr)
            raise
        supervisor_pid = supervisor.start(layout.state_dir, cwd=layout.repo_root)
        print_summary(layout, demo, stack.secrets["DEMO_ADMIN_PASSWORD"], stack.secrets["DEMO_KITCHEN_PASSWORD"])
        print(f"  Supervisor              pid {supervisor_pid}: restarts crashed processes (make status)")
    elif args.command == "down":
        stack.down()
    else:
        print(supervisor.status_table(layout.state_dir, stack.status()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
