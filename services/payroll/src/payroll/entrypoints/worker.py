"""The pay-run worker: claims pay-run jobs from PostgreSQL and runs them (process kind `worker`).

Several workers may run: each claims with FOR UPDATE SKIP LOCKED and renews its job's lease while it
works (a heartbeat thread, and every chunk's transaction). A worker killed mid-run leaves its lease to
expire (PAY_RUN_LEASE_SECONDS); the next claim takes the job over and finishes it, paying nobody twice.
An idle worker waits on LISTEN for a queued job (NOTIFY at the job's commit), polling every
PAY_RUN_POLL_SECONDS as well. SIGTERM lets the current job run to its end (chunks are short); a worker
killed before that leaves the job to its lease like any dead worker.

Metrics (on HEALTH_PORT /metrics): payroll_pay_run_jobs_total{result}, payroll_pay_run_oldest_running_age_seconds.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from chassis import readiness
from chassis.errors import DependencyUnavailable
from chassis.runtime import start
from chassis.telemetry import shutdown_tracing
from chassis.worker import run_worker
from prometheus_client import Counter, Gauge

from payroll.bootstrap import PayrollContainer, bootstrap
from payroll.config import SERVICE, settings
from payroll.service_layer import pay_runs

log = logging.getLogger(__name__)

JOBS = Counter("payroll_pay_run_jobs_total", "Pay-run jobs finished by this worker", ["result"])
OLDEST_RUNNING_AGE = Gauge("payroll_pay_run_oldest_running_age_seconds",
                           "Age in seconds of the oldest running pay-run job (0 when none)")
for _result in ("succeeded", "failed"):
    JOBS.labels(result=_result)  # both series exist from the start (the alert compares them over time)


class Worker:
    def __init__(self, container: PayrollContainer, owner: str | None = None) -> None:
        self.container = container
        config = container.config
        self.lease_seconds = config.pay_run_lease_seconds
        self.poll_seconds = config.pay_run_poll_seconds
        self.chunk_size = config.pay_run_chunk_size
        self.chunk_pause_seconds = config.pay_run_chunk_pause_seconds
        self.ahead = config.pay_run_ahead
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def _heartbeat(self, job: pay_runs.ClaimedJob, done: threading.Event, lost: threading.Event) -> None:
        while not done.wait(self.lease_seconds / 3):
            try:
                if not pay_runs.renew_lease(self.container.uow, job, lease_seconds=self.lease_seconds,
                                            clock=self.container.clock):
                    lost.set()
                    return
            except Exception:  # noqa: BLE001 - a missed beat is not fatal; the next one may work
                log.exception("pay run %s: heartbeat failed", job.run_id)

    def _gauge(self) -> None:
        try:
            OLDEST_RUNNING_AGE.set(pay_runs.oldest_running_age(self.container.uow, clock=self.container.clock))
        except Exception:  # noqa: BLE001 - the gauge is best effort
            log.exception("oldest running pay run: query failed")

    def run_one(self) -> bool:
        """Claims and runs one job; False when the queue was empty."""
        c = self.container
        job = pay_runs.claim_job(c.uow, self.owner, lease_seconds=self.lease_seconds, clock=c.clock)
        if job is None:
            return False
        log.info("pay run %s: %s job %s claimed (attempt %d)", job.run_id, job.kind, job.job_id, job.attempts)
        done, lost = threading.Event(), threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job, done, lost), name="lease", daemon=True)
        beat.start()
        timer = pay_runs.PhaseTimer({}, time.perf_counter)
        try:
            pay_runs.run_job(c.uow, job, tax=c.tax, progress=c.progress, clock=c.clock, new_id=c.new_id,
                             chunk_size=self.chunk_size, lease_seconds=self.lease_seconds, timer=timer,
                             chunk_pause_seconds=self.chunk_pause_seconds, ahead=self.ahead)
            JOBS.labels(result="succeeded").inc()
            log.info("pay run %s: %s job done in %s", job.run_id, job.kind,
                     {k: round(v, 3) for k, v in timer.seconds.items()})
        except pay_runs.LeaseLost:
            log.warning("pay run %s: lease lost; another worker finishes the job", job.run_id)
        except DependencyUnavailable as error:
            log.warning("pay run %s: %s; the job goes back to the queue", job.run_id, error)
            pay_runs.release_job(c.uow, job)
            time.sleep(self.poll_seconds)
        except Exception as error:  # noqa: BLE001 - a bug or bad data: fail the run, keep the worker alive
            log.exception("pay run %s: %s job failed", job.run_id, job.kind)
            pay_runs.fail_job(c.uow, job, f"{type(error).__name__}: {error}", progress=c.progress, clock=c.clock)
            JOBS.labels(result="failed").inc()
        finally:
            done.set()
        return True

    def loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._gauge()
            try:
                worked = self.run_one()
            except Exception:  # noqa: BLE001 - the database blinked: try again after a pause
                log.exception("pay-run worker: claiming failed")
                worked = False
            if not worked:
                signal = self.container.job_signal
                if signal is None:
                    stop.wait(self.poll_seconds)
                else:  # a queued job wakes us at once (a run's latency), the poll is the fallback
                    signal.wait(self.poll_seconds)


def main() -> None:
    config = settings("tax_grpc_addr")
    start(SERVICE, "worker", config)
    container = bootstrap(config, tax_explanations=False)  # a run's items keep no explanation lines
    checks = {"postgres": readiness.postgres(container.engine),
              "tax": readiness.grpc_peer(config.tax_grpc_addr)}
    if config.redis_url:
        checks["redis"] = readiness.redis(config.redis_url)
    try:
        run_worker(Worker(container).loop, config.bind_host, config.health_port, checks)
    finally:
        shutdown_tracing()


if __name__ == "__main__":
    main()
