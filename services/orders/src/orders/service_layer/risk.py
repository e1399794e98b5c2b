"""Risk review use cases: judge one observed step (the consumer calls `judge` inside its unit of
work), the review queue (list, read, confirm, dismiss) and the tenant's rule settings.

Judging, in the consumer's transaction (which also records the event id, so a redelivery judges nothing):
record the observation, gather the facts the rules count (`Facts`), run the rules (`evaluate`), add
the hits to each subject's case, and stage `RiskFlagRaised` on orders.risk.v1 for a case whose score
just reached the tenant's threshold.
"""
from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auraconnect.orders.v1 import risk_events_pb2
from chassis.errors import InvalidInput, NotFound
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain.risk import (
    CARD,
    EDIT,
    FINAL_TOTAL,
    NIL,
    ORDER,
    PAYMENT,
    Facts,
    Hit,
    Observation,
    Subject,
    evaluate,
    shift_of,
)
from orders.domain.risk_case import CASE_STATUSES, CONFIRMED, DISMISSED, OPEN, WATCHING, RiskCase, StaleCase
from orders.domain.risk_rules import RiskRules, check_overrides, effective_rules

TOPIC = "orders.risk.v1"
MAX_PAGE = 200
DECISION_PROTO = {CONFIRMED: risk_events_pb2.RISK_DECISION_CONFIRMED, DISMISSED: risk_events_pb2.RISK_DECISION_DISMISSED}


# ---------------------------------------------------------------- judging (the consumer)
def judge(u: UnitOfWork, observation: Observation, *, time_zone: str, at: datetime,
          new_id: Callable[[], uuid.UUID]) -> list[RiskCase]:
    """Records the step and scores it; answers the cases this step flagged."""
    overrides, _ = u.risk.settings(observation.tenant_id)
    rules = effective_rules(overrides)
    shift = shift_of(observation.at, time_zone, rules.shifts)
    observation_id = new_id()
    if observation.kind != EDIT:  # no rule counts plain edits (the busiest kind): judged, not stored
        u.risk.observe(observation_id, observation, shift)
    facts = _facts(u, observation, observation_id, shift, rules)
    hits = evaluate(observation, facts, rules)
    flagged = []
    for subject, subject_hits in _by_subject(hits).items():
        case = u.risk.case_for(observation.tenant_id, subject)
        created = case is None
        if created:
            staff = observation.staff_id if subject.kind not in (ORDER, CARD) else None
            case = RiskCase.start(tenant_id=observation.tenant_id, location_id=observation.location_id,
                                  subject=subject, at=at, new_id=new_id, staff_id=staff)
        _, newly_flagged = case.add(subject_hits, threshold=rules.flag_threshold, hold=rules.hold_flagged_orders,
                                    at=at)
        if created:
            u.risk.add(case)
        if newly_flagged:
            u.add_event(TOPIC, str(case.case_id), flag_raised(case, rules))
            flagged.append(case)
    return flagged


def _facts(u: UnitOfWork, observation: Observation, observation_id: uuid.UUID, shift, rules: RiskRules) -> Facts:
    voids = discounts = 0
    if observation.staff_id != NIL:
        voids, discounts = u.risk.shift_counts(observation.tenant_id, observation.staff_id, shift)
    paid, refunded, closed = u.risk.order_money(observation.tenant_id, observation.order_id, observation_id)
    card_uses = 0
    velocity = rules.rule("card_velocity")
    if observation.kind == PAYMENT and observation.card_ref and velocity is not None:
        window = timedelta(minutes=velocity.param("window_minutes"))
        card_uses = u.risk.card_uses(observation.tenant_id, observation.card_ref, observation.at - window,
                                     observation.at)
    usual, usual_orders = None, 0
    outlier = rules.rule("order_total_outlier")
    if observation.kind in FINAL_TOTAL and outlier is not None:
        usual, usual_orders = u.risk.usual_total(observation.tenant_id, observation.location_id, observation.at,
                                                 outlier.param("days"), observation.order_id)
    return Facts(shift, voids, discounts, paid, refunded, closed, card_uses, usual, usual_orders)


def _by_subject(hits: list[Hit]) -> dict[Subject, list[Hit]]:
    grouped: dict[Subject, list[Hit]] = {}
    for hit in hits:
        grouped.setdefault(hit.subject, []).append(hit)
    return grouped


# ---------------------------------------------------------------- the review queue (managers)
@dataclass(frozen=True)
class CasePage:
    cases: list[RiskCase]
    next_cursor: str | None


def list_cases(uow: UnitOfWorkFactory, identity: Identity, *, status: str = OPEN, location_id: str | None = None,
               limit: int = 50, cursor: str | None = None) -> CasePage:
    """Flagged cases the caller may see (their locations), newest flag first. `status` is open (the
    queue), confirmed, dismissed or all."""
    if status == "all":
        statuses = tuple(s for s in CASE_STATUSES if s != WATCHING)
    elif status in CASE_STATUSES and status != WATCHING:
        statuses = (status,)
    else:
        raise InvalidInput("must be open, confirmed, dismissed or all", field="status")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"must be between 1 and {MAX_PAGE}", field="limit")
    locations = _visible_locations(identity, location_id)
    after = _decode_cursor(cursor) if cursor else None
    with uow() as u:
        found = u.risk.queue(identity.tenant_uuid, statuses, locations, after, limit + 1)
    page, more = found[:limit], len(found) > limit
    return CasePage(page, _encode_cursor(page[-1]) if more and page else None)


