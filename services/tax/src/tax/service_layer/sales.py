"""Sales tax use cases: tax an order at a tenant's location; set a location's tax area."""
from __future__ import annotations

import uuid
from typing import Any

from chassis.errors import InvalidInput, NotFound
from chassis.validation import parse_uuid

from tax.adapters.orm import LocationTaxArea
from tax.domain.sales import (
    SalesTaxRateNotFoundError,
    SalesTaxRequest,
    SalesTaxValidationError,
    calculate_sales_tax,
)
from tax.service_layer.ports import SalesRateSource, TaxUnitOfWorkFactory


def calculate_for_location(uow: TaxUnitOfWorkFactory, rates: SalesRateSource, tenant_id: uuid.UUID,
                           request: dict[str, Any]) -> dict[str, Any]:
    """`request` is the engine's JSON shape with a tenant location UUID as location_id."""
    if not isinstance(request, dict):
        raise InvalidInput("request must be an object")
    location_id = parse_uuid(request.get("location_id"), "location_id")
    table = rates.get()
    with uow() as work:
        area = work.locations.tax_area_of(tenant_id, location_id)
    if area is None:
        raise NotFound("location has no tax area configured", field="location_id")
    try:
        engine_request = SalesTaxRequest.from_dict({**request, "location_id": area})
        result = calculate_sales_tax(engine_request, table.rates).to_dict()
    except (SalesTaxValidationError, SalesTaxRateNotFoundError) as error:
        raise InvalidInput(error.message, field=error.field) from None
    return {**result, "location_id": str(location_id), "tax_area": area, "rules_version": table.version}


def set_location_tax_area(uow: TaxUnitOfWorkFactory, tenant_id: uuid.UUID, location_id: uuid.UUID,
                          tax_area: str) -> None:
    with uow() as work:
        if not work.sales_rates.area_exists(tax_area):
            raise InvalidInput(f"unknown tax area {tax_area!r}", field="tax_area")
        row = work.locations.get(tenant_id, location_id)
        if row is None:
            work.locations.add(LocationTaxArea(tenant_id=tenant_id, location_id=location_id, tax_area=tax_area))
        else:
            row.tax_area, row.deleted_at = tax_area, None
        work.commit()
