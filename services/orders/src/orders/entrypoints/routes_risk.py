"""Risk review REST routes under /api/orders/v1/risk: the review queue (orders:review_risk: managers
and admins) and the tenant's rule settings (read: orders:review_risk; change: settings:update)."""
from __future__ import annotations

from typing import Any, Literal

from chassis.http import require
from chassis.identity import Identity
from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, Field

from orders.bootstrap import OrdersContainer
from orders.entrypoints.routes_checks import MAX_VERSION, expected_version
from orders.service_layer import risk
from orders.service_layer.risk_views import case_to_json, rules_to_json

PREFIX = "/api/orders/v1/risk"
REVIEW = "orders:review_risk"


class DecisionBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="why the case is confirmed or dismissed")
    version: int | None = Field(None, ge=1, le=MAX_VERSION, description="the case version read; stale: 412")


class SettingsBody(BaseModel):
    settings: dict[str, Any] = Field(description="overrides of the default rules (GET shows the shape): "
                                                 '{"flag_threshold": 60, "rules": {"voids_per_shift": {"max_count": 3}}}')
    version: int | None = Field(None, ge=0, le=MAX_VERSION, description="the settings version read (0: none yet)")


def risk_router(container: OrdersContainer) -> APIRouter:
    uow = container.uow
    router = APIRouter(tags=["risk"])
    if_match_header = Header(None, alias="If-Match", max_length=40, description='the version read ("3")')

    def with_etag(case, response: Response) -> dict:
        response.headers["ETag"] = f'"{case.version}"'
        return case_to_json(case)

    @router.get(PREFIX + "/reviews")
    def review_queue(status: str = Query("open", max_length=20, description="open | confirmed | dismissed | all"),
                     location_id: str | None = Query(None, max_length=64),
                     limit: int = Query(50, ge=1, le=risk.MAX_PAGE), cursor: str | None = Query(None, max_length=200),
                     identity: Identity = Depends(require(REVIEW))) -> dict:
        """Flagged cases (an order, a staff member's shift, a card on a day), newest flag first."""
        page = risk.list_cases(uow, identity, status=status, location_id=location_id, limit=limit, cursor=cursor)
        return {"reviews": [case_to_json(case) for case in page.cases], "next_cursor": page.next_cursor}

    @router.get(PREFIX + "/reviews/{case_id}")
    def review(case_id: str, response: Response, identity: Identity = Depends(require(REVIEW))) -> dict:
        return with_etag(risk.get_case(uow, identity, case_id), response)

    @router.post(PREFIX + "/reviews/{case_id}/{decision}")
    def decide(case_id: str, decision: Literal["confirm", "dismiss"], body: DecisionBody, response: Response,
               identity: Identity = Depends(require(REVIEW)), if_match: str | None = if_match_header) -> dict:
        """Confirm or dismiss an open case, with a reason (409 once decided); RiskReviewResolved."""
        case = risk.resolve_case(uow, identity, case_id, decision, body.reason,
                                 expected_version=expected_version(if_match, body.version), clock=container.clock)
        return with_etag(case, response)

    @router.get(PREFIX + "/settings")
    def read_settings(identity: Identity = Depends(require(REVIEW))) -> dict:
        """The tenant's overrides, their version, and the rules in effect (defaults + overrides)."""
        overrides, version, rules = risk.get_settings(uow, identity)
        return {"settings": overrides, "version": version, "effective": rules_to_json(rules)}

    @router.put(PREFIX + "/settings")
    def write_settings(body: SettingsBody, identity: Identity = Depends(require("settings:update")),
                       if_match: str | None = if_match_header) -> dict:
        """Replaces the tenant's overrides (422 naming the first bad field, e.g. rules.voids_per_shift.max_count)."""
        overrides, version, rules = risk.put_settings(uow, identity, body.settings,
                                                      expected_version=expected_version(if_match, body.version),
                                                      clock=container.clock)
        return {"settings": overrides, "version": version, "effective": rules_to_json(rules)}

    return router
