"""The risk rules engine (pure): what one observed step of a check scores, and why.

The consumer turns each orders.order.v1 event into an `Observation` (a void, the discounts on a
check, a payment, a refund, the close, an edit) and the service layer gathers the `Facts` the rules
need from what was observed before (voids of the staff member in this shift, what the order was
paid, uses of the card, the location's usual total). `evaluate` then answers the rules' `Hit`s,
each with a score, a reason and the case it counts against (`Subject`): the order, the staff member's
shift, or the card on a business day. Same facts, same hits: no clock, no I/O.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from orders.domain.risk_rules import RiskRules, Shift

# Observation kinds.
VOID_ORDER, VOID_LINE, CANCEL, DISCOUNTS, PAYMENT, PAID, REFUND, REFUND_REFUSED, CLOSE, EDIT = (
    "void_order", "void_line", "cancel", "discounts", "payment", "paid", "refund", "refund_refused", "close", "edit")
# The check's total is final once paid in full or closed: judged against the location's usual then.
FINAL_TOTAL = frozenset({PAID, CLOSE})
VOIDS = frozenset({VOID_ORDER, VOID_LINE})  # counted per staff member and shift
TAKEN_BACK = VOIDS | {CANCEL}  # after a payment, any of these is suspect
# Subject kinds: what a case (a review item) is about.
ORDER, STAFF_SHIFT, CARD = "order", "staff_shift", "card"
NIL = uuid.UUID(int=0)  # a POS order's server: nobody of ours rang it up


@dataclass(frozen=True)
class ShiftKey:
    """A shift on a business day: `2026-03-14/night` (a night shift belongs to the day it starts)."""

    business_date: date
    name: str

    def __str__(self) -> str:
        return f"{self.business_date.isoformat()}/{self.name}"


@dataclass(frozen=True)
class Observation:
    kind: str
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    order_id: uuid.UUID
    staff_id: uuid.UUID  # the check's server: voids and discounts count against whose check it is
    actor_id: str
    at: datetime
    amount_cents: int = 0  # the void's, the payment's or the refund's amount; the order total for CLOSE
    card_ref: str = ""  # a card payment's card reference (never a card number)
    order_total_cents: int = 0
    gross_cents: int = 0  # DISCOUNTS: the active lines before discounts
    discount_cents: int = 0  # DISCOUNTS: their discounts
    discounted_lines: int = 0  # DISCOUNTS: lines newly discounted by this step
    line_id: str = ""


@dataclass(frozen=True)
class Facts:
    """What was observed before (and including) this step, as the rules need it."""

    shift: ShiftKey
    shift_voids: int = 0  # voids of the staff member's checks in the shift, this one included
    shift_discounts: int = 0  # discounted lines of the staff member's checks in the shift, these included
    paid_cents: int = 0  # recorded payments of the order before this step
    refunded_cents: int = 0  # its refunds before this step
    closed: bool = False  # the order was closed before this step
    card_uses: int = 0  # payments with this card in the window, this one included
    usual_total_cents: int | None = None  # the location's mean order total over the trailing days
    usual_orders: int = 0  # how many orders that mean is over


@dataclass(frozen=True)
class Subject:
    kind: str
    key: str


@dataclass(frozen=True)
class Hit:
    rule: str
    score: int
    reason: str
    subject: Subject
    evidence: str  # one rule scores once per evidence in a case (a redelivery or a repeat adds nothing)
    order_id: uuid.UUID | None = None
    at: datetime | None = None


def shift_of(at: datetime, time_zone: str, shifts: tuple[Shift, ...]) -> ShiftKey:
    """The shift `at` falls in, on the location's wall clock. A shift whose end is not after its start
    crosses midnight and belongs to the day it starts (a night shift 16:00-05:00 covers 01:30 of the
    next day). Outside every shift (or with none): the whole local day, named `day`."""
    local = at.astimezone(ZoneInfo(time_zone))
    clock = local.time().replace(tzinfo=None)
    for shift in shifts:
        if shift.start < shift.end:
            if shift.start <= clock < shift.end:
                return ShiftKey(local.date(), shift.name)
        elif clock >= shift.start:
            return ShiftKey(local.date(), shift.name)
        elif clock < shift.end:
            return ShiftKey(local.date() - timedelta(days=1), shift.name)
    return ShiftKey(local.date(), "day")


def evaluate(observation: Observation, facts: Facts, rules: RiskRules) -> list[Hit]:
    """Every rule that fires on this step, in the rules' order."""
    hits: list[Hit] = []
    for check in _CHECKS:
        hit = check(observation, facts, rules)
        if hit is not None:
            hits.append(hit)
    return hits


def _order(observation: Observation) -> Subject:
    return Subject(ORDER, str(observation.order_id))


def _staff_shift(observation: Observation, facts: Facts) -> Subject:
    return Subject(STAFF_SHIFT, f"{observation.staff_id}/{facts.shift}")


