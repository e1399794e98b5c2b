"""Tip pools (pure): who may share, and each one's share of a workweek's pooled tips by hours x role points.

Who may share (rules file 5.2, 5.3):
* Managers, supervisors and owners never share in a pool (the employer may not keep employees' tips,
  "including via managers/supervisors, whether or not a tip credit is taken": 29 U.S.C. 203(m)(2)(B),
  CAA 2018; 85 FR 86756; California LC 351: "owners/managers/supervisors/agents may not share"). A policy
  giving a manager role points is refused; a participant in such a role gets nothing and pays nothing in.
* When the employer takes a tip credit, a mandatory pool may include only customarily tipped staff
  (front of house): back-of-house roles are refused in the policy and left out of the distribution.
  Without a tip credit (always so in California, LC 351: no tip credit), non-managerial back of house
  may share.

How much: each pool role has points (server 10, busser 5, cook 3); a participant's weight is the sum
over the roles they worked of hours x points; the pool is split in proportion to the weights, in whole
cents by the largest-remainder method (ties to the smaller staff id), so a pool never creates or loses a
cent. Who pays in: each eligible participant's own tips for the workweek x `contribution_percent`
(rounded half-up to the cent per person); staff outside the pool roles, and managers, keep their tips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from chassis.errors import InvalidInput

FRONT_OF_HOUSE = "front_of_house"  # customarily and regularly tipped (servers, bartenders, bussers, runners)
BACK_OF_HOUSE = "back_of_house"  # not customarily tipped (cooks, dishwashers)
MANAGER = "manager"  # managers, supervisors, owners: never share
CATEGORIES = (FRONT_OF_HOUSE, BACK_OF_HOUSE, MANAGER)
NO_TIP_CREDIT_STATES = ("CA",)  # rules file 5.2: LC 351
MAX_POINTS = Decimal(100)
MAX_ROLES = 50

SOURCES = (
    "FLSA-203m: 29 U.S.C. 203(m)(2)(B), employers incl. managers/supervisors may not keep tips, tip credit or not "
    "(CAA 2018; 85 FR 86756) [C]",
    "FLSA-203m / 85 FR 86756: with a tip credit, a mandatory pool only among customarily tipped employees; "
    "without one, back of house may share [C]",
    "CA-LC-351: no tip credit; mandatory pools may include non-managerial back of house; owners, managers, "
    "supervisors may not share [S]",
)


@dataclass(frozen=True, slots=True)
class PoolRole:
    job_code: str
    category: str
    points: Decimal

    def to_dict(self) -> dict[str, str]:
        return {"job_code": self.job_code, "category": self.category, "points": str(self.points)}


@dataclass(frozen=True, slots=True)
class PoolPolicy:
    """A location's tip pool: its work state, whether the employer takes a tip credit there, the share of
    each participant's tips paid in, and the roles that share (job codes as the staff records spell them)."""

    work_state: str
    tip_credit_taken: bool
    contribution_percent: Decimal
    roles: tuple[PoolRole, ...]

    def role(self, job_code: str) -> PoolRole | None:
        return next((r for r in self.roles if r.job_code == job_code), None)

    def exclusion(self, job_code: str) -> str | None:
        """Why hours in this job do not share in the pool (None: they share)."""
        role = self.role(job_code)
        if role is None:
            return "not a pool role at this location"
        if role.category == MANAGER:
            return "managers and supervisors may not share in tips (29 U.S.C. 203(m)(2)(B))"
        if role.category == BACK_OF_HOUSE and self.tip_credit_taken:
            return "back of house may share only when no tip credit is taken (85 FR 86756)"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"work_state": self.work_state, "tip_credit_taken": self.tip_credit_taken,
                "contribution_percent": str(self.contribution_percent), "roles": [r.to_dict() for r in self.roles]}

    @classmethod
    def from_dict(cls, raw: Any) -> PoolPolicy:
        """A policy as the REST body gives it; InvalidInput names the field; the legal limits are checked."""
        raw = _obj(raw, "policy")
        _keys(raw, ("work_state", "tip_credit_taken", "contribution_percent", "roles"), "")
        state = raw.get("work_state")
        if not isinstance(state, str) or len(state) != 2 or not state.isalpha() or not state.isupper():
            raise InvalidInput('must be a two-letter state code such as "CA"', field="work_state")
        credit = raw.get("tip_credit_taken")
        if not isinstance(credit, bool):
            raise InvalidInput("must be true or false", field="tip_credit_taken")
        percent = _decimal(raw.get("contribution_percent", "100"), "contribution_percent", places=2)
        if not 0 < percent <= 100:
            raise InvalidInput("must be more than 0 and at most 100", field="contribution_percent")
        roles_raw = raw.get("roles")
        if not isinstance(roles_raw, list) or not roles_raw:
            raise InvalidInput("must list at least one role", field="roles")
        if len(roles_raw) > MAX_ROLES:
            raise InvalidInput(f"at most {MAX_ROLES} roles", field="roles")
        roles = []
        for i, r in enumerate(roles_raw):
            path = f"roles[{i}]"
            r = _obj(r, path)
            _keys(r, ("job_code", "category", "points"), path)
            code = r.get("job_code")
            if not isinstance(code, str) or not code.strip() or len(code) > 100 or "\x00" in code:
                raise InvalidInput("is required (a job code such as \"server\")", field=f"{path}.job_code")
            if any(x.job_code == code for x in roles):
                raise InvalidInput(f"{code!r} is listed twice", field=f"{path}.job_code")
            category = r.get("category")
            if category not in CATEGORIES:
                raise InvalidInput(f"must be one of {', '.join(CATEGORIES)}", field=f"{path}.category")
            points = _decimal(r.get("points"), f"{path}.points", places=2)
            if category == MANAGER:
                if points != 0:
                    raise InvalidInput("managers and supervisors may not share in a tip pool (29 U.S.C. "
                                       "203(m)(2)(B); CA LC 351): give them 0 points", field=f"{path}.points")
            elif not 0 < points <= MAX_POINTS:
                raise InvalidInput(f"must be more than 0 and at most {MAX_POINTS}", field=f"{path}.points")
            if category == BACK_OF_HOUSE and credit:
                raise InvalidInput("back-of-house staff may share in a mandatory pool only when the employer "
                                   "takes no tip credit (85 FR 86756)", field=f"{path}.category")
            roles.append(PoolRole(code, category, points))
        if credit and state in NO_TIP_CREDIT_STATES:
            raise InvalidInput(f"{state} allows no tip credit (LC 351)", field="tip_credit_taken")
        if not any(r.category != MANAGER for r in roles):
            raise InvalidInput("no role may share: list at least one non-manager role", field="roles")
        return cls(state, credit, percent, tuple(roles))


