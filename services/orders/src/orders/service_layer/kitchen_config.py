"""Kitchen configuration: a location's stations and routing rules (managers: kitchen:configure;
reading: kitchen:read), and the defaults a location gets the first time it is used. Every change
takes the location's lock and moves its config_version (the consumer's cache of them)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from chassis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.uow import UnitOfWork, UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain.kitchen import PREP, RoutingRule, Station, default_stations
from orders.service_layer.checks import CheckPeers
from orders.service_layer.ports import LocationDirectory


def stations_of(u: UnitOfWork, tenant: uuid.UUID, location: uuid.UUID, peers: CheckPeers) -> list[Station]:
    return ensure_stations(u, tenant, location, peers)[0]


def ensure_stations(u: UnitOfWork, tenant: uuid.UUID, location: uuid.UUID,
                     peers: CheckPeers) -> tuple[list[Station], bool]:
    """The location's stations; the first time, the defaults (call with the location locked). A
    location whose manager set up only an expo station gets the default prep station too: every
    line needs a station to go to. Also says whether it added any."""
    stations = u.kitchen.stations(tenant, location)
    added = default_stations(tenant, location, peers.new_id) if not stations else []
    if stations and not any(s.kind == PREP for s in stations):
        added = [s for s in default_stations(tenant, location, peers.new_id) if s.kind == PREP]
    for station in added:
        u.kitchen.add_station(station)
    if added:
        u.kitchen.bump_config(location)
        u.flush()
    return sorted([*stations, *added], key=lambda s: (s.position, s.name, str(s.station_id))), bool(added)


# ---------------------------------------------------------------- stations and routing (managers)
def list_stations(uow: UnitOfWorkFactory, identity: Identity, location_id: str, *, peers: CheckPeers,
                  locations: LocationDirectory | None = None) -> list[Station]:
    """The location's stations; a location nobody configured gets the defaults (Kitchen, Expo) on
    first read, so a screen can be opened before the first order."""
    require(identity, "kitchen:read")
    location = visible_location(identity, location_id)
    with uow() as u:
        stations = u.kitchen.stations(identity.tenant_uuid, location)
        if stations:
            return stations
    if locations is not None:
        locations.check_location(identity, location)
    with uow() as u:
        u.kitchen.lock_location(identity.tenant_uuid, location)
        stations = stations_of(u, identity.tenant_uuid, location, peers)
        u.commit()
        return stations


@dataclass(frozen=True)
class StationChange:
    name: str | None = None
    kind: str | None = None
    is_default: bool | None = None
    warn_after_seconds: int | None = None
    late_after_seconds: int | None = None
    position: int | None = None


def create_station(uow: UnitOfWorkFactory, identity: Identity, location_id: str, change: StationChange, *,
                   peers: CheckPeers, locations: LocationDirectory | None = None) -> Station:
    require(identity, "kitchen:configure")
    location = visible_location(identity, location_id)
    if change.name is None:
        raise InvalidInput("is required", field="name")
    if locations is not None:
        locations.check_location(identity, location)
    with uow() as u:
        u.kitchen.lock_location(identity.tenant_uuid, location)
        existing = stations_of(u, identity.tenant_uuid, location, peers)  # the defaults first, if none yet
        station = Station.create(station_id=peers.new_id(), tenant_id=identity.tenant_uuid, location_id=location,
                                 name=change.name, kind=change.kind or "prep",
                                 is_default=bool(change.is_default),
                                 warn_after_seconds=change.warn_after_seconds or 300,
                                 late_after_seconds=change.late_after_seconds or 600,
                                 position=change.position if change.position is not None else len(existing))
        _one_default(u, existing, station)
        u.kitchen.add_station(station)
        u.kitchen.bump_config(location)
        u.commit()
        return station


def change_station(uow: UnitOfWorkFactory, identity: Identity, station_id: str, change: StationChange) -> Station:
    require(identity, "kitchen:configure")
    with uow() as u:
        station = _visible_station(u, identity, station_id)
        u.kitchen.lock_location(station.tenant_id, station.location_id)
        was_default = station.is_default
        if was_default and change.is_default is False:
            raise Conflict("a location keeps one default station: make another one the default", field="is_default")
        if change.kind == "expo" and station.kind != "expo" and any(
                r.station_id == station.station_id for r in u.kitchen.routes(station.tenant_id, station.location_id)):
            raise Conflict("routing rules lead to this station: delete them before making it expo", field="kind")
        station.change(**change.__dict__)
        if station.is_default and not was_default:
            _one_default(u, u.kitchen.stations(station.tenant_id, station.location_id), station)
        u.kitchen.save_station(station)
        u.kitchen.bump_config(station.location_id)
        u.commit()
        return station


def delete_station(uow: UnitOfWorkFactory, identity: Identity, station_id: str) -> None:
    require(identity, "kitchen:configure")
    with uow() as u:
        station = _visible_station(u, identity, station_id)
        u.kitchen.lock_location(station.tenant_id, station.location_id)
        if station.is_default:
            raise Conflict("the default station cannot be deleted: make another one the default", field="station_id")
        if u.kitchen.open_tickets_at(station.station_id):
            raise Conflict("the station has open tickets: bump them first", field="station_id")
        u.kitchen.delete_station(station)
        u.kitchen.bump_config(station.location_id)
        u.commit()


def _one_default(u: UnitOfWork, existing: Sequence[Station], station: Station) -> None:
    if not station.is_default:
        return
    for other in existing:
        if other.is_default and other.station_id != station.station_id:
            other.is_default = False
            u.kitchen.save_station(other)


def list_routes(uow: UnitOfWorkFactory, identity: Identity, location_id: str) -> list[RoutingRule]:
    require(identity, "kitchen:read")
    location = visible_location(identity, location_id)
    with uow() as u:
        return u.kitchen.routes(identity.tenant_uuid, location)


def create_route(uow: UnitOfWorkFactory, identity: Identity, station_id: str, match: dict, *,
                 peers: CheckPeers) -> RoutingRule:
    """Items matching `match` (item_id, category_id or tag) go to the station; one rule per match."""
    require(identity, "kitchen:configure")
    with uow() as u:
        station = _visible_station(u, identity, station_id)
        u.kitchen.lock_location(station.tenant_id, station.location_id)
        rule = RoutingRule.create(route_id=peers.new_id(), tenant_id=station.tenant_id,
                                  location_id=station.location_id, station=station, match=match)
        if any((r.match_kind, r.match_value) == (rule.match_kind, rule.match_value)
               for r in u.kitchen.routes(station.tenant_id, station.location_id)):
            raise Conflict(f"a rule for this {rule.match_kind} exists already at the location: delete it first",
                           field=f"match.{rule.match_kind}")
        u.kitchen.add_route(rule)
        u.kitchen.bump_config(station.location_id)
        u.commit()
        return rule


def delete_route(uow: UnitOfWorkFactory, identity: Identity, route_id: str) -> None:
    require(identity, "kitchen:configure")
    with uow() as u:
        rule = u.kitchen.get_route(identity.tenant_uuid, parse_uuid(route_id, "route_id"))
        if rule is None or not identity.may_access_location(str(rule.location_id)):
            raise NotFound("no such route", field="route_id")
        u.kitchen.lock_location(rule.tenant_id, rule.location_id)
        u.kitchen.delete_route(rule)
        u.kitchen.bump_config(rule.location_id)
        u.commit()


# ---------------------------------------------------------------- internals
def require(identity: Identity, permission: str) -> None:
    if not identity.has(permission):
        raise PermissionDenied(f"missing permission {permission}")


def visible_location(identity: Identity, location_id: str) -> uuid.UUID:
    location = parse_uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise PermissionDenied("not allowed at this location", field="location_id")
    return location


def _visible_station(u: UnitOfWork, identity: Identity, station_id: str) -> Station:
    station = u.kitchen.get_station(identity.tenant_uuid, parse_uuid(station_id, "station_id"))
    if station is None or not identity.may_access_location(str(station.location_id)):
        raise NotFound("no such station", field="station_id")
    return station
