"""Hours and pay engine (pure: stdlib + decimal, no I/O): worked hours, rates, bonuses and tips -> earnings.

    from payroll.domain.pay import PayRequest, compute_pay

    request = PayRequest.from_dict(payload)     # the preview request JSON; PayInputError(field, message)
    result = compute_pay(request)               # PayResult
    result.to_dict()                            # hours, regular_rate, earnings[], cash_wages, reported_tips,
                                                # tip_credit_top_up, gross_wages, explanation[], workweeks[], rules

Modules: model (input), result (output), hours (FLSA weekly / California daily splits), rates (hourly and
tipped cash rates), bonuses (regular rate, 778.110 and Alvarado), tips (allocation, weekly top-up),
rules (minimum wages and tip credits by state and date, with sources), engine (the worksheet).
"""

from .engine import compute_pay
from .errors import PayInputError
from .model import Bonus, Pay, PayPolicy, PayRequest, Workweek
from .result import EarningsLine, ExplanationLine, HoursSummary, PayResult, WorkweekResult

__all__ = [
    "Bonus", "EarningsLine", "ExplanationLine", "HoursSummary", "Pay", "PayInputError", "PayPolicy", "PayRequest",
    "PayResult", "Workweek", "WorkweekResult", "compute_pay",
]
