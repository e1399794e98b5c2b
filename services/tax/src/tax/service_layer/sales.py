"""Sales tax use cases: tax an order at a tenant's location; set a location's tax area."""
from __future__ import annotations

import uuid
from typing import Any

from chassis.errors import InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from tax.adapters.orm import LocationTaxArea, TaxAreaJurisdiction
from tax.adapters.sales_rates import RateTable
from tax.domain.sales import (
    SalesTaxRateNotFoundError,
    SalesTaxRequest,
    SalesTaxValidationError,
    calculate_sales_tax,
)


def parse_uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput("must be a UUID", field=field) from None


def tax_area_of(session: Session, tenant_id: uuid.UUID, location_id: uuid.UUID) -> str:
    area = session.scalars(select(LocationTaxArea.tax_area).where(
        LocationTaxArea.tenant_id == tenant_id, LocationTaxArea.location_id == location_id,
        LocationTaxArea.deleted_at.is_(None))).first()
    if area is None:
        raise NotFound("location has no tax area configured", field="location_id")
    return area


def calculate_for_location(session: Session, table: RateTable, tenant_id: uuid.UUID,
                           request: dict[str, Any]) -> dict[str, Any]:
    """`request` is the engine's JSON shape with a tenant location UUID as location_id."""
    if not isinstance(request, dict):
        raise InvalidInput("request must be an object")
    location_id = parse_uuid(request.get("location_id"), "location_id")
    area = tax_area_of(session, tenant_id, location_id)
    try:
        engine_request = SalesTaxRequest.from_dict({**request, "location_id": area})
        result = calculate_sales_tax(engine_request, table.rates).to_dict()
    except SalesTaxValidationError as error:
        raise InvalidInput(error.message, field=error.field) from None
    except SalesTaxRateNotFoundError as error:
        raise InvalidInput(error.message, field=error.field) from None
    return {**result, "location_id": str(location_id), "tax_area": area, "rules_version": table.version}


def set_location_tax_area(session: Session, tenant_id: uuid.UUID, location_id: uuid.UUID, tax_area: str) -> None:
    known = session.scalars(select(TaxAreaJurisdiction.id).where(TaxAreaJurisdiction.tax_area == tax_area)).first()
    if known is None:
        raise InvalidInput(f"unknown tax area {tax_area!r}", field="tax_area")
    row = session.scalars(select(LocationTaxArea).where(
        LocationTaxArea.tenant_id == tenant_id, LocationTaxArea.location_id == location_id)).first()
    if row is None:
        session.add(LocationTaxArea(tenant_id=tenant_id, location_id=location_id, tax_area=tax_area))
    else:
        row.tax_area, row.deleted_at = tax_area, None
