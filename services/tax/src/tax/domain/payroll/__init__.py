"""Payroll-tax withholding engine (pure: no I/O, no framework, no database).

    from tax.domain.payroll import WithholdingRequest, calculate_withholding
    from tax.rules import load_rulebook

    req = WithholdingRequest.from_dict(payload)            # raises ValidationError(field, message)
    result = calculate_withholding(req, load_rulebook().for_date(req.pay_date))
    result.to_dict()                                        # amounts as "0.00" strings
"""

from .engine import calculate_withholding, calculate_withholding_batch
from .model import (
    EmployeeTaxes,
    EmployerOptions,
    EmployerTaxes,
    ExplanationLine,
    FederalW4,
    Locality,
    PretaxDeduction,
    TaxableWages,
    WithholdingRequest,
    WithholdingResult,
    YearToDate,
)
from .ruleset import BracketTable, RuleBook, RuleDataError, RuleSet
from .validation import ValidationError

__all__ = [
    "BracketTable", "EmployeeTaxes", "EmployerOptions", "EmployerTaxes", "ExplanationLine", "FederalW4",
    "Locality", "PretaxDeduction", "RuleBook", "RuleDataError", "RuleSet", "TaxableWages", "ValidationError",
    "WithholdingRequest", "WithholdingResult", "YearToDate", "calculate_withholding",
    "calculate_withholding_batch",
]
