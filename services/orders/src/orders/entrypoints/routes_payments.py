"""REST for a check's money under /api/orders/v1/orders/{order_id}: payments, splits, refunds.
Creating POSTs take an `Idempotency-Key` (Stripe's semantics, as the check routes)."""
from __future__ import annotations

from typing import Literal

from chassis.http import require_any
from chassis.identity import Identity
from chassis.validation import parse_uuid
from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from orders.bootstrap import OrdersContainer
from orders.domain.idempotency import MAX_KEY
from orders.domain.payments import MAX_CENTS, TENDERS, PaymentRequest
from orders.entrypoints.routes_checks import PREFIX, WRITE
from orders.service_layer import payments
from orders.service_layer.checks import Idempotency, Outcome
from orders.service_layer.payments import SplitRequest


class PaymentBody(BaseModel):
    """cash: `tendered_cents` (handed over; change is the rest), card: `card_brand`, `card_last4`,
    `processor_reference` (never the card number), gift_card: `processor_reference`, external:
    `external_reference`. `amount_cents` defaults to what the check (or the split part) owes.
    Unknown fields are refused (a `card_number` never gets in, not even to be ignored)."""

    model_config = ConfigDict(extra="forbid")

    tender: Literal[TENDERS]  # type: ignore[valid-type]
    amount_cents: int | None = Field(None, ge=1, le=MAX_CENTS)
    tip_cents: int = Field(0, ge=0, le=MAX_CENTS)
    tendered_cents: int | None = Field(None, ge=0, le=MAX_CENTS)
    card_brand: str = Field("", max_length=20)
    card_last4: str = Field("", max_length=19)
    processor_reference: str = Field("", max_length=120)
    external_reference: str = Field("", max_length=120)
    split_id: str | None = Field(None, max_length=64)

    def request(self) -> PaymentRequest:
        return PaymentRequest(self.tender, self.amount_cents, self.tip_cents, self.tendered_cents, self.card_brand,
                              self.card_last4, self.processor_reference, self.external_reference,
                              parse_uuid(self.split_id, "split_id") if self.split_id else None)


class SplitBody(BaseModel):
    by: Literal["seat", "amount", "even"]
    amounts: list[int] = Field(default_factory=list, max_length=100, description="by amount: the parts, in cents")
    ways: int = Field(0, ge=0, le=100, description="even: how many parts")


class RefundBody(BaseModel):
    payment_id: str = Field(max_length=64)
    reason: str = Field(min_length=1, max_length=1000)
    amount_cents: int | None = Field(None, ge=1, le=MAX_CENTS, description="by amount (or line_ids)")
    line_ids: list[str] = Field(default_factory=list, max_length=500, description="by line: net + tax of each")
    tip_cents: int = Field(0, ge=0, le=MAX_CENTS, description="tip given back (reversed in payroll)")


def payments_router(container: OrdersContainer) -> APIRouter:
    uow = container.uow
    router = APIRouter(tags=["payments"])
    key_header = Header(None, alias="Idempotency-Key", max_length=MAX_KEY,
                        description="a retry with the same key and body replays the first response")

    def answer(outcome: Outcome, response: Response) -> dict:
        response.status_code = outcome.status
        if outcome.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return outcome.body

    @router.get(PREFIX + "/{order_id}/payments")
    def check_money(order_id: str, identity: Identity = Depends(require_any("orders:read", *WRITE))) -> dict:
        """Total, paid, balance, tips, refunds, split parts and every payment of the check."""
        return payments.payments_of(uow, identity, order_id)

    @router.post(PREFIX + "/{order_id}/payments", status_code=201)
    def pay(order_id: str, body: PaymentBody, response: Response, identity: Identity = Depends(require_any(*WRITE)),
            idempotency_key: str | None = key_header) -> dict:
        """One payment. A check paid in full publishes OrderPaid; a served one closes."""
        key = Idempotency.of(idempotency_key, f"POST /orders/{order_id}/payments", body.model_dump())
        return answer(payments.take_payment(uow, identity, order_id, body.request(), peers=container.peers(),
                                            key=key), response)

    @router.post(PREFIX + "/{order_id}/split", status_code=201)
    def split(order_id: str, body: SplitBody, response: Response, identity: Identity = Depends(require_any(*WRITE)),
              idempotency_key: str | None = key_header) -> dict:
        """Cut the check into parts (by seat, by amount, evenly); pay each with its `split_id`."""
        key = Idempotency.of(idempotency_key, f"POST /orders/{order_id}/split", body.model_dump())
        request = SplitRequest(body.by, tuple(body.amounts), body.ways)
        return answer(payments.split_check(uow, identity, order_id, request, peers=container.peers(), key=key),
                      response)

    @router.post(PREFIX + "/{order_id}/refunds", status_code=201)
    def refund(order_id: str, body: RefundBody, response: Response,
               identity: Identity = Depends(require_any("orders:refund")),
               idempotency_key: str | None = key_header) -> dict:
        """Money back on one payment, by line or by amount, and/or its tip; never more than it took (409)."""
        key = Idempotency.of(idempotency_key, f"POST /orders/{order_id}/refunds", body.model_dump())
        return answer(payments.refund(uow, identity, order_id, body.payment_id, body.reason, peers=container.peers(),
                                      amount_cents=body.amount_cents, line_ids=body.line_ids,
                                      tip_cents=body.tip_cents, key=key), response)

    return router
