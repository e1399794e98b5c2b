"""Menu pulls with the conflict policy, the audit trail and review queue, and the sync status.

A menu pull reads the POS catalog (every page) and the location's AuraConnect menu (orders'
MenuService), links each POS item to our item (kept in `menu_links`; found by name the first time),
and decides each field both sides hold by the connection's conflict policy (domain/conflict_policy.py):
the POS's value overwriting ours is an audit row; what the policy cannot decide is a review for a
person. The overwrites of a pull are written to orders in one call (MenuService.UpsertMenuItems, the
`MenuWriter` port) and audited `applied: true`; a POS item with no item of ours is created there
(category by the POS's category name, linked in `menu_links`) unless the connection says
`create_missing_items: false`, when it is only listed as unlinked. Without a writer (tests, a process
with no orders address) overwrites are recorded `applied: false`.

A connection deleted and connected again (the same provider, merchant and POS location at the same
location of ours) takes over the deleted one's links on its first pull (`_taken_over`): the same items,
and what the old connection last saw, so changes made on the POS meanwhile follow the policy (no review
of every 86, no duplicate of an item we renamed). A deleted connection is never pulled, and a pull
whose connection is deleted while it reads the POS writes nothing."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from chassis.errors import Conflict, InvalidInput, NotFound
from chassis.identity import Identity, service_identity
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from pos_bridge.adapters.orm import MenuLink, SyncAudit, SyncReview
from pos_bridge.config import SERVICE
from pos_bridge.domain.conflict_policy import Outcome, decide, parse_policy
from pos_bridge.domain.model import MenuItem
from pos_bridge.service_layer.connections import owned_connection, require_permission
from pos_bridge.service_layer.credentials import with_credentials
from pos_bridge.service_layer.ports import MenuReader, MenuWriter, Providers, Sealer

MAX_PAGES = 20
MAX_REFUSALS = 10   # items orders refuses before a pull gives up (each one costs a call)
REFUSED_ITEM = re.compile(r"^items\[(\d+)\]")
WRITER_PERMISSIONS = frozenset({"orders:read", "orders:update"})
WRITABLE = frozenset({"name", "price_cents", "description", "available"})   # what UpsertMenuItems takes
FALLBACK_CATEGORY = {"square": "Square", "clover": "Clover", "toast": "Toast"}


@dataclass(frozen=True)
class PullResult:
    linked: int = 0
    unlinked: tuple[str, ...] = ()     # POS items with no AuraConnect item (and none created)
    overwrites: int = 0
    reviews: int = 0
    created: int = 0                   # our items made for POS items


def pos_values(item: MenuItem) -> dict:
    """The fields of a POS item the policy compares (those our menu has too; a field the POS does
    not say, like Toast's availability, is left out: never a conflict, never written)."""
    values: dict = {"name": item.name}
    if item.available is not None:
        values["available"] = item.available
    if item.description is not None:
        values["description"] = item.description
    price = next((v.price for v in item.variations if v.price is not None), None)
    if price is not None:
        values["price_cents"] = price.minor
    return values


def menu_source(provider: str, connection_id: uuid.UUID) -> str:
    """Whose references our POS item ids are, for orders (UpsertMenuItems' `source`)."""
    return f"pos:{provider}:{connection_id}"


def pull_menu(uow: UnitOfWorkFactory, sealer: Sealer, providers: Providers, menu: MenuReader,
              connection_id: uuid.UUID, now: datetime, writer: MenuWriter | None = None) -> PullResult:
    """One menu pull of a connection (see the module doc). Raises ProviderError when the POS fails,
    and the peer's error when orders refuses or is down (nothing is recorded then: the next pull
    decides again, and the write is idempotent)."""
    with uow() as work:
        row = work.connections.get(connection_id)
        if row is None:
            raise NotFound("no such connection", field="connection_id")
        adapter, tenant, location = providers[row.provider], row.tenant_id, row.location_id
        state = work.sync_state.get(row.id, lock=True)
        policy = parse_policy(state.conflict_policy)
        create_missing = state.menu_create_items is not False
        predecessors = work.connections.predecessors(row)
        work.commit()
    items: list[MenuItem] = []
    category_names: dict[str, str] = {}
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = with_credentials(uow, sealer, adapter, connection_id, now,
                                lambda connection, c=cursor: adapter.pull_menu(connection, c))
        items.extend(page.items)
        category_names.update(page.categories)
        cursor = page.cursor
        if not cursor:
            break
    identity = service_identity(SERVICE, str(tenant), WRITER_PERMISSIONS)
    ours = {i["item_id"]: i for i in menu.list_items(identity, str(location))}
    by_name = {i["name"].strip().lower(): i for i in ours.values()}
    linked, unlinked, reviews = 0, [], 0
    writes: dict[str, dict] = {}          # POS item id -> the fields the POS wins, for orders
    audits: list[SyncAudit] = []
    links: dict[str, MenuLink] = {}
    to_create: list[MenuItem] = []
    with uow() as work:
        # locked until the pull commits: a delete waits for it, and no pull writes after a delete
        if work.connections.get(connection_id, lock=True) is None:
            raise NotFound("the connection was deleted during the pull", field="connection_id")
        for item in items:
            link = work.menu_links.get(connection_id, item.id) or _taken_over(
                work, predecessors, connection_id, item.id, ours)
            aura = ours.get(link.aura_item_id) if link else by_name.get(item.name.strip().lower())
            if aura is None:
                if writer is not None and create_missing and link is None and _creatable(item):
                    to_create.append(item)
                else:
                    unlinked.append(item.id)
                continue
            linked += 1
            values = pos_values(item)
            if link is None:
                link = MenuLink(tenant_id=tenant, connection_id=connection_id, pos_item_id=item.id,
                                pos_variation_id=item.variations[0].id if item.variations else None,
                                aura_item_id=aura["item_id"], pos_values={}, updated_at=now)
                work.menu_links.add(link)
                seen_before = None
            else:
                seen_before = link.updated_at
            aura_values = {k: aura[k] for k in values if k in aura}
            for field in sorted(values.keys() & aura_values.keys()):
                pos_at = _pos_modified_at(field, values, link, seen_before, aura.get("updated_at"), now)
                decision = decide(field, values[field], aura_values[field], pos_at, aura.get("updated_at"), policy)
                if decision.outcome is Outcome.TAKE_POS:
                    writes.setdefault(item.id, {"external_ref": item.id, "item_id": aura["item_id"]})[
                        decision.field] = decision.pos_value
                    audits.append(SyncAudit(
                        tenant_id=tenant, connection_id=connection_id, object_kind="menu_item", object_ref=item.id,
                        aura_ref=aura["item_id"], field=decision.field, old_value={"value": decision.aura_value},
                        new_value={"value": decision.pos_value}, winner="pos", rule=decision.rule.value,
                        reason=decision.reason, applied=False, at=now))
                elif decision.outcome is Outcome.REVIEW:
                    open_review = work.sync_reviews.open_for(connection_id, item.id, decision.field)
                    if open_review is None:
                        work.sync_reviews.add(SyncReview(
                            tenant_id=tenant, connection_id=connection_id, object_kind="menu_item",
                            object_ref=item.id, aura_ref=aura["item_id"], field=decision.field,
                            pos_value={"value": decision.pos_value}, aura_value={"value": decision.aura_value},
                            reason=decision.reason, created_at=now))
                    else:
                        open_review.pos_value = {"value": decision.pos_value}
                        open_review.aura_value = {"value": decision.aura_value}
                    reviews += 1
            link.pos_values, link.pos_version, link.updated_at = values, item.version, now
            links[item.id] = link
        if writer is not None and (writes or to_create):
            batch = [*writes.values(), *(_new_item(item, category_names, row.provider) for item in to_create)]
            written, refused = _write(writer, identity, str(location), menu_source(row.provider, connection_id), batch)
            for audit in audits:
                audit.applied = audit.object_ref in written
                if audit.object_ref in refused:
                    audit.reason = f"{audit.reason}; {refused[audit.object_ref]}"[:500]
            unlinked += [item.id for item in to_create if item.id in refused]
            to_create = [item for item in to_create if item.id in written]
            for item_id, link in links.items():
                # our own write moved the item's modification time: not a change of ours for the next pull
                stamp = (written.get(item_id) or {}).get("updated_at")
                if stamp is not None and stamp > link.updated_at:
                    link.updated_at = stamp
            for item in to_create:
                made = written[item.id]
                work.menu_links.add(MenuLink(
                    tenant_id=tenant, connection_id=connection_id, pos_item_id=item.id,
                    pos_variation_id=item.variations[0].id if item.variations else None, aura_item_id=made["item_id"],
                    pos_values=pos_values(item), pos_version=item.version,
                    updated_at=max(now, made.get("updated_at") or now)))
                made_here = made.get("created", True)   # orders links an item of that name made meanwhile
                audits.append(SyncAudit(
                    tenant_id=tenant, connection_id=connection_id, object_kind="menu_item", object_ref=item.id,
                    aura_ref=made["item_id"], field="item", old_value=None, new_value={"value": pos_values(item)},
                    winner="pos", rule="create" if made_here else "link",
                    reason="a POS item with no AuraConnect item: created" if made_here else
                    "linked by orders to an AuraConnect item of the same name", applied=True, at=now))
        for audit in audits:
            work.sync_audit.add(audit)
        state = work.sync_state.get(connection_id, lock=True)
        state.last_menu_pull_at, state.last_menu_error = now, None
        state.last_menu_unlinked = len(unlinked)
        work.commit()
    return PullResult(linked, tuple(unlinked), sum(a.rule not in ("create", "link") for a in audits), reviews,
                      sum(a.rule == "create" for a in audits))


def _taken_over(work, predecessors: list[uuid.UUID], connection_id: uuid.UUID, pos_item_id: str,
                ours: dict[str, dict]) -> MenuLink | None:
    """The link a deleted connection of the same POS account kept for the item (newest first), copied
    onto this connection: a reconnected POS goes on from what the old connection last saw instead of
    linking afresh (no first-pull reviews for every field both sides changed since, no duplicate item
    when ours was renamed). Only while our item still exists; the old row stays for the audit trail."""
    for predecessor in predecessors:
        old = work.menu_links.get(predecessor, pos_item_id)
        if old is not None and old.aura_item_id in ours:
            link = MenuLink(tenant_id=old.tenant_id, connection_id=connection_id, pos_item_id=pos_item_id,
                            pos_variation_id=old.pos_variation_id, aura_item_id=old.aura_item_id,
                            pos_values=dict(old.pos_values or {}), pos_version=old.pos_version,
                            updated_at=old.updated_at)
            work.menu_links.add(link)
            return link
    return None


def _write(writer: MenuWriter, identity: Identity, location: str, source: str, batch: list[dict]
           ) -> tuple[dict[str, dict], dict[str, str]]:
    """The batch written to orders in one call. An item orders refuses (a POS name too long for our
    menu, ...) is left out and the rest written again, so one odd POS item never stops a location's
    sync: (written by POS item id, refused POS item id -> why)."""
    refused: dict[str, str] = {}
    for _ in range(MAX_REFUSALS + 1):
        try:
            return {w["external_ref"]: w for w in writer.upsert_items(identity, location, source, batch)}, refused
        except InvalidInput as error:
            found = REFUSED_ITEM.match(error.field or "")
            if not found or int(found.group(1)) >= len(batch):
                raise
            dropped = batch.pop(int(found.group(1)))
            refused[dropped["external_ref"]] = f"orders refused {error.field}: {error.message}"
            if not batch:
                return {}, refused
    raise InvalidInput(f"orders refused more than {MAX_REFUSALS} items", field="menu")


def _creatable(item: MenuItem) -> bool:
    """A POS item we can make an item of: named and with a fixed price (a price rung up at the POS,
    e.g. Clover VARIABLE or Toast OPEN_PRICE, has no menu price of ours)."""
    return bool(item.name.strip()) and "price_cents" in pos_values(item)


def _new_item(item: MenuItem, category_names: dict[str, str], provider: str) -> dict:
    category = item.category_name or next((category_names[c] for c in item.category_ids if c in category_names),
                                          None) or FALLBACK_CATEGORY.get(provider, provider)
    return {"external_ref": item.id, **pos_values(item), "category_name": category}


def _pos_modified_at(field: str, values: dict, link: MenuLink, seen_before: datetime | None,
                     aura_updated_at: datetime | None, now: datetime) -> datetime | None:
    """When the POS last wrote `field`, as far as we can tell: catalogs give no per-field time, so a
    value that differs from the one the last pull saw was written since (we say: now); one that did
    not change is at least as old as that pull. Unknown (None: the policy cannot decide) on the first
    pull, or when both sides changed since the last pull."""
    if seen_before is None:
        return None
    changed = (link.pos_values or {}).get(field) != values[field]
    if not changed:
        return seen_before
    if aura_updated_at is not None and aura_updated_at > seen_before:
        return None   # both wrote since the last pull: which was last is unknown
    return now


def pull_due_menus(uow: UnitOfWorkFactory, sealer: Sealer, providers: Providers, menu: MenuReader,
                   now: datetime, interval, limit: int = 5, writer: MenuWriter | None = None) -> int:
    """Menu pulls of the connections not pulled for `interval` (or asked for: request_menu_pull).
    A POS failure is recorded on the connection's sync state and tried again after the interval."""
    with uow() as work:
        due = work.sync_state.due_menu_pulls(now - interval, limit)
    for connection_id in due:
        try:
            pull_menu(uow, sealer, providers, menu, connection_id, now, writer)
        except Exception as error:  # noqa: BLE001 - one connection's failure never stops the others
            with uow() as work:
                state = work.sync_state.get(connection_id, lock=True)
                state.last_menu_pull_at, state.last_menu_error = now, str(error)[:500]
                work.commit()
    return len(due)


def request_menu_pull(uow: UnitOfWorkFactory, identity: Identity, connection_id: str) -> None:
    """Ask for a menu pull soon (settings:update): the consumer's menu loop takes it within seconds."""
    require_permission(identity, "settings:update")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        state = work.sync_state.get(row.id, lock=True)
        state.last_menu_pull_at = None
        work.commit()


def get_policy(uow: UnitOfWorkFactory, identity: Identity, connection_id: str) -> dict:
    """The connection's conflict policy in force: the default with its overrides, and whether menu
    pulls create our items for POS items we lack (settings:read)."""
    require_permission(identity, "settings:read")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        state = work.sync_state.get(row.id)
        overrides = (state.conflict_policy if state else None) or {}
        return {"policy": {k: v.value for k, v in parse_policy(overrides).items()}, "overrides": dict(overrides),
                "create_missing_items": not (state and state.menu_create_items is False)}


def set_policy(uow: UnitOfWorkFactory, identity: Identity, connection_id: str, body: dict) -> dict:
    """Override rules of the default policy: `{"overrides": {"field": "pos"|"aura"|"lww"|"review"}}`
    (settings:update; replaces the previous overrides; `{}` goes back to the default), and optionally
    `"create_missing_items": false` (menu pulls then only link by name; default true)."""
    require_permission(identity, "settings:update")
    overrides = body.get("overrides") if isinstance(body, dict) else None
    if not isinstance(overrides, dict) or not all(isinstance(k, str) and 0 < len(k) <= 64 for k in overrides):
        raise InvalidInput("must be an object of field -> rule", field="overrides")
    parse_policy(overrides)   # names the bad field
    create = body.get("create_missing_items")
    if create is not None and not isinstance(create, bool):
        raise InvalidInput("must be true or false", field="create_missing_items")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        state = work.sync_state.get(row.id, lock=True)
        state.conflict_policy = {k: str(v) for k, v in overrides.items()}
        if create is not None:
            state.menu_create_items = create
        work.commit()
    return get_policy(uow, identity, connection_id)


# ------------------------------------------------------------------ reviews and audit (admin API)
def list_reviews(uow: UnitOfWorkFactory, identity: Identity, connection_id: str, status: str | None) -> list[dict]:
    require_permission(identity, "settings:read")
    if status not in (None, "open", "resolved"):
        raise InvalidInput("must be open or resolved", field="status")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        return [_review_json(r) for r in work.sync_reviews.for_connection(row.id, status)]


def resolve_review(uow: UnitOfWorkFactory, identity: Identity, connection_id: str, review_id: str, body: dict,
                   now: datetime, writer: MenuWriter | None = None) -> dict:
    """A person's decision on a review: `{"choice": "pos"|"aura"}` (settings:update). Choosing the POS
    overwrites our value (audited); choosing ours keeps it (audited too: the POS's value was refused)."""
    require_permission(identity, "settings:update")
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field="body")
    choice = body.get("choice")
    if choice not in ("pos", "aura"):
        raise InvalidInput("must be pos or aura", field="choice")
    review_uuid = parse_uuid(review_id, "review_id")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        review = work.sync_reviews.get(review_uuid, lock=True)
        if review is None or review.connection_id != row.id:
            raise NotFound("no such review", field="review_id")
        if review.status != "open":
            raise Conflict(f"the review is {review.status} already", field="review_id")
        value = (review.pos_value or {}).get("value")
        applied = False
        if choice == "pos" and writer is not None and review.aura_ref and review.field in WRITABLE:
            # written as the bridge (orders takes menu upserts from its identity only); the person is audited
            writer.upsert_items(service_identity(SERVICE, str(row.tenant_id), WRITER_PERMISSIONS), str(row.location_id),
                                menu_source(row.provider, row.id),
                                [{"external_ref": review.object_ref, "item_id": review.aura_ref, review.field: value}])
            applied = True
        review.status, review.choice, review.resolved_by, review.resolved_at = "resolved", choice, identity.subject, now
        work.sync_audit.add(SyncAudit(
            tenant_id=row.tenant_id, connection_id=row.id, object_kind=review.object_kind,
            object_ref=review.object_ref, aura_ref=review.aura_ref, field=review.field,
            old_value=review.aura_value, new_value=review.pos_value if choice == "pos" else review.aura_value,
            winner="pos" if choice == "pos" else "aura", rule="manual",
            reason=f"review resolved by {identity.subject}", applied=applied if choice == "pos" else True, at=now))
        answer = _review_json(review)
        work.commit()
    return answer


