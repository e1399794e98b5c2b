"""Pure sales-tax engine: no I/O, no framework, no database.

Public API (the service layer imports only these names):
    calculate_sales_tax(req, jurisdictions) -> SalesTaxResult
    SalesTaxRequest.from_dict(d), SalesTaxResult.to_dict()
    build_jurisdiction_rates(rate_rows, location_rows) -> list[JurisdictionRate]
    build_rate_table(rate_rows, area_rows) -> RateTable (the rates and a version naming them)
The seed rows are read by tax.rules.sales_data.load_sales_rows() (that module does the I/O).
"""

from .engine import calculate_sales_tax, select_jurisdictions
from .errors import (
    SalesTaxDataError,
    SalesTaxError,
    SalesTaxRateNotFoundError,
    SalesTaxValidationError,
)
from .jurisdiction import CATEGORIES, LEVELS, ROUNDINGS, JurisdictionRate
from .request import SalesLine, SalesTaxRequest, validate_request
from .result import JurisdictionTax, LineTax, SalesTaxResult
from .rows import build_jurisdiction_rates
from .table import RateTable, build_rate_table

__all__ = [
    "CATEGORIES",
    "LEVELS",
    "ROUNDINGS",
    "JurisdictionRate",
    "JurisdictionTax",
    "LineTax",
    "RateTable",
    "SalesLine",
    "SalesTaxDataError",
    "SalesTaxError",
    "SalesTaxRateNotFoundError",
    "SalesTaxRequest",
    "SalesTaxResult",
    "SalesTaxValidationError",
    "build_jurisdiction_rates",
    "build_rate_table",
    "calculate_sales_tax",
    "select_jurisdictions",
    "validate_request",
]
