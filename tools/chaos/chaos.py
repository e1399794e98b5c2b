"""`make chaos`: orders flow through the gateway at a steady rate while faults are injected into the real
local stack; afterwards every accepted order is counted on the topic and in payroll, and a table is printed.

    .venv/bin/python tools/chaos/chaos.py            # full run: 1,000 orders, every fault (< 10 min)
    .venv/bin/python tools/chaos/chaos.py --fast     # 100 orders, relay kill + consumer kill (what CI runs)

The stack is started by the devstack launcher on its own port base (AURA_PORT_BASE, default 37000) and
state dir (.stack-chaos), like the test harness does, and torn down afterwards (AURA_KEEP_STACK=1 keeps it).
Processes are killed by the PIDs in the state dir's run/ folder and restarted with the launcher's own
functions (Stack.start_services, the Kafka and PostgreSQL start functions).

Each fault is one bounded phase: load starts, the fault is injected after a warm-up, held, then the
dependency is brought back ("return"), the load finishes its share of orders, and the phase waits until every
order accepted before the return has its tip in payroll. Checks, per phase:
  - every order a client saw accepted: exactly one OrderPlaced on orders.order.v1 (distinct CloudEvents
    ce_id, read with a stock kafka-python consumer) and exactly one tip record in payroll; no dead letters;
  - every request: a success or a 503 with Retry-After, never a 500 (clients retry with the same
    Idempotency-Key, honouring Retry-After);
  - recovery within 5 s of the dependency's return: requests (last failure after the return) and the event
    pipeline (all orders accepted before the return have their tip).

Toxiproxy (built by tools/bootstrap.sh into .tools/bin) sits between the orders processes and PostgreSQL:
every orders process gets DATABASE_URL through the proxy (Stack env_overrides). Kafka is not proxied: its
broker advertises its own address, so a client would bypass a proxy after bootstrap (see the report).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import psycopg.sql
from devstack import kafka, postgres, procs
from devstack.layout import REPO_ROOT, Layout
from devstack.stack import Stack

TOPIC = "orders.order.v1"
RECOVERY_LIMIT_S = 5.0
TOXIPROXY_API_OFFSET = 40  # free offsets in the catalogue's block (infrastructure uses 0-30, services 100+)
PG_PROXY_OFFSET = 41
TOXIPROXY = REPO_ROOT / ".tools" / "bin" / "server"


def say(message: str) -> None:
    print(f"[chaos] {time.strftime('%H:%M:%S')} {message}", flush=True)


# ---- load ------------------------------------------------------------------------------------------------
@dataclass
class Tally:
    """What the clients saw in one phase."""
    requests: int = 0
    accepted: dict[str, float] = field(default_factory=dict)  # order id -> monotonic time accepted
    unavailable: int = 0  # 503 with Retry-After
    bare_503: int = 0  # 503 without Retry-After
    server_errors: int = 0  # 500
    other: Counter = field(default_factory=Counter)  # other statuses, timeouts, connection errors
    failures_at: list[float] = field(default_factory=list)  # send times of every non-success
    gave_up: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, sent: float, status: int | str, retry_after: str | None, order_id: str | None) -> None:
        with self.lock:
            self.requests += 1
            if order_id is not None:
                self.accepted.setdefault(order_id, time.monotonic())
                return
            self.failures_at.append(sent)
            if status == 503 and retry_after:
                self.unavailable += 1
            elif status == 503:
                self.bare_503 += 1
            elif status == 500:
                self.server_errors += 1
            else:
                self.other[str(status)] += 1


ORDER_LINES = [{"name": "Cheesesteak", "quantity": 2, "unit_price_cents": 1250, "category": "prepared_food"},
               {"name": "Lager", "quantity": 1, "unit_price_cents": 700, "category": "alcohol"}]


def place_order(client: httpx.Client, location_id: str, tally: Tally, give_up_at: float) -> None:
    """One order, retried with the same Idempotency-Key until accepted (or the phase gives up on it)."""
    key = str(uuid.uuid4())
    body = {"location_id": location_id, "tip_cents": 325, "lines": ORDER_LINES}
    while time.monotonic() < give_up_at:
        sent = time.monotonic()
        try:
            response = client.post("/api/orders/v1/orders", json=body, headers={"Idempotency-Key": key})
        except httpx.TimeoutException:
            tally.record(sent, "timeout", None, None)
            continue
        except httpx.TransportError as error:
            tally.record(sent, type(error).__name__, None, None)
            time.sleep(0.5)
            continue
        if response.status_code in (200, 201):
            tally.record(sent, response.status_code, None, response.json()["order_id"])
            return
        retry_after = response.headers.get("retry-after")
        tally.record(sent, response.status_code, retry_after, None)
        try:
            wait = float(retry_after) if retry_after else 0.5
        except ValueError:
            wait = 0.5
        time.sleep(min(wait, 2.0))
    tally.gave_up += 1


def run_load(gateway: str, token: str, location_id: str, orders: int, rate: float, tally: Tally,
             workers: int = 8, give_up_s: float = 90.0) -> None:
    """`orders` orders, started at `rate` per second (open loop while workers are free)."""
    clients = threading.local()

    def one(index: int, start: float) -> None:
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if not hasattr(clients, "client"):
            clients.client = httpx.Client(base_url=gateway, timeout=10,
                                          headers={"Authorization": f"Bearer {token}"})
        place_order(clients.client, location_id, tally, time.monotonic() + give_up_s)

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(one, i, start) for i in range(orders)]:
            future.result()


# ---- the stack ----------------------------------------------------------------------------------------------
class Chaos:
    """A running stack plus what the faults need: PIDs, restart functions, Toxiproxy, the database."""

    def __init__(self, stack: Stack, demo: dict, toxiproxy: bool) -> None:
        self.stack, self.layout, self.demo = stack, stack.layout, demo
        self.toxiproxy = toxiproxy
        self.admin_url = postgres.superuser_url(self.layout, stack.secrets["POSTGRES_SUPERUSER_PASSWORD"])

    # processes
    def kill(self, name: str) -> None:
        pid = procs.running_pid(self.layout.run_dir, name)
        if pid is None:
            raise RuntimeError(f"{name} is not running")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while procs.alive(pid) and time.monotonic() < deadline:
            try:
                os.waitpid(pid, os.WNOHANG)  # ours when this process started the stack
            except ChildProcessError:
                pass
            time.sleep(0.02)
        say(f"SIGKILL {name} (pid {pid})")

    def restart_services(self) -> None:
        self.stack.start_services()  # starts what is not running, waits until every process is ready

    def restart_kafka(self) -> None:
        self.stack._start_kafka()
        kafka.wait_ready(self.layout.kafka_port, timeout=90)

    def stop_postgres(self) -> None:
        postgres.stop(self.layout)

    def start_postgres(self) -> None:
        password = self.stack.secrets["POSTGRES_SUPERUSER_PASSWORD"]
        postgres.start(self.layout, password)
        postgres.wait_ready(self.layout, password)

    # toxiproxy
    @property
    def toxiproxy_api(self) -> str:
        return f"http://127.0.0.1:{self.layout.port_base + TOXIPROXY_API_OFFSET}"

    def toxic(self, method: str, path: str, body: dict | None = None) -> None:
        response = httpx.request(method, f"{self.toxiproxy_api}{path}", json=body, timeout=5)
        response.raise_for_status()

    # what payroll holds
    def query(self, sql, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.admin_url, connect_timeout=2) as conn:
            return conn.execute(sql, params).fetchall()

    def tips_for(self, order_ids: list[str]) -> Counter:
        rows = self.query("SELECT order_id::text, count(*) FROM payroll.tip_records WHERE order_id = ANY(%s::uuid[])"
                          " GROUP BY order_id", (order_ids,))
        return Counter({order_id: count for order_id, count in rows})

    def dead_letters(self) -> int:
        schemas = [r[0] for r in self.query(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'dead_letters'")]
        statement = psycopg.sql.SQL("SELECT count(*) FROM {}.dead_letters")
        return sum(self.query(statement.format(psycopg.sql.Identifier(schema)))[0][0] for schema in schemas)


def toxiproxy_env(layout: Layout, secrets: dict[str, str]) -> dict[str, dict[str, str]]:
    """Every orders process reaches PostgreSQL through the proxy."""
    url = postgres.service_url(layout, "orders", secrets["DB_PASSWORD_ORDERS"]).replace(
        f":{layout.postgres_port}/", f":{layout.port_base + PG_PROXY_OFFSET}/")
    return {"orders": {"DATABASE_URL": url}}


def start_toxiproxy(layout: Layout) -> None:
    if not TOXIPROXY.exists():
        raise SystemExit(f"{TOXIPROXY} missing: run `make bootstrap` (builds Toxiproxy with Go)")
    api = layout.port_base + TOXIPROXY_API_OFFSET
    procs.start(layout.run_dir, layout.logs_dir, "toxiproxy",
                [str(TOXIPROXY), "-host", "127.0.0.1", "-port", str(api)],
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, cwd=layout.state_dir)
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{api}/version", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    httpx.post(f"http://127.0.0.1:{api}/proxies", timeout=5, json={
        "name": "orders-postgres", "listen": f"127.0.0.1:{layout.port_base + PG_PROXY_OFFSET}",
        "upstream": f"127.0.0.1:{layout.postgres_port}", "enabled": True}).raise_for_status()


def start_stack(layout: Layout, toxiproxy: bool) -> tuple[Stack, dict]:
    """Like the `platform` test fixture: a fresh stack in its own state dir, on its own ports."""
    Stack(layout).down()
    shutil.rmtree(layout.state_dir, ignore_errors=True)
    bare = Stack(layout)
    overrides = toxiproxy_env(layout, bare.secrets) if toxiproxy else {}
    stack = Stack(layout, env_overrides=overrides)
    stack.start_infrastructure()
    if toxiproxy:
        start_toxiproxy(layout)
    stack.migrate()
    demo = stack.seed()
    stack.start_services()
    stack.start_gateway()
    stack.configure_demo(demo)
    return stack, demo


# ---- faults -------------------------------------------------------------------------------------------------
@dataclass
class Fault:
    name: str
    inject: Callable[[Chaos], None]
    restore: Callable[[Chaos], None]  # returns when the dependency is back
    hold_s: float = 3.0
    needs_toxiproxy: bool = False


def _kill_then(name: str) -> Callable[[Chaos], None]:
    return lambda chaos: chaos.kill(name)


FAULTS = {
    "kafka-kill": Fault("SIGKILL Kafka broker", _kill_then("kafka"), Chaos.restart_kafka, hold_s=3),
    "relay-kill": Fault("SIGKILL orders relay", _kill_then("orders-relay"), Chaos.restart_services, hold_s=3),
    "consumer-kill": Fault("SIGKILL payroll consumer", _kill_then("payroll-consumer"), Chaos.restart_services,
                           hold_s=3),
    "postgres-restart": Fault("restart PostgreSQL", Chaos.stop_postgres, Chaos.start_postgres, hold_s=3),
    "pg-latency": Fault("toxiproxy: +100 ms orders<->PostgreSQL",
                        lambda c: c.toxic("POST", "/proxies/orders-postgres/toxics", {
                            "name": "latency", "type": "latency", "stream": "downstream", "toxicity": 1.0,
                            "attributes": {"latency": 100, "jitter": 20}}),
                        lambda c: c.toxic("DELETE", "/proxies/orders-postgres/toxics/latency"),
                        hold_s=5, needs_toxiproxy=True),
    "pg-cut": Fault("toxiproxy: cut orders<->PostgreSQL",
                    lambda c: c.toxic("POST", "/proxies/orders-postgres", {"enabled": False}),
                    lambda c: c.toxic("POST", "/proxies/orders-postgres", {"enabled": True}),
                    hold_s=4, needs_toxiproxy=True),
}
FULL = ["kafka-kill", "relay-kill", "consumer-kill", "postgres-restart", "pg-latency", "pg-cut"]
FAST = ["relay-kill", "consumer-kill"]


@dataclass
class PhaseResult:
    fault: str
    tally: Tally
    returned_at: float
    injected_at: float
    pipeline_recovery_s: float | None = None
    request_recovery_s: float = 0.0
    events: int = 0  # accepted orders with exactly one distinct OrderPlaced ce_id
    doubled_events: int = 0  # accepted orders with more than one distinct ce_id
    duplicate_records: int = 0  # extra records carrying an already seen ce_id
    tips: int = 0  # accepted orders with exactly one tip record
    dead_letters: int = 0  # new dead letters during the phase

    @property
    def accepted(self) -> int:
        return len(self.tally.accepted)


def wait_caught_up(chaos: Chaos, order_ids: list[str], timeout: float) -> float | None:
    """Seconds until every order in `order_ids` has its tip in payroll (None if it never happened)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if len(chaos.tips_for(order_ids)) >= len(order_ids):
                return time.monotonic()
        except psycopg.Error:
            pass
        time.sleep(0.2)
    return None


