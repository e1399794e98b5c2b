"""payroll's composition root: the one place that constructs its adapters.

Real adapters by default; a test passes fakes for any of them. A peer whose address is not
configured is left out (None): the process that calls it requires the address at start-up."""
from __future__ import annotations

from dataclasses import dataclass

from chassis.bootstrap import Clock, Container, IdGenerator, base_parts
from chassis.uow import UnitOfWorkFactory

from payroll.adapters.unit_of_work import PayrollUnitOfWork
from payroll.config import SOURCE, Settings
from payroll.service_layer.ports import (
    JobSignal,
    PinHasher,
    PinThrottle,
    ProgressBoard,
    Sealer,
    StaffDirectory,
    StubRenderer,
    WithholdingCalculator,
)


@dataclass
class PayrollContainer(Container):
    directory: StaffDirectory | None = None  # auth: locations and staff of the caller's tenant
    tax: WithholdingCalculator | None = None  # tax: withholding for paycheck previews and pay runs
    sealer: Sealer | None = None  # SSNs and bank accounts at rest (needs PII_ENCRYPTION_KEY)
    job_signal: JobSignal | None = None  # wakes the pay-run worker when a job is queued (LISTEN/NOTIFY)
    pins: PinHasher | None = None  # clock PINs
    progress: ProgressBoard | None = None  # pay-run progress (Redis, REDIS_URL)
    stub_pdf: StubRenderer | None = None  # pay stubs as PDF
    pin_throttle: PinThrottle | None = None  # wrong time-clock PINs (Redis, REDIS_URL)


def bootstrap(config: Settings, *, uow: UnitOfWorkFactory | None = None, clock: Clock | None = None,
              new_id: IdGenerator | None = None, directory: StaffDirectory | None = None,
              tax: WithholdingCalculator | None = None, sealer: Sealer | None = None,
              pins: PinHasher | None = None, progress: ProgressBoard | None = None,
              stub_pdf: StubRenderer | None = None, pin_throttle: PinThrottle | None = None,
              tax_explanations: bool = True) -> PayrollContainer:
    """`tax_explanations=False`: the tax service's explanation lines are not asked for (the pay-run worker
    keeps none: a run's items hold the paycheck without them)."""
    if directory is None and config.auth_grpc_addr:
        from payroll.adapters.auth_client import AuthDirectory

        directory = AuthDirectory(config.auth_grpc_addr)
    if tax is None and config.tax_grpc_addr:
        from payroll.adapters.tax_client import TaxClient

        tax = TaxClient(config.tax_grpc_addr, explanations=tax_explanations)
    if sealer is None and config.pii_encryption_key:
        from chassis.crypto import Sealer as AesSealer

        sealer = AesSealer(config.pii_encryption_key)
    if pins is None:
        from payroll.adapters.pin_hasher import Argon2PinHasher

        pins = Argon2PinHasher()
    if progress is None and config.redis_url:
        from payroll.adapters.progress import RedisProgressBoard

        progress = RedisProgressBoard(config.redis_url)
    if pin_throttle is None and config.redis_url:
        from payroll.adapters.pin_throttle import RedisPinThrottle
        from payroll.domain.pin_attempts import MAX_FAILURES, WINDOW_SECONDS

        pin_throttle = RedisPinThrottle(config.redis_url, MAX_FAILURES, WINDOW_SECONDS)
    if stub_pdf is None:
        from payroll.adapters.stub_pdf import render_stub_pdf

        stub_pdf = render_stub_pdf
    parts = base_parts(config, PayrollUnitOfWork, SOURCE, uow, clock, new_id)
    job_signal = None
    if parts.get("engine") is not None:
        from payroll.adapters.job_signal import PgJobSignal

        job_signal = PgJobSignal(parts["engine"], config.db_schema)
    return PayrollContainer(**parts, directory=directory, tax=tax, sealer=sealer, pins=pins, progress=progress,
                            stub_pdf=stub_pdf, pin_throttle=pin_throttle,
                            job_signal=job_signal)
