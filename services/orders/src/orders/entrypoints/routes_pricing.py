"""Pricing REST routes: rules (managers and admins) and quotes, under /api/orders/v1."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from chassis.errors import InvalidInput
from chassis.http import require
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, Field, StrictBool, StrictInt

from orders.bootstrap import OrdersContainer
from orders.domain.pricing import MAX_CENTS, BasketLine, RuleInput, build_manager_discount
from orders.service_layer import pricing
from orders.service_layer.pricing_views import quote_to_json, rule_to_json

PREFIX = "/api/orders/v1"
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


class RuleBody(BaseModel):
    """A pricing rule. The engine's semantics are in services/orders/README.md (Pricing)."""

    name: str = Field(max_length=200)
    effect: dict[str, Any] = Field(description='{"type": "percent_off", "percent": "20"} | {"type": "amount_off", '
                                               '"amount_cents": 100} | {"type": "fixed_price", "unit_price_cents": 500}'
                                               ' | {"type": "buy_x_get_y", "buy": 2, "get": 1, "percent": "100"}')
    location_id: str | None = Field(None, description="none: every location of the tenant")
    target: dict[str, Any] | None = Field(None, description='{"item_ids": [], "categories": [], "tags": []}; '
                                                            'empty: the whole basket')
    windows: list[dict[str, Any]] = Field(default_factory=list, max_length=20,
                                          description='[{"days": ["mon", "fri"], "start": "16:00", "end": "18:00"}] in '
                                                      "the location's time zone; none: all day, every day")
    min_quantity: StrictInt = 1
    starts_on: str | None = Field(None, description="YYYY-MM-DD, local, inclusive")
    ends_on: str | None = Field(None, description="YYYY-MM-DD, local, inclusive")
    priority: StrictInt = Field(0, description="higher applies first; ties by rule id")
    exclusive: StrictBool = Field(False, description="on its lines, no other rule applies")
    active: StrictBool = True

    def to_input(self) -> RuleInput:
        return RuleInput(name=self.name, effect=self.effect, location_id=self.location_id, target=self.target,
                         windows=self.windows, min_quantity=self.min_quantity, starts_on=self.starts_on,
                         ends_on=self.ends_on, priority=self.priority, exclusive=self.exclusive, active=self.active)


class RuleUpdateBody(RuleBody):
    version: StrictInt | None = Field(None, description="the version edited (or send If-Match); stale: 412")


class QuoteLineBody(BaseModel):
    line_ref: str | None = Field(None, min_length=1, max_length=100, description="defaults to the line's index")
    item_id: str | None = Field(None, max_length=200)
    name: str = Field("", max_length=200)
    category: str = Field("", max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=50)
    quantity: int = Field(gt=0, le=10_000)
    unit_price_cents: int = Field(ge=0, le=MAX_CENTS)


class QuoteBody(BaseModel):
    location_id: str
    at: datetime | None = Field(None, description="the instant to price at, with its offset; default now")
    lines: list[QuoteLineBody] = Field(min_length=1, max_length=500)
    manager_discounts: list[dict[str, Any]] = Field(
        default_factory=list, max_length=20,
        description='[{"reason": "...", "percent": "10" | "amount_cents": 500, "line_ref": "optional"}]; '
                    "needs orders:discount")


def pricing_router(container: OrdersContainer) -> APIRouter:
    uow = container.uow
    router = APIRouter(prefix=PREFIX, tags=["pricing"])

    @router.post("/pricing-rules", status_code=201)
    def create_rule(body: RuleBody, identity: Identity = Depends(require("orders:update"))) -> dict:
        refuse_surrogates(body.model_dump())
        return rule_to_json(pricing.create_rule(uow, identity, body.to_input(), new_id=container.new_id))

    @router.get("/pricing-rules")
    def list_rules(location_id: str | None = Query(None, max_length=64, description="rules that apply there"),
                   include_inactive: bool = True, identity: Identity = Depends(require("orders:read"))) -> dict:
        rules = pricing.list_rules(uow, identity, location_id, include_inactive)
        return {"rules": [rule_to_json(rule) for rule in rules]}

    @router.get("/pricing-rules/{rule_id}")
    def read_rule(rule_id: str, identity: Identity = Depends(require("orders:read"))) -> dict:
        return rule_to_json(pricing.get_rule(uow, identity, rule_id))

    @router.put("/pricing-rules/{rule_id}")
    def update_rule(rule_id: str, body: RuleUpdateBody, identity: Identity = Depends(require("orders:update")),
                    if_match: str | None = Header(None, max_length=64)) -> dict:
        """Replaces the rule. The version edited comes in `version` or `If-Match`; a stale one is 412."""
        refuse_surrogates(body.model_dump())
        return rule_to_json(pricing.update_rule(uow, identity, rule_id, body.to_input(),
                                                _version(body.version, if_match)))

    @router.post("/pricing-rules/{rule_id}/deactivate")
    def deactivate_rule(rule_id: str, identity: Identity = Depends(require("orders:update"))) -> dict:
        return rule_to_json(pricing.deactivate_rule(uow, identity, rule_id))

    @router.delete("/pricing-rules/{rule_id}", status_code=204)
    def delete_rule(rule_id: str, identity: Identity = Depends(require("orders:update"))) -> Response:
        pricing.delete_rule(uow, identity, rule_id, clock=container.clock)
        return Response(status_code=204)

    @router.post("/quotes")
    def quote(body: QuoteBody, identity: Identity = Depends(require("orders:create"))) -> dict:
        """Prices a basket without placing it: each line with the rules (and manager discounts) that
        took how much off it."""
        refuse_surrogates(body.model_dump(mode="json"))
        lines = [BasketLine(line.line_ref or str(index), line.quantity, line.unit_price_cents, line.item_id,
                            line.name, line.category, frozenset(line.tags)) for index, line in enumerate(body.lines)]
        manual = [build_manager_discount(data, f"manager_discounts[{index}]")
                  for index, data in enumerate(body.manager_discounts)]
        result = pricing.quote(uow, identity, body.location_id, lines, body.at, time_zones=container.time_zones,
                               clock=container.clock, manager_discounts=manual)
        return quote_to_json(body.location_id, result)

    return router


def refuse_surrogates(value: object, path: str = "") -> None:
    """JSON may carry a lone UTF-16 surrogate ("\\ud800"); UTF-8, PostgreSQL and our own JSON answers
    cannot. Refused up front as 422 naming where it is (the parent, when it is in a key)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput("is not valid Unicode text (a lone surrogate)", field=path or "body") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_surrogates(key, path)
            refuse_surrogates(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_surrogates(item, f"{path}[{index}]")


def _version(body_version: int | None, if_match: str | None) -> int:
    if if_match is not None:
        match = _ETAG.match(if_match)
        if not match:
            raise InvalidInput('must be the rule\'s version, e.g. "3"', field="If-Match")
        if body_version is not None and body_version != int(match[1]):
            raise InvalidInput("differs from If-Match", field="version")
        return int(match[1])
    if body_version is None:
        raise InvalidInput("send the version you edited (or If-Match)", field="version")
    return body_version
