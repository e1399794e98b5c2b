"""Reconciliation use cases: import a settlement file for a location and business day, and the
report of that day (recorded payments against the latest file imported). Both need
orders:reconcile; the report may also be read with reports:read.

Importing the same file (same SHA-256) for the same location and day again changes nothing: the
first import is answered (`created: false`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chassis.errors import InvalidInput, NotFound, PermissionDenied
from chassis.identity import Identity
from chassis.uow import UnitOfWorkFactory
from chassis.validation import parse_uuid

from orders.domain import reconciliation as rec
from orders.domain.order import IdempotencyKeyTaken
from orders.domain.reconciliation import Reconciliation, SettlementImport
from orders.service_layer.checks import CheckPeers

SOURCES = ("processor", "pos")


@dataclass(frozen=True)
class Imported:
    settlement: SettlementImport
    created: bool


@dataclass(frozen=True)
class DayReport:
    location_id: str
    business_date: date
    settlement: SettlementImport | None
    reconciliation: Reconciliation
    recorded_cents: int
    settled_cents: int


def import_settlement(uow: UnitOfWorkFactory, identity: Identity, location_id: str, business_date: str,
                      content: bytes, *, peers: CheckPeers, source: str = "processor") -> Imported:
    if not identity.has("orders:reconcile"):
        raise PermissionDenied("importing a settlement needs orders:reconcile")
    location, day = _where(identity, location_id, business_date)
    if source not in SOURCES:
        raise InvalidInput(f"must be one of {', '.join(SOURCES)}", field="source")
    if not content.strip():
        raise InvalidInput("is empty", field="file")
    digest = rec.file_hash(content)
    lines = rec.parse_settlement(content, location_id=location, business_date=day)
    existing = _find(uow, identity, location, day, digest)
    if existing:
        return Imported(existing, False)
    settlement = SettlementImport(peers.new_id(), identity.tenant_uuid, location, day, digest, len(lines),
                                  identity.subject, peers.clock(), source)
    try:
        with uow() as u:
            u.settlements.add(settlement, lines, peers.new_id)
            u.commit()
    except IdempotencyKeyTaken:  # the same file, imported concurrently
        existing = _find(uow, identity, location, day, digest)
        if existing:
            return Imported(existing, False)
        raise
    return Imported(settlement, True)


def day_report(uow: UnitOfWorkFactory, identity: Identity, location_id: str, business_date: str, *,
               tolerance_cents: int = 0) -> DayReport:
    if not (identity.has("orders:reconcile") or identity.has("reports:read")):
        raise PermissionDenied("missing permission orders:reconcile or reports:read")
    location, day = _where(identity, location_id, business_date)
    with uow() as u:
        latest = u.settlements.latest(identity.tenant_uuid, location, day)
        payments = u.payments.for_day(identity.tenant_uuid, location, day)
    settlement, lines = latest if latest else (None, [])
    result = rec.reconcile(payments, lines, tolerance_cents)
    recorded = sum(p.amount_cents - p.refunded_cents + p.tip_cents - p.refunded_tip_cents
                   for p in payments if p.tender in rec.SETTLED_TENDERS)
    return DayReport(str(location), day, settlement, result, recorded,
                     sum(line.amount_cents + line.tip_cents for line in lines))


def _find(uow: UnitOfWorkFactory, identity: Identity, location, day, digest) -> SettlementImport | None:
    with uow() as u:
        return u.settlements.find(identity.tenant_uuid, location, day, digest)


def _where(identity: Identity, location_id: str, business_date: str):
    location = parse_uuid(location_id, "location_id")
    if not identity.may_access_location(str(location)):
        raise NotFound("no such location", field="location_id")
    try:
        day = datetime.strptime(business_date, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("must be a date YYYY-MM-DD", field="business_date") from None
    return location, day
