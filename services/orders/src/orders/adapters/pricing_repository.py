"""PricingRuleRepository: pricing rules as domain objects (orders.domain.pricing.PricingRule)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from orders.adapters.menu_cache import PricingReads
from orders.adapters.orm_pricing import PricingRuleRow
from orders.domain.pricing import (
    PricingRule,
    Target,
    effect_to_data,
    parse_effect,
    window_to_data,
    windows_from_data,
)


class PricingRuleRepository:
    def __init__(self, session: Session, cache: PricingReads | None = None) -> None:
        self.session, self.cache = session, cache

    def add(self, rule: PricingRule) -> None:
        row = PricingRuleRow(id=uuid.UUID(rule.rule_id))
        _write(rule, row)
        self.session.add(row)

    def get(self, tenant_id: uuid.UUID, rule_id: uuid.UUID, *, for_update: bool = False) -> PricingRule | None:
        """The tenant's rule (not deleted); `for_update` row-locks it so two edits cannot interleave."""
        row = self._row(tenant_id, rule_id, for_update)
        return _to_rule(row) if row else None

    def list(self, tenant_id: uuid.UUID, location_id: uuid.UUID | None = None, *,
             include_inactive: bool = True) -> list[PricingRule]:
        """The tenant's rules, by priority (highest first) then id; with `location_id`, those that
        apply there (its own and the tenant-wide ones)."""
        query = select(PricingRuleRow).where(PricingRuleRow.tenant_id == tenant_id, PricingRuleRow.deleted_at.is_(None))
        if location_id is not None:
            query = query.where(or_(PricingRuleRow.location_id.is_(None), PricingRuleRow.location_id == location_id))
        if not include_inactive:
            query = query.where(PricingRuleRow.active.is_(True))
        query = query.order_by(PricingRuleRow.priority.desc(), PricingRuleRow.id)
        return [_to_rule(row) for row in self.session.scalars(query)]

    def active_at(self, tenant_id: uuid.UUID, location_id: uuid.UUID) -> list[PricingRule]:
        """What the engine considers at a location (windows and dates it checks itself); from the
        cache for this menu generation (the rules are frozen: safe to share)."""
        if self.cache is not None:
            return list(self.cache.cached(self.session, ("rules", tenant_id, location_id),
                                          lambda: self.list(tenant_id, location_id, include_inactive=False)))
        return self.list(tenant_id, location_id, include_inactive=False)

    def update(self, rule: PricingRule) -> None:
        """Writes `rule` over the stored one (the caller locked it with get(for_update=True))."""
        row = self._row(rule.tenant_id, uuid.UUID(rule.rule_id), False)
        if row is None:
            raise LookupError(rule.rule_id)
        _write(rule, row)

    def delete(self, tenant_id: uuid.UUID, rule_id: uuid.UUID, at: datetime | None = None) -> bool:
        """Soft delete (kept for the books: past quotes name it); False when there was none."""
        row = self._row(tenant_id, rule_id, True)
        if row is None:
            return False
        row.deleted_at, row.active = at or datetime.now(UTC), False
        return True

    def _row(self, tenant_id: uuid.UUID, rule_id: uuid.UUID, for_update: bool) -> PricingRuleRow | None:
        query = select(PricingRuleRow).where(PricingRuleRow.id == rule_id, PricingRuleRow.tenant_id == tenant_id,
                                             PricingRuleRow.deleted_at.is_(None))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()


def _to_rule(row: PricingRuleRow) -> PricingRule:
    return PricingRule(
        rule_id=str(row.id), tenant_id=row.tenant_id, name=row.name, effect=parse_effect(row.effect),
        location_id=row.location_id,
        target=Target(frozenset(row.item_ids), frozenset(row.categories), frozenset(row.tags)),
        windows=windows_from_data(row.windows), min_quantity=row.min_quantity, starts_on=row.starts_on,
        ends_on=row.ends_on, priority=row.priority, exclusive=row.exclusive, active=row.active, version=row.version)


def _write(rule: PricingRule, row: PricingRuleRow) -> None:
    row.tenant_id, row.location_id, row.name = rule.tenant_id, rule.location_id, rule.name
    row.effect = effect_to_data(rule.effect)
    row.item_ids, row.categories, row.tags = (sorted(rule.target.item_ids), sorted(rule.target.categories),
                                              sorted(rule.target.tags))
    row.windows = [window_to_data(window) for window in rule.windows]
    row.min_quantity, row.starts_on, row.ends_on = rule.min_quantity, rule.starts_on, rule.ends_on
    row.priority, row.exclusive, row.active, row.version = rule.priority, rule.exclusive, rule.active, rule.version
