"""REST: paycheck preview (issue 11), one paycheck computed from the facts given, nothing stored; and its
pay stub as JSON or PDF."""
from __future__ import annotations

from typing import Any

from chassis.http import current_identity
from chassis.identity import Identity
from fastapi import Body, Depends, FastAPI, Request
from fastapi.responses import Response

from payroll.bootstrap import PayrollContainer
from payroll.domain.stubs import PayStub
from payroll.service_layer import paychecks

PDF = "application/pdf"


def wants_pdf(request: Request) -> bool:
    """Accept: application/pdf (alone or first among equals) asks for the PDF; anything else gets JSON."""
    accept = request.headers.get("accept", "")
    return PDF in accept.lower() and "application/json" not in accept.lower().split(PDF)[0]


def pdf_response(container: PayrollContainer, stub: PayStub) -> Response:
    assert container.stub_pdf is not None
    name = f"paystub-{stub.pay_date.isoformat()}.pdf"
    return Response(container.stub_pdf(stub), media_type=PDF,
                    headers={"content-disposition": f'inline; filename="{name}"', "cache-control": "no-store"})


def add_routes(app: FastAPI, container: PayrollContainer) -> None:
    @app.post("/api/payroll/v1/paychecks:preview", tags=["paychecks"],
              responses={200: {"content": {PDF: {}}, "description": "the paycheck (JSON), or its stub as PDF "
                                                                      "with Accept: application/pdf"}})
    def preview_paycheck(request: Request,
                         body: Any = Body(..., description="the preview request (services/payroll/README.md)"),
                         identity: Identity = Depends(current_identity)) -> Any:
        """One paycheck with the pay-run engine, taxes from the tax service: payroll:read or payroll:create.
        With `Accept: application/pdf` the answer is its pay stub (headed "Preview") as PDF."""
        if wants_pdf(request):
            return pdf_response(container, paychecks.preview_stub(body, identity, tax=container.tax))
        return paychecks.preview_paycheck(body, identity, tax=container.tax).to_dict()

    @app.post("/api/payroll/v1/paychecks:preview-stub", tags=["paychecks"],
              responses={200: {"content": {PDF: {}}, "description": "the stub (JSON), or as PDF with "
                                                                      "Accept: application/pdf"}})
    def preview_stub(request: Request,
                     body: Any = Body(..., description='{"paycheck": <preview request>, "employer", "employee", '
                                                       '"location", "period", "ytd_before"} (README)'),
                     identity: Identity = Depends(current_identity)) -> Any:
        """The pay stub of a previewed paycheck, JSON or PDF: payroll:read or payroll:create."""
        stub = paychecks.preview_stub(body, identity, tax=container.tax)
        return pdf_response(container, stub) if wants_pdf(request) else stub.to_dict()