def get_case(uow: UnitOfWorkFactory, identity: Identity, case_id: str) -> RiskCase:
    with uow() as u:
        return _visible_case(u, identity, case_id, for_update=False)


def resolve_case(uow: UnitOfWorkFactory, identity: Identity, case_id: str, decision: str, reason: str, *,
                 expected_version: int | None, clock: Callable[[], datetime]) -> RiskCase:
    """Confirm or dismiss a flagged case (with a reason); stages RiskReviewResolved."""
    with uow() as u:
        case = _visible_case(u, identity, case_id, for_update=True)
        case.resolve(decision, reason=reason, actor_id=identity.subject, at=clock(),
                     expected_version=expected_version)
        u.add_event(TOPIC, str(case.case_id), review_resolved(case))
        u.commit()
        return case


def order_held(uow: UnitOfWork, tenant_id: uuid.UUID, order_id: uuid.UUID) -> bool:
    """A flagged order the tenant holds until a manager decides (inside the caller's unit of work)."""
    return uow.risk.held(tenant_id, order_id)


# ---------------------------------------------------------------- settings
def get_settings(uow: UnitOfWorkFactory, identity: Identity) -> tuple[dict, int, RiskRules]:
    """(the tenant's overrides, their version, the rules in effect)."""
    with uow() as u:
        overrides, version = u.risk.settings(identity.tenant_uuid)
    return overrides, version, effective_rules(overrides)


def put_settings(uow: UnitOfWorkFactory, identity: Identity, overrides: object, *, expected_version: int | None,
                 clock: Callable[[], datetime]) -> tuple[dict, int, RiskRules]:
    """Replaces the tenant's overrides (checked whole: 422 naming the first bad field). A stale
    `version` is 412; 0 means "I saw none"."""
    document = check_overrides(overrides)
    with uow() as u:
        _, current = u.risk.settings(identity.tenant_uuid)
        if expected_version is not None and expected_version != current:
            raise StaleCase(f"the settings are at version {current}, not {expected_version}", field="version")
        version = u.risk.save_settings(identity.tenant_uuid, document, identity.subject, clock())
        u.commit()
    return document, version, effective_rules(document)


# ---------------------------------------------------------------- events
def _hits_proto(hits: list[Hit]) -> list[risk_events_pb2.RiskHit]:
    return [risk_events_pb2.RiskHit(rule=hit.rule, score=hit.score, reason=hit.reason,
                                    order_id=str(hit.order_id or ""), at=to_timestamp(hit.at) if hit.at else None)
            for hit in hits]


def flag_raised(case: RiskCase, rules: RiskRules) -> risk_events_pb2.RiskFlagRaised:
    return risk_events_pb2.RiskFlagRaised(
        tenant_id=str(case.tenant_id), case_id=str(case.case_id), location_id=str(case.location_id),
        subject_kind=case.subject.kind, subject_key=case.subject.key, order_id=str(case.order_id or ""),
        staff_id=str(case.staff_id or ""), score=case.score, threshold=rules.flag_threshold,
        hits=_hits_proto(case.hits), held=case.held, flagged_at=to_timestamp(case.flagged_at),
        rules_version=rules.version)


def review_resolved(case: RiskCase) -> risk_events_pb2.RiskReviewResolved:
    return risk_events_pb2.RiskReviewResolved(
        tenant_id=str(case.tenant_id), case_id=str(case.case_id), location_id=str(case.location_id),
        subject_kind=case.subject.kind, subject_key=case.subject.key, order_id=str(case.order_id or ""),
        staff_id=str(case.staff_id or ""),
        decision=DECISION_PROTO.get(case.status, risk_events_pb2.RISK_DECISION_UNSPECIFIED),
        reason=case.resolution_reason, actor_id=case.resolved_by, resolved_at=to_timestamp(case.resolved_at),
        score=case.score)


# ---------------------------------------------------------------- internals
def _visible_locations(identity: Identity, location_id: str | None) -> list[uuid.UUID] | None:
    if location_id is not None:
        location = parse_uuid(location_id, "location_id")
        if not identity.may_access_location(str(location)):
            raise NotFound("no such location", field="location_id")
        return [location]
    if identity.location_ids:
        return [parse_uuid(x, "location_ids") for x in identity.location_ids]
    return None


def _visible_case(u: UnitOfWork, identity: Identity, case_id: str, *, for_update: bool) -> RiskCase:
    case = u.risk.get(identity.tenant_uuid, parse_uuid(case_id, "case_id"), for_update=for_update)
    if case is None or case.flagged_at is None or not identity.may_access_location(str(case.location_id)):
        raise NotFound("no such risk case", field="case_id")
    return case


def _encode_cursor(case: RiskCase) -> str:
    raw = f"{case.flagged_at.isoformat()}|{case.case_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, case_id = raw.partition("|")
        flagged_at = datetime.fromisoformat(at)
        if flagged_at.tzinfo is None:
            raise ValueError("naive")
        return flagged_at, uuid.UUID(case_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("not a cursor this API gave out", field="cursor") from None