def _hit(observation: Observation, rule: str, score: int, reason: str, subject: Subject, evidence: str) -> Hit:
    return Hit(rule, score, reason, subject, evidence, observation.order_id, observation.at)


def _voids_per_shift(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("voids_per_shift")
    if rule is None or observation.kind not in VOIDS or observation.staff_id == NIL:
        return None
    limit = rule.param("max_count")
    if facts.shift_voids <= limit:
        return None
    return _hit(observation, rule.code, rule.score,
                f"{facts.shift_voids} voids on this staff member's checks in shift {facts.shift} (more than {limit})",
                _staff_shift(observation, facts), f"more than {limit}")


def _discounts_per_shift(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("discounts_per_shift")
    if (rule is None or observation.kind != DISCOUNTS or not observation.discounted_lines
            or observation.staff_id == NIL):
        return None
    limit = rule.param("max_count")
    if facts.shift_discounts <= limit:
        return None
    return _hit(observation, rule.code, rule.score,
                f"{facts.shift_discounts} discounted lines on this staff member's checks in shift {facts.shift} "
                f"(more than {limit})", _staff_shift(observation, facts), f"more than {limit}")


def discount_percent(discount_cents: int, gross_cents: int) -> Decimal:
    """The share of the check given away, in percent, 2 decimals (0 for an empty check)."""
    if gross_cents <= 0:
        return Decimal(0)
    return (Decimal(discount_cents) * 100 / Decimal(gross_cents)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _discount_percent(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("discount_percent")
    if rule is None or observation.kind != DISCOUNTS:
        return None
    percent, limit = discount_percent(observation.discount_cents, observation.gross_cents), rule.param("max_percent")
    if percent <= limit:
        return None
    return _hit(observation, rule.code, rule.score,
                f"{percent}% of the check discounted ({observation.discount_cents} of {observation.gross_cents} cents;"
                f" more than {limit}%)", _order(observation), "discount share")


def _void_after_payment(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("void_after_payment")
    kept = facts.paid_cents - facts.refunded_cents
    if rule is None or observation.kind not in TAKEN_BACK or kept <= 0:
        return None
    what = {VOID_ORDER: "the check voided", CANCEL: "the check cancelled"}.get(observation.kind, "a line voided")
    return _hit(observation, rule.code, rule.score,
                f"{what} after {kept} cents were paid and not refunded (by {observation.actor_id})",
                _order(observation), f"{observation.kind} {observation.line_id}".strip())


def _refund_over_paid(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("refund_over_paid")
    if rule is None or observation.kind not in (REFUND, REFUND_REFUSED):
        return None
    left = facts.paid_cents - facts.refunded_cents
    if observation.amount_cents <= left:
        return None
    outcome = "refused" if observation.kind == REFUND_REFUSED else "recorded"
    return _hit(observation, rule.code, rule.score,
                f"a refund of {observation.amount_cents} cents asked with {left} cents paid and not refunded "
                f"({outcome}; by {observation.actor_id})", _order(observation),
                f"{observation.amount_cents} at {observation.at.isoformat()}")


def _order_total_outlier(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("order_total_outlier")
    if (rule is None or observation.kind not in FINAL_TOTAL or facts.usual_total_cents is None
            or facts.usual_orders < rule.param("min_orders") or facts.usual_total_cents <= 0):
        return None
    multiple = rule.param("multiple")
    if Decimal(observation.order_total_cents) <= multiple * facts.usual_total_cents:
        return None
    return _hit(observation, rule.code, rule.score,
                f"total {observation.order_total_cents} cents is more than {multiple} times the location's usual "
                f"{facts.usual_total_cents} cents (mean of {facts.usual_orders} orders, last "
                f"{rule.param('days')} days)", _order(observation), "total")


def _card_velocity(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("card_velocity")
    if rule is None or observation.kind != PAYMENT or not observation.card_ref:
        return None
    limit = rule.param("max_uses")
    if facts.card_uses <= limit:
        return None
    return _hit(observation, rule.code, rule.score,
                f"card {observation.card_ref} used {facts.card_uses} times within {rule.param('window_minutes')} "
                f"minutes (more than {limit})",
                Subject(CARD, f"{observation.card_ref}/{facts.shift.business_date.isoformat()}"), f"more than {limit}")


def _edited_after_close(observation: Observation, facts: Facts, rules: RiskRules) -> Hit | None:
    rule = rules.rule("edited_after_close")
    if rule is None or not facts.closed or observation.kind not in (EDIT, VOID_ORDER, VOID_LINE, DISCOUNTS):
        return None
    return _hit(observation, rule.code, rule.score,
                f"the check was changed after it was closed ({observation.kind}, by {observation.actor_id})",
                _order(observation), f"{observation.kind} at {observation.at.isoformat()}")


_CHECKS = (_voids_per_shift, _discounts_per_shift, _discount_percent, _void_after_payment, _refund_over_paid,
           _order_total_outlier, _card_velocity, _edited_after_close)
