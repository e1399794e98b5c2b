"""What payroll's use cases need from outside, as protocols: adapters implement them, tests fake them."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from chassis.identity import Identity

from payroll.domain.pay.taxes import Withholding
from payroll.domain.stubs import PayStub


class StaffDirectory(Protocol):
    """Who works where: the tenant's locations and staff (kept by the auth service,
    `payroll.adapters.auth_client.AuthDirectory`). Each check raises InvalidInput naming `field`
    when the id is not part of the caller's tenant, DependencyUnavailable when the directory is down."""

    def check_location(self, identity: Identity, location_id: str, field: str = "location_id") -> None: ...

    def check_staff(self, identity: Identity, user_id: str, field: str = "staff_id") -> None: ...

    def time_zone(self, identity: Identity, location_id: str, field: str = "location_id") -> str:
        """The location's IANA time zone (InvalidInput naming `field` when not the tenant's); cached briefly."""
        ...

    def location(self, identity: Identity, location_id: str, field: str = "location_id") -> dict[str, str]:
        """`{"time_zone": IANA name, "state": two-letter code, "name", "address"}` of a location of the caller's
        tenant."""
        ...

    def employer(self, identity: Identity) -> dict[str, str]:
        """`{"name", "id"}` of the caller's tenant, the employer on pay stubs (cached briefly)."""
        ...


class PinHasher(Protocol):
    """Clock PINs of staff without a login (`payroll.adapters.pin_hasher.Argon2PinHasher`: argon2id)."""

    def hash(self, pin: str) -> str: ...

    def verify(self, pin_hash: str, pin: str) -> bool: ...


class PinThrottle(Protocol):
    """Wrong-PIN counters per `domain.pin_attempts.attempt_key` (`payroll.adapters.pin_throttle.RedisPinThrottle`)."""

    max_failures: int

    def wait_seconds(self, key: str) -> int:
        """0 when a PIN may be tried, else the seconds until it may."""
        ...

    def failed(self, key: str) -> int:
        """Counts a wrong PIN; the failures in the window so far."""
        ...

    def succeeded(self, key: str) -> None: ...


class Sealer(Protocol):
    """Encryption at rest of SSNs and bank accounts: `chassis.crypto.Sealer` (AES-256-GCM), the associated
    data binding a ciphertext to its row and column."""

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes: ...

    def open(self, sealed: bytes, associated_data: bytes) -> bytes: ...


class WithholdingCalculator(Protocol):
    """Payroll taxes from the tax service (`payroll.adapters.tax_client.TaxClient`, its
    CalculateWithholdingBatch RPC). `requests` are the tax service's withholding requests as its REST
    JSON (`payroll.domain.pay.taxes.TaxFacts.withholding_request`); the results come back in request
    order, with their explanation lines (none from the pay-run worker's client). Computed as `identity` (the tax peer requires payroll:read or
    payroll:create). Raises InvalidInput naming the field as the tax service does ("requests[1].federal.
    filing_status"), DependencyUnavailable when the tax service is down."""

    def calculate(self, identity: Identity, requests: Sequence[Mapping[str, Any]]) -> list[Withholding]: ...


class ProgressBoard(Protocol):
    """Where a pay run's progress is kept for the API and the CLI to follow (Redis:
    `payroll.adapters.progress.RedisProgressBoard`). `progress`: {run_id, status, phase, done, total,
    updated_at}. Best effort: losing it loses no money (the database is the truth)."""

    def publish(self, run_id: str, progress: Mapping[str, Any]) -> None: ...

    def read(self, run_id: str) -> dict[str, Any] | None: ...
class StubRenderer(Protocol):
    """A pay stub as a document (`payroll.adapters.stub_pdf.render_stub_pdf`: PDF bytes)."""

    def __call__(self, stub: PayStub) -> bytes: ...


class JobSignal(Protocol):
    """Wakes an idle pay-run worker when a job is queued (`payroll.adapters.job_signal.PgJobSignal`:
    LISTEN/NOTIFY). Best effort: the worker polls as well."""

    def wait(self, timeout: float) -> None: ...
