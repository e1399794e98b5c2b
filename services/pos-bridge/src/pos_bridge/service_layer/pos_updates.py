"""A newer version of a POS order we already handed to orders: what changed reaches the AuraConnect order.

The inbound worker (service_layer/inbound.py) keeps only the newest version of each POS order (an
older one never overwrites it); when a newer version arrives for an order orders already has, this
compares it with the version held before and applies the difference:

- state: CANCELED on the POS cancels our order (orders `UpdateOrderStatus` "cancelled"); COMPLETED
  closes it ("closed"; orders refuses that before the check was served: the refusal is recorded);
- lines added or removed, quantities changed: orders has no gRPC to add or void lines yet (only REST
  for staff), so the difference is recorded in the audit trail as not applied: the seam is
  `Orders.add_lines` / `Orders.void_line` when orders grows them;
- payments settled on the POS (Square's payment.* events carry the whole Payment): a COMPLETED one
  is recorded against our order through orders `RecordPayment` (idempotent by the POS payment id);
  `record_pos_payment` below.

Every change made (or refused) is a row of the sync audit trail (GET .../sync/audit). orders being
unavailable raises DependencyUnavailable: the worker keeps the older version and retries the event."""
from __future__ import annotations

import logging

from chassis.errors import DependencyUnavailable, DomainError
from chassis.identity import service_identity

from pos_bridge.adapters.orm import PosOrder, SyncAudit
from pos_bridge.config import SERVICE
from pos_bridge.domain.codec import order_from_json
from pos_bridge.domain.model import Order, OrderState
from pos_bridge.service_layer.ports import Orders

log = logging.getLogger(__name__)

# POS state -> the status orders moves to.
STATE_MOVES = {OrderState.CANCELED: "cancelled", OrderState.COMPLETED: "closed"}
PERMISSIONS = frozenset({"orders:create", "orders:update", "orders:delete", "orders:read"})


def apply_pos_update(work, held: PosOrder, previous: dict, order: Order, orders: Orders) -> list[str]:
    """Bring the AuraConnect order of `held` up to `order` (newer than `previous`). Returns what was
    done, for the log; every change is audited."""
    before = order_from_json(previous)
    done: list[str] = []
    identity = service_identity(SERVICE, str(held.tenant_id), PERMISSIONS)
    if order.state != before.state and order.state in STATE_MOVES and held.aura_order_id:
        status = STATE_MOVES[order.state]
        applied, reason = True, f"POS state {before.state.value} -> {order.state.value}"
        try:
            orders.update_status(identity, held.aura_order_id, status, f"{order.state.value.lower()} on the POS")
        except DependencyUnavailable:
            raise   # orders is down: the inbound worker retries the event (nothing recorded yet)
        except DomainError as error:   # orders refuses the move (a check not served cannot close)
            applied, reason = False, f"{reason}; orders refused: {error}"
        _audit(work, held, "status", before.state.value, order.state.value, applied, reason)
        done.append(f"status {status}" if applied else f"status {status} refused")
    added, removed, changed = _line_changes(before, order)
    if added or removed or changed:
        _audit(work, held, "lines", {"lines": sorted(l.id for l in before.line_items)},
               {"added": added, "removed": removed, "quantity_changed": changed}, False,
               "lines changed on the POS; orders has no gRPC to add or void lines yet (not applied)")
        done.append("lines recorded")
    return done


def _line_changes(before: Order, after: Order) -> tuple[list[str], list[str], list[str]]:
    old = {line.id: line for line in before.line_items}
    new = {line.id: line for line in after.line_items}
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    changed = sorted(i for i in old.keys() & new.keys() if old[i].quantity != new[i].quantity)
    return added, removed, changed


def _audit(work, held: PosOrder, field: str, old, new, applied: bool, reason: str) -> None:
    work.sync_audit.add(SyncAudit(
        tenant_id=held.tenant_id, connection_id=held.connection_id, object_kind="order",
        object_ref=held.provider_order_id, aura_ref=held.aura_order_id, field=field, old_value={"value": old},
        new_value={"value": new}, winner="pos", rule="pos", reason=reason[:500], applied=applied))


def record_pos_payment(work, held: PosOrder | None, payment: dict, orders: Orders) -> str:
    """A payment settled on the POS, recorded in orders. Returns the event's outcome: `created`,
    `ignored` (not completed: Square sends APPROVED / PENDING first), or `waiting` (its order has not
    reached orders yet: the caller retries the event later). orders refusing it raises
    InvalidInput / Conflict (the event fails); orders unavailable raises DependencyUnavailable."""
    if payment.get("status") not in ("COMPLETED", None):
        return "ignored"
    if held is None or not held.aura_order_id:
        return "waiting"
    identity = service_identity(SERVICE, str(held.tenant_id), PERMISSIONS)
    orders.record_payment(identity, held.aura_order_id, payment)
    work.sync_audit.add(SyncAudit(
        tenant_id=held.tenant_id, connection_id=held.connection_id, object_kind="order",
        object_ref=held.provider_order_id, aura_ref=held.aura_order_id, field="payment", old_value=None,
        new_value={"value": {k: payment.get(k) for k in ("payment_id", "amount_cents", "tip_cents", "tender")}},
        winner="pos", rule="pos", reason="payment settled on the POS", applied=True))
    return "created"
