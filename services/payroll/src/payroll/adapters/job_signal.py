"""Wakes the pay-run worker as soon as a job is queued: PostgreSQL LISTEN on `<schema>_pay_run_jobs`,
which queuing a job NOTIFYs at its commit (PayRunRepository.add_job).

Best effort: the worker still looks for jobs every PAY_RUN_POLL_SECONDS, so a notification lost while
the LISTEN connection was down costs at most that (the connection is opened again on the next wait)."""
from __future__ import annotations

import logging
import time

import psycopg
from chassis.db import libpq_dsn
from sqlalchemy import Engine

log = logging.getLogger(__name__)


class PgJobSignal:
    def __init__(self, engine: Engine, schema: str) -> None:
        self.dsn = libpq_dsn(engine)
        self.channel = f"{schema}_pay_run_jobs"
        self.conn: psycopg.Connection | None = None

    def wait(self, timeout: float) -> None:
        """Returns when a job was queued (notified) or after `timeout` seconds."""
        began = time.monotonic()
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                                            application_name="payroll pay-run worker (listen)")
                self.conn.execute(f'LISTEN "{self.channel}"')
            for _ in self.conn.notifies(timeout=timeout, stop_after=1):
                pass
        except psycopg.Error as error:
            log.warning("pay-run worker: LISTEN %s failed (%s); polling", self.channel, error)
            self.close()
            time.sleep(max(0.0, timeout - (time.monotonic() - began)))

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                log.debug("closing the LISTEN connection", exc_info=True)
            self.conn = None