def run_phase(chaos: Chaos, key: str, orders: int, rate: float, token: str) -> PhaseResult:
    fault = FAULTS[key]
    say(f"phase {fault.name}: {orders} orders at {rate}/s")
    tally = Tally()
    dead_before = chaos.dead_letters()
    load = threading.Thread(target=run_load, args=(chaos.layout.gateway_url, token, chaos.demo["location_id"],
                                                   orders, rate, tally), daemon=True)
    load.start()
    time.sleep(min(2.0, orders / rate / 4))
    injected = time.monotonic()
    fault.inject(chaos)
    time.sleep(fault.hold_s)
    fault.restore(chaos)
    returned = time.monotonic()
    say(f"  {fault.name}: dependency back after {returned - injected:.1f}s")
    with tally.lock:
        before_return = [o for o, t in tally.accepted.items() if t <= returned]
    caught_up = wait_caught_up(chaos, before_return, timeout=90)
    load.join()
    # every order of the phase, also those accepted after the return, must reach payroll before the next phase
    if wait_caught_up(chaos, list(tally.accepted), timeout=90) is None:  # the load has finished: no race
        say("  not every accepted order reached payroll within 90 s")
    result = PhaseResult(fault.name, tally, returned, injected)
    result.pipeline_recovery_s = None if caught_up is None else max(0.0, caught_up - returned)
    late = [t for t in tally.failures_at if t >= returned]
    result.request_recovery_s = max(late) - returned if late else 0.0
    result.dead_letters = chaos.dead_letters() - dead_before
    return result