def list_audit(uow: UnitOfWorkFactory, identity: Identity, connection_id: str) -> list[dict]:
    require_permission(identity, "settings:read")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        return [{"audit_id": str(a.id), "object_kind": a.object_kind, "object_ref": a.object_ref,
                 "aura_ref": a.aura_ref, "field": a.field, "old_value": (a.old_value or {}).get("value"),
                 "new_value": (a.new_value or {}).get("value"), "winner": a.winner, "rule": a.rule,
                 "reason": a.reason, "applied": a.applied, "at": _iso(a.at)}
                for a in work.sync_audit.for_connection(row.id)]


def _review_json(r: SyncReview) -> dict:
    return {"review_id": str(r.id), "object_kind": r.object_kind, "object_ref": r.object_ref, "aura_ref": r.aura_ref,
            "field": r.field, "pos_value": (r.pos_value or {}).get("value"),
            "aura_value": (r.aura_value or {}).get("value"), "reason": r.reason, "status": r.status,
            "choice": r.choice, "resolved_by": r.resolved_by, "resolved_at": _iso(r.resolved_at),
            "created_at": _iso(r.created_at)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------ sync status
def sync_status(uow: UnitOfWorkFactory, identity: Identity, connection_id: str, now: datetime) -> dict:
    """Per connection: last successful sync, lag, queued changes, failures, conflicts, circuit state
    (settings:read)."""
    require_permission(identity, "settings:read")
    with uow() as work:
        row = owned_connection(work, identity, connection_id)
        state = work.sync_state.get(row.id)
        counts = work.outbound.counts(row.id)
        oldest = work.outbound.oldest_queued_at(row.id)
        recent = work.outbound.for_connection(row.id, limit=200)
        events = work.inbound_events.for_connection(row.id)
        reviews_open = len(work.sync_reviews.for_connection(row.id, "open"))
        overwrites = len(work.sync_audit.for_connection(row.id))
        inbound_ok = max((e.processed_at for e in events if e.status in ("created", "stale") and e.processed_at),
                         default=None)
        successes = [t for t in (inbound_ok, row.last_polled_at if not row.last_poll_error else None,
                                 state.last_outbound_success_at if state else None,
                                 state.last_menu_pull_at if state else None) if t is not None]
        return {
            "last_successful_sync_at": _iso(max(successes, default=None)),
            "lag_seconds": round((now - oldest).total_seconds(), 3) if oldest else 0.0,
            "outbound": {
                "queued": counts.get("queued", 0), "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
                "not_supported": counts.get("not_supported", 0), "oldest_queued_at": _iso(oldest),
                "last_success_at": _iso(state.last_outbound_success_at) if state else None,
                "last_failure_at": _iso(state.last_outbound_failure_at) if state else None,
                "last_error": state.last_outbound_error if state else None,
                "changes": [_change_json(c) for c in recent[:50]],
            },
            "outbound_failures": [_change_json(c) for c in recent if c.status in ("failed", "not_supported")][:20],
            "circuit": {"state": state.circuit_state if state else "closed",
                        "consecutive_failures": state.consecutive_failures if state else 0,
                        "retry_at": _iso(state.circuit_retry_at) if state else None},
            "conflicts": {"open_reviews": reviews_open, "overwrites_audited": overwrites},
            "menu": {"last_pull_at": _iso(state.last_menu_pull_at) if state else None,
                     "last_error": state.last_menu_error if state else None,
                     "unlinked_pos_items": state.last_menu_unlinked if state else None},
        }


def _change_json(c) -> dict:
    return {"change_id": str(c.id), "seq": c.seq, "object_kind": c.object_kind, "object_ref": c.object_ref,
            "aura_ref": c.aura_ref, "change_type": c.change_type, "payload": c.payload, "status": c.status,
            "attempts": c.attempts, "last_error": c.last_error, "created_at": _iso(c.created_at),
            "sent_at": _iso(c.sent_at)}
