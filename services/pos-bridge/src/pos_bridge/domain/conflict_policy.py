"""The menu sync's conflict policy, as data: for each field, who wins when the POS catalog and the
AuraConnect menu disagree.

    pos     the POS's value overwrites ours (price, name: the POS rings the sale up at its price)
    aura    ours stays, the POS's value is ignored (kitchen routing: tags, prep time, course - fields
            the POS does not hold or does not route by)
    lww     last writer wins by modification time; when either side's time is unknown or both are
            equal the policy cannot decide: the field goes to the manual review queue
    review  always a person's decision (the review queue)

Pure: the menu pull (service_layer/sync.py) applies `decide` to each field of each linked item,
writes every overwrite to the audit trail and every undecided field to the review queue."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chassis.errors import InvalidInput


class Rule(StrEnum):
    POS = "pos"
    AURA = "aura"
    LWW = "lww"
    REVIEW = "review"


class Outcome(StrEnum):
    SAME = "same"            # both sides agree: nothing to do
    TAKE_POS = "take_pos"    # the POS's value overwrites ours (audited)
    KEEP_AURA = "keep_aura"  # ours stays; the POS's differing value is ignored
    REVIEW = "review"        # a person decides (the review queue)


DEFAULT_POLICY: Mapping[str, Rule] = {
    "name": Rule.POS,
    "price_cents": Rule.POS,
    "description": Rule.LWW,
    "available": Rule.LWW,
    "kitchen_tags": Rule.AURA,
    "prep_time_seconds": Rule.AURA,
    "course": Rule.AURA,
    "category": Rule.REVIEW,
}
FALLBACK = Rule.LWW   # a field the policy does not name


@dataclass(frozen=True)
class Decision:
    field: str
    outcome: Outcome
    rule: Rule
    pos_value: object
    aura_value: object
    reason: str


def parse_policy(raw: Mapping[str, str] | None) -> dict[str, Rule]:
    """A per-connection override of the default (JSON `{"field": "pos"|"aura"|"lww"|"review"}`)."""
    policy = dict(DEFAULT_POLICY)
    for field, value in (raw or {}).items():
        try:
            policy[str(field)] = Rule(value)
        except ValueError:
            raise InvalidInput("must be pos, aura, lww or review", field=f"policy.{field}") from None
    return policy


def decide(field: str, pos_value: object, aura_value: object, pos_modified_at: datetime | None,
           aura_modified_at: datetime | None, policy: Mapping[str, Rule] = DEFAULT_POLICY) -> Decision:
    """What happens to one field of one linked item."""
    rule = policy.get(field, FALLBACK)
    if pos_value == aura_value:
        return Decision(field, Outcome.SAME, rule, pos_value, aura_value, "equal")
    if rule is Rule.POS:
        return Decision(field, Outcome.TAKE_POS, rule, pos_value, aura_value, "policy: POS wins")
    if rule is Rule.AURA:
        return Decision(field, Outcome.KEEP_AURA, rule, pos_value, aura_value, "policy: AuraConnect wins")
    if rule is Rule.LWW and pos_modified_at is not None and aura_modified_at is not None \
            and pos_modified_at != aura_modified_at:
        if pos_modified_at > aura_modified_at:
            return Decision(field, Outcome.TAKE_POS, rule, pos_value, aura_value, "last writer: POS")
        return Decision(field, Outcome.KEEP_AURA, rule, pos_value, aura_value, "last writer: AuraConnect")
    reason = "policy: review" if rule is Rule.REVIEW else "last writer unknown or simultaneous"
    return Decision(field, Outcome.REVIEW, rule, pos_value, aura_value, reason)


def decide_all(pos: Mapping[str, object], aura: Mapping[str, object], pos_modified_at: datetime | None,
               aura_modified_at: datetime | None, policy: Mapping[str, Rule] = DEFAULT_POLICY) -> list[Decision]:
    """Decisions for the fields both sides hold (a field only one side has is not a conflict)."""
    return [decide(f, pos[f], aura[f], pos_modified_at, aura_modified_at, policy)
            for f in sorted(pos.keys() & aura.keys())]
