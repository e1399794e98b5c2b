"""Risk cases and rule settings as the REST API shows them."""
from __future__ import annotations

from decimal import Decimal

from orders.domain.risk import Hit
from orders.domain.risk_case import RiskCase
from orders.domain.risk_rules import RiskRules


def _at(value) -> str | None:
    return None if value is None else value.isoformat()


def hit_to_json(hit: Hit) -> dict:
    return {"rule": hit.rule, "score": hit.score, "reason": hit.reason, "order_id": str(hit.order_id or "") or None,
            "at": _at(hit.at)}


def case_to_json(case: RiskCase) -> dict:
    return {"case_id": str(case.case_id), "location_id": str(case.location_id), "subject_kind": case.subject.kind,
            "subject_key": case.subject.key, "order_id": str(case.order_id) if case.order_id else None,
            "staff_id": str(case.staff_id) if case.staff_id else None, "status": case.status, "score": case.score,
            "held": case.held, "hits": [hit_to_json(hit) for hit in case.hits], "opened_at": _at(case.opened_at),
            "flagged_at": _at(case.flagged_at), "resolved_by": case.resolved_by or None,
            "resolution_reason": case.resolution_reason or None, "resolved_at": _at(case.resolved_at),
            "version": case.version}


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def rules_to_json(rules: RiskRules) -> dict:
    return {"version": rules.version, "flag_threshold": rules.flag_threshold,
            "hold_flagged_orders": rules.hold_flagged_orders,
            "shifts": [{"name": s.name, "start": s.start.strftime("%H:%M"), "end": s.end.strftime("%H:%M")}
                       for s in rules.shifts],
            "rules": {code: {"enabled": rule.enabled, "score": rule.score,
                             **{name: _plain(value) for name, value in rule.params.items()}}
                      for code, rule in rules.rules.items()}}
