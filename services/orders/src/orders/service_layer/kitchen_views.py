"""The kitchen as screens and other clients read it: tickets, stations, routes, all-day, load (JSON)."""
from __future__ import annotations

from datetime import datetime

from orders.domain.kitchen import RoutingRule, Station, Ticket, age_level
from orders.domain.kitchen_load import AllDayCount, KitchenLoad


def ticket_to_json(ticket: Ticket, station: Station | None, now: datetime) -> dict:
    """The full ticket: a screen upserts it by ticket_id (and drops it once done). elapsed_seconds
    and age_level are as of `now`; a screen ticks the timer on from fired_at itself."""
    elapsed = ticket.elapsed_seconds(now)
    header = ticket.header
    return {
        "ticket_id": str(ticket.ticket_id), "order_id": str(ticket.order_id),
        "location_id": str(ticket.location_id), "station_id": str(ticket.station_id), "kind": ticket.kind,
        "state": ticket.state, "rush": ticket.rush, "version": ticket.version,
        "order": {"order_type": header.order_type, "table": header.table, "guest_count": header.guest_count,
                  "server_id": header.server_id or None, "server_name": header.server_name,
                  "channel": header.channel, "order_number": header.order_number, "cancelled": header.cancelled},
        "created_at": ticket.created_at.isoformat(),
        "fired_at": (ticket.fired_at or ticket.created_at).isoformat(),
        "bumped_at": ticket.bumped_at.isoformat() if ticket.bumped_at else None,
        "target_seconds": ticket.target_seconds, "elapsed_seconds": elapsed,
        "age_level": age_level(elapsed, station),
        "items": [{"line_id": item.line_id, "name": item.name, "quantity": item.quantity,
                   "modifiers": [{"name": name} for name in item.modifiers], "allergens": list(item.allergens),
                   "notes": item.notes, "course": item.course, "seat": item.seat or None, "state": item.state,
                   "held": item.held, "addition": item.addition, "prep_time_seconds": item.prep_time_seconds,
                   "fire_at": item.fire_at.isoformat() if item.fire_at else None}
                  for item in ticket.items],
    }


def station_to_json(station: Station) -> dict:
    return {"station_id": str(station.station_id), "location_id": str(station.location_id), "name": station.name,
            "kind": station.kind, "is_default": station.is_default, "position": station.position,
            "warn_after_seconds": station.warn_after_seconds, "late_after_seconds": station.late_after_seconds}


def route_to_json(rule: RoutingRule) -> dict:
    return {"route_id": str(rule.route_id), "location_id": str(rule.location_id),
            "station_id": str(rule.station_id), "match": {rule.match_kind: rule.match_value}}


def all_day_to_json(counts: list[AllDayCount]) -> dict:
    return {"items": [{"name": c.name, "modifiers": [{"name": m} for m in c.modifiers], "quantity": c.quantity}
                      for c in counts]}


def load_to_json(load: KitchenLoad, now: datetime) -> dict:
    from datetime import timedelta

    return {"location_id": str(load.location_id), "busy_level": load.busy_level,
            "quoted_ready_seconds": load.quoted_ready_seconds,
            "quoted_ready_at": (now + timedelta(seconds=load.quoted_ready_seconds)).isoformat(),
            "stations": [{"station_id": str(s.station_id), "name": s.name, "outstanding_items": s.outstanding_items,
                          "outstanding_seconds": s.outstanding_seconds, "backlog_seconds": s.backlog_seconds}
                         for s in load.stations]}
