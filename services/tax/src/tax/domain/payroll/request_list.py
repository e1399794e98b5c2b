"""A list of withholding requests, whatever their wire format (REST JSON, gRPC messages).

The withholding use case supplies what a request leaves out (YTD from the ledger, the employer's
options from its settings) and then builds the engine requests. Each wire format implements
`Requests` (JSON in the service layer, protobuf in an adapter); both only need the names here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .model import EmployerOptions, WithholdingRequest, YearToDate
from .validation import ValidationError


@dataclass(frozen=True)
class Missing:
    """What one request leaves for the service to supply (raw values: build reports them if invalid)."""

    employee_id: str  # "" when not given
    needs_ytd: bool
    needs_employer: bool
    pay_date: Any
    work_state: Any


class BuildError(Exception):
    """Request `index` of the list is invalid (`error` names the field within it)."""

    def __init__(self, index: int, error: ValidationError) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


Supplied = dict[int, tuple[YearToDate | None, EmployerOptions | None]]


class Requests(Protocol):
    def __len__(self) -> int: ...

    def missing(self) -> dict[int, Missing]:
        """The requests without ytd or without employer options, by index."""

    def build(self, supplied: Supplied) -> list[WithholdingRequest]:
        """Validated engine requests, with the supplied ytd / employer where the request had none.
        Raises BuildError(index, ValidationError) for the first invalid request."""
