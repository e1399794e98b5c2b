"""A POS's changes to the lines of an order it placed (gRPC ApplyExternalOrderChange, pos-bridge).

The POS names lines by its own ids (stored on our lines as `external_line_id` when CreateOrder or this
placed them). The request says what the POS has now, so it is idempotent by those ids:

- a line with no active line of its id on the order is added (an addition once the check was sent);
- a line whose active line differs (name, unit price, quantity, notes) is voided and added again:
  orders has no quantity edit, and the kitchen must see the change, so it gets a void and an
  addition like a server's own correction;
- a line equal to its active line changes nothing (a retry, a replay);
- a void naming an active line voids it; one naming no active line (voided already, or never here)
  changes nothing and is reported back as unmatched.

Everything happens in one transaction with the same domain rules, history entries, tax recalculation
and events (OrderLineVoided, OrderLinesAdded) as the REST line add and void, so the kitchen display
and the risk feed see them like any other change. Nothing to do: no write, no version bump."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auraconnect.orders.v1 import events_pb2
from chassis.errors import InvalidInput, PermissionDenied
from chassis.identity import Identity
from chassis.timestamps import to_timestamp
from chassis.uow import UnitOfWorkFactory

from orders.domain.order import (
    CATEGORIES,
    MAX_CENTS,
    MAX_NOTES,
    MAX_QUANTITY,
    MAX_TEXT,
    Order,
    OrderLine,
    PreconditionFailed,
)
from orders.service_layer.checks import (
    CheckPeers,
    LineRequest,
    _discount,
    _line_inputs,
    _require_any,
    _stage,
    _tax,
    _visible_order,
)
from orders.service_layer.views import line_to_proto, order_to_proto

DEFAULT_REASON = "changed on the POS"


@dataclass(frozen=True)
class ExternalChange:
    order: Order
    added: list[str]       # external line ids added (or added again)
    voided: list[str]      # external line ids whose active line was voided
    unmatched: list[str]   # voids naming no active line


def apply_external_change(uow: UnitOfWorkFactory, identity: Identity, order_id: str,
                          lines: Sequence[LineRequest], void_ids: Sequence[str], *, peers: CheckPeers,
                          reason: str = "") -> ExternalChange:
    _require_any(identity, "orders:create", "orders:update")
    _check_request(lines, void_ids)
    now = peers.clock()
    with uow() as u:
        order = _visible_order(u, identity, order_id, for_update=True)
        if not order.channel.startswith("pos:"):
            raise PreconditionFailed(f"the order came from {order.channel}, not a POS: its lines change "
                                     "through the orders API", field="order_id")
        if order.lines and not any(line.external_line_id for line in order.lines):
            # Placed before CreateOrder kept the POS's line ids: matching by id would add duplicates.
            raise PreconditionFailed("the order's lines carry no POS line ids (placed before they were kept): "
                                     "change it through the orders API", field="order_id")
        to_void: list[OrderLine] = []
        to_add: list[LineRequest] = []
        unmatched: list[str] = []
        for external_id in dict.fromkeys(x.strip() for x in void_ids):   # each once, in order
            line = order.active_line_of(external_id)
            (to_void.append(line) if line else unmatched.append(external_id))
        for request in lines:
            current = order.active_line_of(request.external_line_id)
            if current is not None and _same(current, request):
                continue
            if current is not None:
                to_void.append(current)
            to_add.append(request)
        if not to_void and not to_add:
            return ExternalChange(order, [], [], unmatched)
        if to_void and order.sent and not identity.has("orders:update"):
            raise PermissionDenied("the order went to the kitchen: voiding a line needs orders:update",
                                   field="void_external_line_ids")
        # Validated and priced before anything changes: a bad line refuses the whole change.
        inputs = _line_inputs(identity, order.location_id, to_add, peers, now, trusted_prices=True,
                              within=u) if to_add else []
        voided = [order.void_line(line.line_id, reason=reason.strip() or DEFAULT_REASON, actor_id=identity.subject,
                                  at=now, new_id=peers.new_id) for line in to_void]
        added = order.add_lines(inputs, actor_id=identity.subject, at=now, new_id=peers.new_id) if inputs else []
        _discount(identity, order, added, peers, now, within=u)
        _tax(identity, order, peers)
        snapshot = order_to_proto(order)
        common = {"tenant_id": str(order.tenant_id), "order_id": str(order.order_id), "actor_id": identity.subject}
        for line in voided:
            _stage(u, order, events_pb2.OrderLineVoided(line=line_to_proto(line), reason=line.void_reason,
                                                        voided_at=to_timestamp(now), order=snapshot, **common))
        if added:
            _stage(u, order, events_pb2.OrderLinesAdded(lines=[line_to_proto(line) for line in added],
                                                        addition=order.sent, added_at=to_timestamp(now),
                                                        order=snapshot, **common))
        u.commit()
        return ExternalChange(order, [line.external_line_id for line in added],
                              [line.external_line_id for line in voided], unmatched)


def _same(line: OrderLine, request: LineRequest) -> bool:
    return (line.name, line.unit_price_cents, line.quantity, line.notes) == (
        (request.name or "").strip(), request.unit_price_cents, request.quantity, (request.notes or "").strip())


def _check_line(index: int, line: LineRequest) -> None:
    """The domain's line rules, checked up front so the field names the request's own line (only the
    lines that change reach the domain, renumbered)."""
    where = f"lines[{index}]"
    if not (line.name or "").strip() or len(line.name.strip()) > MAX_TEXT:
        raise InvalidInput(f"must be 1 to {MAX_TEXT} characters", field=f"{where}.name")
    if line.category not in CATEGORIES:
        raise InvalidInput(f"must be one of {', '.join(CATEGORIES)}", field=f"{where}.category")
    if not 0 < line.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"must be between 1 and {MAX_QUANTITY}", field=f"{where}.quantity")
    if not 0 <= line.unit_price_cents <= MAX_CENTS or line.quantity * line.unit_price_cents > MAX_CENTS:
        raise InvalidInput(f"must be between 0 and {MAX_CENTS} for the line", field=f"{where}.unit_price_cents")
    if len((line.notes or "").strip()) > MAX_NOTES:
        raise InvalidInput(f"at most {MAX_NOTES} characters", field=f"{where}.notes")


def _check_request(lines: Sequence[LineRequest], void_ids: Sequence[str]) -> None:
    if not lines and not void_ids:
        raise InvalidInput("at least one line or void", field="lines")
    seen: set[str] = set()
    for index, line in enumerate(lines):
        external_id = line.external_line_id.strip()
        if not external_id:
            raise InvalidInput("is required", field=f"lines[{index}].external_line_id")
        if len(external_id) > MAX_TEXT:
            raise InvalidInput(f"at most {MAX_TEXT} characters", field=f"lines[{index}].external_line_id")
        if external_id in seen:
            raise InvalidInput("names a line twice", field=f"lines[{index}].external_line_id")
        seen.add(external_id)
        if line.item_id is not None or line.name is None or line.unit_price_cents is None:
            raise InvalidInput("a POS line carries its name and unit_price_cents", field=f"lines[{index}].name")
        _check_line(index, line)
    for index, external_id in enumerate(void_ids):
        if not external_id.strip():
            raise InvalidInput("must not be empty", field=f"void_external_line_ids[{index}]")
        if external_id.strip() in seen:
            raise InvalidInput("is also among lines: a line is either kept or voided",
                               field=f"void_external_line_ids[{index}]")
