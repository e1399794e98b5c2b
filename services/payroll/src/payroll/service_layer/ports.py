"""What payroll's use cases need from outside, as protocols: adapters implement them, tests fake them."""
from __future__ import annotations

from typing import Protocol

from chassis.identity import Identity


class StaffDirectory(Protocol):
    """Who works where: the tenant's locations and staff (kept by the auth service,
    `payroll.adapters.auth_client.AuthDirectory`). Each check raises InvalidInput naming `field`
    when the id is not part of the caller's tenant, DependencyUnavailable when the directory is down."""

    def check_location(self, identity: Identity, location_id: str, field: str = "location_id") -> None: ...

    def check_staff(self, identity: Identity, user_id: str, field: str = "staff_id") -> None: ...
