"""The tax ledger's pure rules: what a finalized paycheck record is, the YTD it implies for the next
withholding request, and the W-2 / 1099-NEC boxes a year of records adds up to. No I/O here."""

from .forms import build_1099_nec, build_w2, masked_ssn
from .records import (
    AMOUNT_FIELDS,
    EMPLOYEE_TAXES,
    EMPLOYER_TAXES,
    TAXABLE_WAGES,
    PaycheckRecord,
    paycheck_from_dict,
)
from .ytd import SUM_NAMES, year_to_date, ytd_dict

__all__ = ["AMOUNT_FIELDS", "EMPLOYEE_TAXES", "EMPLOYER_TAXES", "SUM_NAMES", "TAXABLE_WAGES", "PaycheckRecord",
           "build_1099_nec", "build_w2", "masked_ssn", "paycheck_from_dict", "year_to_date", "ytd_dict"]
