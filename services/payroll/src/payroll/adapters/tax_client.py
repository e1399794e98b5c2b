"""The tax service over gRPC, as payroll sees it: implements the service layer's WithholdingCalculator."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import grpc
from auraconnect.tax.v1 import payroll_tax_pb2, tax_service_pb2_grpc
from chassis.errors import DependencyUnavailable, InvalidInput
from chassis.grpc_client import call_metadata, peer_channel, peer_error
from chassis.identity import Identity
from google.protobuf.json_format import ParseDict, ParseError

from payroll.domain.pay.taxes import EMPLOYEE_TAXES, EMPLOYER_TAXES, TAXABLE_WAGES, TaxLine, Withholding


def to_message(index: int, request: Mapping[str, Any]) -> payroll_tax_pb2.WithholdingRequest:
    """The request JSON as the gRPC message (same field names; the JSON's shape is checked before it gets here)."""
    try:
        return ParseDict(request, payroll_tax_pb2.WithholdingRequest())
    except (ParseError, TypeError, ValueError) as error:  # a shape the domain's checks let through: still a 422
        raise InvalidInput(f"cannot be sent to the tax service: {error}", field=f"requests[{index}]") from None


def _amounts(message, names: tuple[str, ...]) -> dict[str, Decimal]:
    try:
        return {name: Decimal(getattr(message, name) or "0") for name in names}
    except InvalidOperation:
        raise DependencyUnavailable("tax answered an amount that is not a decimal") from None


def from_message(result: payroll_tax_pb2.WithholdingResult) -> Withholding:
    return Withholding(
        employee=_amounts(result.employee, EMPLOYEE_TAXES),
        employer=_amounts(result.employer, EMPLOYER_TAXES),
        taxable_wages=_amounts(result.taxable_wages, TAXABLE_WAGES),
        explanation=tuple(TaxLine(x.tax, x.line, x.text, x.amount or None) for x in result.explanation),
        rules_version=result.rules_version,
    )


class TaxClient:
    def __init__(self, address: str, timeout_s: float = 10.0, explanations: bool = True) -> None:
        self.stub = tax_service_pb2_grpc.TaxServiceStub(peer_channel(address))
        self.timeout_s = timeout_s
        # Without: the results carry no explanation lines (less for the tax service to write and for us
        # to read; the pay-run worker stores paychecks without them).
        self.explanations = explanations

    def calculate(self, identity: Identity, requests: Sequence[Mapping[str, Any]]) -> list[Withholding]:
        batch = payroll_tax_pb2.CalculateWithholdingBatchRequest(
            requests=[to_message(i, r) for i, r in enumerate(requests)], include_explanation=self.explanations)
        try:
            response = self.stub.CalculateWithholdingBatch(batch, metadata=call_metadata(identity),
                                                            timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise peer_error("tax", error) from None
        if len(response.results) != len(requests):
            raise DependencyUnavailable(f"tax answered {len(response.results)} results for {len(requests)} requests")
        return [from_message(result) for result in response.results]
