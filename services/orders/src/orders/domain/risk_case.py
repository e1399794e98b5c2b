"""A risk case (a review item): everything the rules found against one subject (an order, a staff
member's shift, a card on a business day), its score, and what a manager decided.

    watching --(score reaches the threshold)--> open (flagged: in the review queue)
    open --confirm(reason)--> confirmed          open --dismiss(reason)--> dismissed

A rule scores once per evidence in a case (`Hit.evidence`), so a redelivered or repeated step adds
nothing. A resolved case still records later hits (the history stays whole) but is not flagged again.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from chassis.errors import Conflict, DomainError, InvalidInput

from orders.domain.risk import ORDER, Hit, Subject

WATCHING, OPEN, CONFIRMED, DISMISSED = "watching", "open", "confirmed", "dismissed"
CASE_STATUSES = (WATCHING, OPEN, CONFIRMED, DISMISSED)
DECISIONS = {"confirm": CONFIRMED, "dismiss": DISMISSED}
MAX_REASON = 1000


class StaleCase(DomainError):
    """The caller's version of the case is not the current one: 412."""

    http_status = 412
    grpc_code = "FAILED_PRECONDITION"


@dataclass
class RiskCase:
    case_id: uuid.UUID
    tenant_id: uuid.UUID
    location_id: uuid.UUID
    subject: Subject
    opened_at: datetime
    order_id: uuid.UUID | None = None  # the order of an order case
    staff_id: uuid.UUID | None = None  # the staff member of a shift case
    hits: list[Hit] = field(default_factory=list)
    status: str = WATCHING
    held: bool = False
    flagged_at: datetime | None = None
    resolved_by: str = ""
    resolution_reason: str = ""
    resolved_at: datetime | None = None
    version: int = 1

    @classmethod
    def start(cls, *, tenant_id: uuid.UUID, location_id: uuid.UUID, subject: Subject, at: datetime,
              new_id: Callable[[], uuid.UUID], staff_id: uuid.UUID | None = None) -> RiskCase:
        order_id = uuid.UUID(subject.key) if subject.kind == ORDER else None
        return cls(new_id(), tenant_id, location_id, subject, at, order_id=order_id, staff_id=staff_id)

    @property
    def score(self) -> int:
        return sum(hit.score for hit in self.hits)

    @property
    def resolved(self) -> bool:
        return self.status in (CONFIRMED, DISMISSED)

    def add(self, hits: list[Hit], *, threshold: int, hold: bool, at: datetime) -> tuple[list[Hit], bool]:
        """Records the hits not seen before; answers (those hits, whether this flagged the case)."""
        seen = {(hit.rule, hit.evidence) for hit in self.hits}
        new = [hit for hit in hits if (hit.rule, hit.evidence) not in seen]
        if not new:
            return [], False
        self.hits.extend(new)
        self.version += 1
        if self.status == WATCHING and self.score >= threshold:
            self.status, self.flagged_at = OPEN, at
            self.held = hold and self.order_id is not None  # only an order can be held
            return new, True
        return new, False

    def resolve(self, decision: str, *, reason: str, actor_id: str, at: datetime,
                expected_version: int | None = None) -> None:
        """A manager's decision on a flagged case, with a reason."""
        if decision not in DECISIONS:
            raise InvalidInput("must be confirm or dismiss", field="decision")
        if expected_version is not None and expected_version != self.version:
            raise StaleCase(f"the case is at version {self.version}, not {expected_version}; read it again",
                            field="version")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("a decision needs a reason", field="reason")
        if len(reason) > MAX_REASON or "\x00" in reason:
            raise InvalidInput(f"at most {MAX_REASON} characters, no NUL", field="reason")
        if self.status != OPEN:
            raise Conflict(f"the case is {self.status}: only an open (flagged) case can be decided", field="status")
        self.status, self.held = DECISIONS[decision], False
        self.resolved_by, self.resolution_reason, self.resolved_at = actor_id, reason, at
        self.version += 1
