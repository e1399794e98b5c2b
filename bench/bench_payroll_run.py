"""Benchmark: a pay run end to end (issue 11, "Speed"): 1,000 employees (target < 3 s) and 10,000 (< 30 s),
each with 2 weekly workweeks x 5 shifts of 8 h in a biweekly period, a third of them tipped with tips in
both workweeks, approved timesheets.

    .venv/bin/python bench/bench_payroll_run.py [--sizes 1000 10000] [--port-base N] [--keep] [--profile DIR]

Starts a small stack of its own (PostgreSQL, Redis, auth http+grpc, tax http+grpc, payroll http and the
pay-run worker, Envoy; no Kafka: the PaycheckFinalized rows wait in the outbox), writes the staff,
shifts, tips and approved timesheets straight into payroll's tables (COPY; setup is not measured), then
through Envoy as the demo admin: POST /pay-runs (the worker previews every employee: hours, tips, taxes
through the tax service's CalculateWithholdingBatch, one call per chunk of 200), approve, finalize (the
worker writes the paychecks + their outbox events), following the run's SSE progress stream (the API
checks every 100 ms; polling GET /pay-runs/{id} every 50 ms cost the API and PostgreSQL a count of the
items per poll: 4 s of CPU at 10,000). Prints per size: the end-to-end time (create -> completed), employees/s, the time of each API
phase, the worker's own time per phase (roster, gather = the chunk's staff/shifts/tips/timesheets,
compute = pay engine + tax batch call, store = items, finalize = paychecks + events) from its log, its
peak memory (VmHWM), the load average, and the CPU seconds of each process (worker, tax-grpc,
payroll-http, envoy, PostgreSQL with its backends) in the preview and the finalize phase. PAY_RUN_*
variables reach the worker (A/B: PAY_RUN_AHEAD=false, PAY_RUN_CHUNK_SIZE=500). `--profile DIR`: py-spy
(installed into the .venv by hand, not a dependency) samples the worker and tax-grpc into collapsed
stacks. Each size pays its own biweekly period (a later run skips the earlier employees: no hours).

Findings (2-core machine shared with up to 8 helpers' stacks and tests: load average 9-15 during the
runs, peaks of 30; wall times swing 2x between runs, the CPU seconds are the steadier measure):
  before (load 7-9): 1,000 employees 6.6 s (preview 2.5, finalize 4.1), 10,000 64 s (preview 41.7, finalize
  22.5), worker peak 163 / 429 MB; at 10,000 the worker spent gather 11.9 s (ORM-loading 100,000 shifts in
  one session), compute 20.3, store 7.9, finalize 21.2 (one outbox INSERT per event, ORM paychecks with
  the JSON parsed and serialized again, one UPDATE per item).
  after, at load 5.5 falling to 3.9 (the quietest run, with the worker woken by LISTEN/NOTIFY): 1,000
  employees 3.27 s (306/s; preview 2.44, finalize 0.81; target 3 s: MISSED by 0.3 s), 10,000 28.5 s
  (351/s; preview 19.7, finalize 8.7; target 30 s: ok); worker peak 151 / 155 MB (flat: a chunk at a
  time). Before LISTEN (load 7.5-4.6): 4.3 s / 27.9 s, the finalize of 1,000 1.6 s (up to a second of it
  the idle worker's poll). At load 9-15: 1,000 in 6.0-9.9 s, 10,000 in 55.8-59.4 s (missed).
  PAY_RUN_CHUNK_SIZE=500 (load 8-11): 6.0 s / 33.0 s, same CPU: 200 stays.
  CPU seconds per process, preview / finalize:
      1,000:  worker 1.9-2.6 / 0.3-0.6, tax-grpc 0.2 / 0, postgres 0.2-0.4 / 0.1-0.2, payroll-http 0.2 / 0.1
     10,000:  worker 12.2-15.1 / 2.4-3.4, tax-grpc 1.0-1.3 / 0, postgres 2.7-4.2 / 0.8-5.0, payroll-http 0.3-0.6 / 0.1-0.2
  So the whole run needs about 3-4 CPU-s at 1,000 and 21-25 CPU-s at 10,000 (the worker ~80 %). An
  estimate, not measured here: on two idle cores the wall time would be about the worker's CPU, 2.5-3 s
  and 15-18 s; on this machine the worker gets a third of a core and waits. Finalize CPU fell 5x (1.5 -> 0.3 s at 1,000: INSERT ... SELECT of the paychecks inside
  PostgreSQL, one multi-row outbox INSERT per chunk via uow.add_events, one UPDATE of the items). The
  superlinear 10,000 preview was the run itself (one session holding every employee's ORM shifts and
  staff; PostgreSQL's CPU 19x for 10x employees, half of it the bench's own 50 ms polling counting the
  items): now a roster of ids, then per chunk a few set-based reads as rows; PostgreSQL 2.7-4 s.
  PAY_RUN_AHEAD (the next chunk read and computed in a thread while one is stored) measured 42 s vs 49 s
  preview at 10,000, with the same worker CPU (loads 9 and 15: not conclusive here; it overlaps the
  worker's Python with PostgreSQL and the tax service, which only pays with a free core).
  Where the worker's remaining preview CPU goes (py-spy, 10,000): gather 35 % (shifts fetched and turned
  into hours per local day 15 %, staff rows 3 %), pay engine 17 %, Paycheck.to_dict 10 % (half of it the
  explanation lines, dropped again before storing: a to_dict without them would save ~5 %), items as
  ORM objects + INSERT 10 %, tax client 6 % (to_message's ParseDict), JSON in/out of psycopg 7 %.
  Next: two workers on one run (jobs per roster range) to use both cores; a to_dict without explanation;
  PostgreSQL's finalize CPU at 10,000 (up to 5 s: the paycheck JSONB copied from the items, TOASTed
  again, and the items' rows rewritten by the status UPDATE) - a paycheck row that references its item
  instead of copying the JSON would spare most of it (a migration, 0008).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from devstack import postgres, procs
from devstack.layout import REPO_ROOT, SERVICES_BY_NAME, Layout
from devstack.services import process_argv, process_env, process_name
from devstack.stack import Stack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_orders import cpu_by_pid, cpu_used, process_pids  # noqa: E402
from bench_tax_api import free_port_base, login  # noqa: E402

RUNS = "/api/payroll/v1/pay-runs"
CPU_PROCESSES = ("payroll-worker", "tax-grpc", "payroll-http", "envoy")  # + postgres (its backends)
PROCESSES = (("auth", "http"), ("auth", "grpc"), ("tax", "http"), ("tax", "grpc"), ("payroll", "http"))
TARGETS = {1_000: 3.0, 10_000: 30.0}
ANCHOR = date(2026, 1, 5)  # a Monday: biweekly periods start at it, every two weeks
ZONE_OFFSET = timedelta(hours=5)  # America/New_York, winter


def period(index: int) -> date:
    return ANCHOR + timedelta(weeks=4 + 2 * index)


def seed(conninfo: str, tenant: str, location: str, employees: int, start: date) -> None:
    """Staff, 10 shifts each, tips for the tipped, approved timesheets: COPY into payroll's tables."""
    now = datetime.now(UTC)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SET search_path TO payroll")
        cur.execute("INSERT INTO employer_settings (tenant_id, workweek_start_day, pay_frequency, period_anchor, "
                    "break_premiums, created_at, updated_at) VALUES (%s, 'monday', 'biweekly', %s, false, %s, %s) "
                    "ON CONFLICT (tenant_id) DO NOTHING", (tenant, ANCHOR, now, now))
        staff = [uuid.uuid4() for _ in range(employees)]
        with cur.copy("COPY staff_members (id, tenant_id, display_name, pin_hash, home_location_id, work_location_ids,"
                      " jobs, pay_frequency, tax_forms, ssn_last4, created_at, updated_at) FROM STDIN") as copy:
            for i, sid in enumerate(staff):
                job = ({"job_code": "server", "pay_type": "tipped", "cash_wage_rate": "2.83"} if i % 3 == 0 else
                       {"job_code": "cook", "pay_type": "hourly", "rate": f"{15 + i % 10}.50"})
                forms = {"federal": {"form_version": "2020",
                                     "filing_status": "single" if i % 2 else "married_filing_jointly"}}
                if i % 4 == 1:
                    forms["locality"] = {"code": "PHILADELPHIA", "resident": True}
                copy.write_row((sid, tenant, f"Bench {i:05d}", "bench", location, json.dumps([location]),
                                json.dumps([job]), "biweekly", json.dumps(forms), f"{i % 10_000:04d}", now, now))
        with cur.copy("COPY shifts (id, tenant_id, staff_id, location_id, job_code, time_zone, clock_in_at, "
                      "clock_out_at, breaks, created_at, updated_at) FROM STDIN") as copy:
            for i, sid in enumerate(staff):
                job = "server" if i % 3 == 0 else "cook"
                for week in range(2):
                    for day in range(5):
                        local = datetime.combine(start + timedelta(weeks=week, days=day), datetime.min.time(), UTC)
                        clock_in = local + ZONE_OFFSET + timedelta(hours=9)
                        copy.write_row((uuid.uuid4(), tenant, sid, location, job, "America/New_York", clock_in,
                                        clock_in + timedelta(hours=8, minutes=15 * (i % 5)), "[]", now, now))
        with cur.copy("COPY tip_records (id, tenant_id, staff_id, order_id, location_id, tip_cents, earned_at, "
                      "source, note, created_at, updated_at) FROM STDIN") as copy:
            for i, sid in enumerate(staff):
                if i % 3 == 0:
                    for week in range(2):
                        earned = datetime.combine(start + timedelta(weeks=week, days=2), datetime.min.time(), UTC)
                        copy.write_row((uuid.uuid4(), tenant, sid, uuid.uuid4(), location, 5_000 + 10 * i,
                                        earned + timedelta(hours=22), "order", "", now, now))
        with cur.copy("COPY timesheets (id, tenant_id, staff_id, period_start, period_end, status, history, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for sid in staff:
                copy.write_row((uuid.uuid4(), tenant, sid, start, start + timedelta(days=13), "approved", "[]",
                                now, now))
        conn.commit()


def wait_status(http: httpx.Client, run_id: str, wanted: str, timeout: float = 600) -> dict:
    """Follows the run's progress stream (SSE, what the operator CLI shows; the API polls Redis every
    100 ms) until the phase ends, then reads the run. Polling GET /pay-runs/{id} instead costs the API
    and PostgreSQL a count of the run's items per poll, which the run itself then waits for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with http.stream("GET", f"{RUNS}/{run_id}/progress", timeout=timeout) as stream:
            for _ in stream.iter_lines():
                pass
        run = http.get(f"{RUNS}/{run_id}").json()
        if run["status"] == wanted:
            return run
        if run["status"] == "failed":
            raise SystemExit(f"run {run_id} failed: {run['error']}")
        time.sleep(0.05)
    raise SystemExit(f"run {run_id} not {wanted} after {timeout}s: {run}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_phases(log: Path, since: int) -> list[dict[str, float]]:
    """The phase timings the worker logged for each job it finished after byte `since` of its log."""
    text = log.read_text(errors="replace")[since:]
    return [ast.literal_eval(m) for m in re.findall(r"job done in (\{[^}]*\})", text)]


def run_size(http: httpx.Client, conninfo: str, demo: dict, layout: Layout, worker_pid: int, employees: int,
             index: int, profile: Path | None = None) -> dict:
    start = period(index)
    t = time.monotonic()
    seed(conninfo, demo["tenant_id"], demo["location_id"], employees, start)
    print(f"  seeded {employees:,} employees in {time.monotonic() - t:.1f}s", flush=True)
    log = layout.logs_dir / f"{process_name(SERVICES_BY_NAME['payroll'], 'worker')}.log"
    mark = log.stat().st_size if log.exists() else 0
    profilers = start_profiles(layout, profile, employees)
    cpu0 = cpu_by_pid(process_pids(layout, CPU_PROCESSES))
    began = time.monotonic()
    created = http.post(RUNS, json={"period_start": start.isoformat(), "pay_date": (start + timedelta(days=18)).isoformat(),
                                    "location_ids": [demo["location_id"]], "pay_frequency": "biweekly"})
    if created.status_code != 202:
        raise SystemExit(f"create: {created.status_code} {created.text}")
    run_id = created.json()["run_id"]
    previewed = wait_status(http, run_id, "previewed")
    t_preview = time.monotonic()
    cpu1 = cpu_by_pid(process_pids(layout, CPU_PROCESSES))
    if previewed["items"] != {"previewed": employees}:
        raise SystemExit(f"previewed items: {previewed['items']}")
    approved = http.post(f"{RUNS}/{run_id}:approve")
    if approved.status_code != 200:
        raise SystemExit(f"approve: {approved.status_code} {approved.text}")
    t_approve = time.monotonic()
    http.post(f"{RUNS}/{run_id}:finalize")
    completed = wait_status(http, run_id, "completed")
    t_done = time.monotonic()
    cpu2 = cpu_by_pid(process_pids(layout, CPU_PROCESSES))
    stop_profiles(profilers)
    time.sleep(0.5)  # the worker's log line lands after the status commit
    phases: dict[str, float] = {}
    for job in worker_phases(log, mark):
        for key, value in job.items():
            phases[key] = phases.get(key, 0.0) + value
    total = t_done - began
    return {"employees": employees, "total": total, "rate": employees / total, "preview": t_preview - began,
            "approve": t_approve - t_preview, "finalize": t_done - t_approve, "worker": phases,
            "peak_mb": peak_rss_mb(worker_pid), "net_pay": completed["totals"]["net_pay"],
            "cpu_preview": cpu_used(cpu0, cpu1), "cpu_finalize": cpu_used(cpu1, cpu2)}


def start_profiles(layout: Layout, profile: Path | None, employees: int) -> list[subprocess.Popen]:
    """py-spy (when --profile DIR and py-spy is installed next to this Python) on the worker and tax-grpc:
    collapsed stacks per process and size (flamegraph.pl or speedscope draw them)."""
    spy = Path(sys.executable).with_name("py-spy")
    if profile is None or not spy.exists():
        return []
    profile.mkdir(parents=True, exist_ok=True)
    out = []
    for name in ("payroll-worker", "tax-grpc"):
        pid = procs.running_pid(layout.run_dir, name)
        if pid:
            out.append(subprocess.Popen([str(spy), "record", "--pid", str(pid), "--rate", "50", "--nonblocking", "--format", "raw",
                                         "-o", str(profile / f"{name}-{employees}.txt")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return out


def stop_profiles(profilers: list[subprocess.Popen]) -> None:
    for p in profilers:
        p.send_signal(2)  # SIGINT: py-spy writes its flame graph and exits
    for p in profilers:
        p.wait(timeout=60)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("AURA_BENCH_PAYROLL_PORT_BASE", 0)))
    ap.add_argument("--state-dir", default=os.environ.get("AURA_BENCH_PAYROLL_STATE_DIR",
                                                          str(REPO_ROOT / ".stack-test-bench-payroll")))
    ap.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    ap.add_argument("--profile", type=Path, help="py-spy flame graphs of the worker and tax-grpc into this directory")
    args, _ = ap.parse_known_args()

    layout = Layout(state_dir=Path(args.state_dir).resolve(), port_base=args.port_base or free_port_base(26_000))
    if layout.state_dir.exists():  # a fresh database: an earlier bench's runs would own these periods
        shutil.rmtree(layout.state_dir)
    stack = Stack(layout)
    started = time.monotonic()
    try:
        print(f"load average {os.getloadavg()[0]:.1f}; starting a small stack in {layout.state_dir} on ports {layout.port_base}+ ...", flush=True)
        demo = stack.start_slice(PROCESSES)
        payroll = SERVICES_BY_NAME["payroll"]
        # The worker logs its phase timings at INFO (the slice runs everything else at WARNING).
        env = process_env(layout, payroll, "worker", stack.secrets) | {"LOG_LEVEL": "INFO"} | {
            k: v for k, v in os.environ.items() if k.startswith("PAY_RUN_")}  # e.g. PAY_RUN_AHEAD=false, PAY_RUN_CHUNK_SIZE
        worker_pid = procs.start(layout.run_dir, layout.logs_dir, process_name(payroll, "worker"),
                                 process_argv(payroll, "worker"), env, cwd=layout.repo_root)
        print(f"stack up in {time.monotonic() - started:.1f}s", flush=True)
        token = login(layout, demo, stack.secrets["DEMO_ADMIN_PASSWORD"])
        conninfo = postgres.service_url(layout, "payroll", stack.secrets["DB_PASSWORD_PAYROLL"]).replace(
            "postgresql+psycopg://", "postgresql://")
        results = []
        with httpx.Client(base_url=layout.gateway_url, headers={"Authorization": f"Bearer {token}"},
                          timeout=60) as http:
            for index, size in enumerate(args.sizes):
                print(f"pay run of {size:,} employees (load average {os.getloadavg()[0]:.1f}) ...", flush=True)
                results.append(run_size(http, conninfo, demo, layout, worker_pid, size, index, args.profile))
        print()
        print(f"{'employees':>10} {'total s':>8} {'target':>7} {'empl/s':>8} {'preview':>8} {'approve':>8} "
              f"{'finalize':>9} {'worker peak MB':>15}")
        for r in results:
            target = TARGETS.get(r["employees"])
            verdict = "" if target is None else ("ok" if r["total"] < target else "MISSED")
            print(f"{r['employees']:>10,} {r['total']:>8.2f} {f'<{target:g}s' if target else '-':>7} {r['rate']:>8.0f} "
                  f"{r['preview']:>8.2f} {r['approve']:>8.2f} {r['finalize']:>9.2f} {r['peak_mb']:>15.0f} {verdict}")
        print("\nworker time per phase (s): gather = timesheets, tips, staff; compute = pay engine + tax batch "
              "calls; store = items; load + finalize = paychecks + outbox events; finish = totals, status")
        for r in results:
            print(f"{r['employees']:>10,}  " + "  ".join(f"{k} {v:.2f}" for k, v in r["worker"].items()))
        print("\nCPU seconds per process (preview / finalize phase; postgres = postmaster + backends)")
        for r in results:
            print(f"{r['employees']:>10,}  " + "  ".join(
                f"{name} {r['cpu_preview'][name]:.1f}/{r['cpu_finalize'][name]:.1f}" for name in r["cpu_preview"]))
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        return 0
    finally:
        if not args.keep:
            stack.down()


if __name__ == "__main__":
    sys.exit(main())