# ---- the topic ----------------------------------------------------------------------------------------------
def read_topic(bootstrap: str) -> dict[str, list[str]]:
    """order id (record key) -> the ce_id of every OrderPlaced record, from the start of the topic."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        seen: dict[str, list[str]] = {}
        deadline = time.monotonic() + 120
        while any(consumer.position(p) < end[p] for p in partitions) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000, max_records=5000).values():
                for record in records:
                    headers = {name: value.decode() for name, value in record.headers}
                    if headers.get("ce_type", "").endswith("OrderPlaced"):
                        seen.setdefault(record.key.decode(), []).append(headers["ce_id"])
        return seen
    finally:
        consumer.close()


def count_results(chaos: Chaos, results: list[PhaseResult]) -> None:
    topic = read_topic(chaos.layout.kafka_bootstrap)
    for result in results:
        ids = list(result.tally.accepted)
        tips = chaos.tips_for(ids)
        result.tips = sum(1 for o in ids if tips.get(o) == 1)
        for order_id in ids:
            event_ids = topic.get(order_id, [])
            distinct = len(set(event_ids))
            result.events += distinct == 1
            result.doubled_events += distinct > 1
            result.duplicate_records += len(event_ids) - distinct


# ---- report -------------------------------------------------------------------------------------------------
COLUMNS = ["fault", "requests", "accepted", "503+RA", "503 bare", "500s", "other", "OrderPlaced", "doubled",
           "dup recs", "tips", "dead letters", "req rec s", "pipe rec s"]


def rows(results: list[PhaseResult]) -> list[list[str]]:
    out = []
    for r in results:
        other = sum(r.tally.other.values()) + r.tally.gave_up
        out.append([r.fault, str(r.tally.requests), str(r.accepted), str(r.tally.unavailable), str(r.tally.bare_503),
                    str(r.tally.server_errors), str(other), str(r.events), str(r.doubled_events),
                    str(r.duplicate_records), str(r.tips), str(r.dead_letters), f"{r.request_recovery_s:.1f}",
                    "-" if r.pipeline_recovery_s is None else f"{r.pipeline_recovery_s:.1f}"])
    return out


def table(results: list[PhaseResult]) -> str:
    body = rows(results)
    widths = [max(len(c), *(len(row[i]) for row in body)) for i, c in enumerate(COLUMNS)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)])


def problems(results: list[PhaseResult]) -> list[str]:
    """Every check that failed, in words (empty: all good)."""
    found = []
    for r in results:
        t = r.tally
        if t.server_errors or t.bare_503 or t.other or t.gave_up:
            found.append(f"{r.fault}: {t.server_errors} 500s, {t.bare_503} 503s without Retry-After, "
                         f"other {dict(t.other)}, {t.gave_up} orders given up")
        if r.events != r.accepted or r.doubled_events:
            found.append(f"{r.fault}: {r.accepted} accepted but {r.events} with exactly one OrderPlaced "
                         f"({r.doubled_events} doubled)")
        if r.tips != r.accepted:
            found.append(f"{r.fault}: {r.accepted} accepted but {r.tips} with exactly one tip")
        if r.dead_letters:
            found.append(f"{r.fault}: {r.dead_letters} dead letters")
        if r.request_recovery_s > RECOVERY_LIMIT_S:
            found.append(f"{r.fault}: requests failed until {r.request_recovery_s:.1f}s after the return")
        if r.pipeline_recovery_s is None or r.pipeline_recovery_s > RECOVERY_LIMIT_S:
            found.append(f"{r.fault}: events caught up {r.pipeline_recovery_s}s after the return")
    return found


def login(layout: Layout, demo: dict, password: str) -> str:
    response = httpx.post(f"{layout.gateway_url}/api/auth/v1/login", timeout=10, json={
        "tenant": demo["tenant_slug"], "email": demo["admin_email"], "password": password})
    response.raise_for_status()
    return response.json()["access_token"]


def run(chaos: Chaos, faults: list[str], total_orders: int, rate: float) -> list[PhaseResult]:
    token = login(chaos.layout, chaos.demo, chaos.stack.secrets["DEMO_ADMIN_PASSWORD"])
    faults = [f for f in faults if chaos.toxiproxy or not FAULTS[f].needs_toxiproxy]
    shares = [total_orders // len(faults) + (i < total_orders % len(faults)) for i in range(len(faults))]
    results = [run_phase(chaos, key, share, rate, token) for key, share in zip(faults, shares)]
    count_results(chaos, results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="100 orders, relay and consumer kills only")
    parser.add_argument("--orders", type=int, help="total orders (default 1000, fast 100)")
    parser.add_argument("--rate", type=float, default=8.0, help="orders started per second")
    parser.add_argument("--faults", help=f"comma-separated subset of {','.join(FAULTS)}")
    args = parser.parse_args(argv)
    faults = args.faults.split(",") if args.faults else (FAST if args.fast else FULL)
    total = args.orders or (100 if args.fast else 1000)
    layout = Layout(state_dir=Path(os.environ.get("AURA_STATE_DIR", REPO_ROOT / ".stack-chaos")).resolve(),
                    port_base=int(os.environ.get("AURA_PORT_BASE", 37000)))
    toxiproxy = any(FAULTS[f].needs_toxiproxy for f in faults)
    started = time.monotonic()
    say(f"starting the stack on port base {layout.port_base} in {layout.state_dir}")
    stack, demo = start_stack(layout, toxiproxy)
    try:
        say(f"stack up in {time.monotonic() - started:.0f}s")
        results = run(Chaos(stack, demo, toxiproxy), faults, total, args.rate)
    finally:
        if os.environ.get("AURA_KEEP_STACK") != "1":
            stack.down()
    print()
    print(table(results))
    found = problems(results)
    print(f"\n{sum(r.accepted for r in results)} orders accepted in {time.monotonic() - started:.0f}s "
          f"(stack start included)")
    for problem in found:
        print(f"FAILED {problem}")
    print("all checks passed" if not found else f"{len(found)} checks failed")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