@dataclass(frozen=True, slots=True)
class WorkedHours:
    """Hours one staff member worked in one job at the location during the workweek."""

    staff_id: str
    job_code: str
    hours: Decimal


@dataclass(frozen=True, slots=True)
class PoolShare:
    staff_id: str
    weight: Decimal  # sum of hours x points over the pool roles worked (0: excluded)
    hours: Decimal  # hours in pool roles
    tips_before: int  # own tips of the workweek, cents
    contributed: int  # paid into the pool, cents
    received: int  # share of the pool, cents
    excluded: tuple[str, ...]  # why some or all hours did not share

    @property
    def net(self) -> int:
        return self.received - self.contributed

    def to_dict(self) -> dict[str, Any]:
        return {"staff_id": self.staff_id, "hours": str(self.hours), "weight": str(self.weight),
                "tips_before_cents": self.tips_before, "contributed_cents": self.contributed,
                "received_cents": self.received, "net_cents": self.net, "excluded": list(self.excluded)}


@dataclass(frozen=True, slots=True)
class PoolResult:
    pool_cents: int
    shares: tuple[PoolShare, ...]  # sorted by staff id

    @property
    def total_weight(self) -> Decimal:
        return sum((s.weight for s in self.shares), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {"pool_cents": self.pool_cents, "total_weight": str(self.total_weight),
                "shares": [s.to_dict() for s in self.shares]}


def distribute(pool_cents: int, weights: Mapping[str, Decimal]) -> dict[str, int]:
    """`pool_cents` split in proportion to `weights` in whole cents (largest remainder; ties to the smaller
    key). The parts add up to the pool exactly; a zero weight gets nothing."""
    if pool_cents < 0:
        raise ValueError("a pool cannot be negative")
    total = sum(weights.values(), Decimal(0))
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights cannot be negative")
    if total == 0:
        if pool_cents:
            raise InvalidInput("nobody eligible worked in the workweek: the pool cannot be shared",
                               field="workweek_start")
        return dict.fromkeys(weights, 0)
    exact = {k: Decimal(pool_cents) * w / total for k, w in weights.items()}
    floors = {k: int(x.to_integral_value(ROUND_FLOOR)) for k, x in exact.items()}
    left = pool_cents - sum(floors.values())
    for k in sorted(weights, key=lambda k: (-(exact[k] - floors[k]), k))[:left]:
        floors[k] += 1
    return floors


def _half_up_cents(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), ROUND_HALF_UP))


def pool_week(policy: PoolPolicy, worked: Iterable[WorkedHours], tips: Mapping[str, int]) -> PoolResult:
    """One workweek's pool at one location: who pays in (eligible participants, their tips x the
    contribution percent), who shares (eligible participants by hours x points), and how much each gets."""
    hours: dict[str, Decimal] = {}
    weight: dict[str, Decimal] = {}
    excluded: dict[str, list[str]] = {}
    for w in worked:
        if w.hours < 0:
            raise ValueError("hours cannot be negative")
        reason = policy.exclusion(w.job_code)
        hours.setdefault(w.staff_id, Decimal(0))
        weight.setdefault(w.staff_id, Decimal(0))
        if reason is not None:
            if w.hours:
                excluded.setdefault(w.staff_id, []).append(f"{w.job_code}: {reason}")
            continue
        role = policy.role(w.job_code)
        assert role is not None
        hours[w.staff_id] += w.hours
        weight[w.staff_id] += w.hours * role.points
    contributed = {s: (_half_up_cents(Decimal(tips.get(s, 0)) * policy.contribution_percent / 100)
                       if weight.get(s) else 0) for s in {*weight, *tips}}
    pool = sum(contributed.values())
    received = distribute(pool, {s: weight.get(s, Decimal(0)) for s in contributed})
    shares = tuple(PoolShare(s, weight.get(s, Decimal(0)), hours.get(s, Decimal(0)), tips.get(s, 0), contributed[s],
                             received[s], tuple(excluded.get(s, ())))
                   for s in sorted(contributed))
    return PoolResult(pool, shares)


# ---------------------------------------------------------------- parsing helpers


def _obj(raw: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidInput("must be an object", field=path)
    return raw


def _keys(raw: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    for key in raw:
        if key not in allowed:
            raise InvalidInput("unknown field", field=f"{path}.{key}" if path else str(key))


def _decimal(value: Any, field: str, *, places: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput('must be a decimal string such as "10"', field=field)
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"{value!r} is not a decimal number", field=field) from None
    if not d.is_finite() or abs(d) > 10**9 or d != d.quantize(Decimal(1).scaleb(-places)):
        raise InvalidInput(f"must be a finite number with at most {places} decimals", field=field)
    return d
