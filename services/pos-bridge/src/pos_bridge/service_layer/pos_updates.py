"""A newer version of a POS order we already handed to orders: what changed reaches the AuraConnect order.

The inbound worker (service_layer/inbound.py) keeps only the newest version of each POS order (an
older one never overwrites it); when a newer version arrives for an order orders already has, this
compares it with the version held before (domain/order_diff.py) and applies the difference, in this
order:

- lines added, removed or changed on the POS: orders `ApplyExternalOrderChange`, by the POS's line
  ids (CreateOrder stored them on our lines). A removed line is voided; a changed line (quantity,
  price, name, modifiers, note) is voided and added again: orders has no quantity edit, and the
  kitchen gets the void and the addition like a server's own correction. Idempotent by the line ids,
  so a retried event changes nothing twice;
- payments settled on the POS (Clover's and Toast's orders carry them): each newly COMPLETED one is
  recorded through orders `RecordPayment` (idempotent by the POS payment id); Square's arrive as
  payment.* events carrying the whole Payment (`record_pos_payment`, called by the worker);
- state: CANCELED on the POS cancels our order (orders `UpdateOrderStatus` "cancelled"); COMPLETED
  closes it ("closed"; orders refuses that before the check was served: the refusal is recorded).

Refunds on the POS are not followed (the payment is marked `refunded` in what we hold; orders takes
refunds over REST only). A POS order's server is not mapped to a staff member: orders records it as
the POS (the nil server id).

Every change made (or refused) is a row of the sync audit trail (GET .../sync/audit). orders being
unavailable raises DependencyUnavailable: the worker keeps the older version and retries the event."""
from __future__ import annotations

import logging

from chassis.errors import DependencyUnavailable, DomainError
from chassis.identity import service_identity

from pos_bridge.adapters.orm import PosOrder, SyncAudit
from pos_bridge.config import SERVICE
from pos_bridge.domain.codec import order_from_json, payment_to_json
from pos_bridge.domain.model import Order, OrderState
from pos_bridge.domain.order_diff import line_changes, new_payments
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
    changes = line_changes(before, order)
    if changes and held.aura_order_id:
        summary, applied = changes.summary(), True
        try:
            summary["orders"] = orders.apply_line_changes(
                identity, held.aura_order_id, [*changes.added, *changes.changed], list(changes.removed),
                "changed on the POS")
            reason = "lines changed on the POS (a changed line is voided and added again)"
        except DependencyUnavailable:
            raise   # orders is down: the inbound worker retries the event (idempotent by the line ids)
        except DomainError as error:   # orders refuses (the check is closed, a line it cannot take)
            applied, reason = False, f"lines changed on the POS; orders refused: {error}"
        _audit(work, held, "lines", {"lines": sorted(line.id for line in before.line_items)}, summary, applied,
               reason)
        done.append("lines applied" if applied else "lines refused")
    done += follow_payments(work, held, before, order, orders)
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
    return done


def follow_payments(work, held: PosOrder, before: Order | None, order: Order, orders: Orders) -> list[str]:
    """Record in orders each payment the POS completed since `before` (None: the order just reached
    orders, so every completed one). A refusal by orders is audited and the rest go on; orders being
    unavailable raises DependencyUnavailable (the caller retries; RecordPayment is idempotent)."""
    done = []
    for payment in new_payments(before, order):
        try:
            record_pos_payment(work, held, payment_to_json(payment, order.provider_order_id), orders)
            done.append(f"payment {payment.id}")
        except DependencyUnavailable:
            raise
        except DomainError as error:
            _audit(work, held, "payment", None, {"payment_id": payment.id, "amount_cents": payment.amount.minor},
                   False, f"payment settled on the POS; orders refused: {error}")
            done.append(f"payment {payment.id} refused")
    return done


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
