"""Staff records as data: jobs and their pay, pay frequency, tax forms, identifiers (pure).

Every check names the field as the REST body spells it. Money is a decimal string (floats refused);
tax forms are checked for shape only, as the tax service reads them (`payroll.domain.pay.taxes`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chassis.errors import InvalidInput

from payroll.domain.pay import taxes
from payroll.domain.pay import validation as v

PAY_TYPES = ("hourly", "tipped", "salary")
PAY_FREQUENCIES = ("weekly", "biweekly")  # what timesheets cover today
JOB_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
PIN = re.compile(r"^[0-9]{4,8}$")
SSN = re.compile(r"^(?!000|666|9)[0-9]{3}-?(?!00)[0-9]{2}-?(?!0000)[0-9]{4}$")
ACCOUNT = re.compile(r"^[0-9]{4,17}$")
ROUTING = re.compile(r"^[0-9]{9}$")
MAX_JOBS = 10


def job(raw: Any, path: str) -> dict:
    """`{job_code, pay_type, rate | cash_wage_rate, exempt?}`; `rate` is hourly (hourly) or yearly (salary);
    `exempt` (salary only, default true): FLSA exempt, no overtime (below the salary floor the pay engine
    pays overtime anyway, domain/pay/salary.py)."""
    raw = v.obj(raw, path)
    v.check_keys(raw, ("job_code", "pay_type", "rate", "cash_wage_rate", "exempt"), path)
    code = raw.get("job_code")
    if not isinstance(code, str) or not JOB_CODE.match(code):
        raise InvalidInput("a short code: lower-case letters, digits, - or _ (e.g. \"server\")",
                           field=v.join(path, "job_code"))
    kind = v.choice(raw, "pay_type", path, PAY_TYPES)
    wanted, other = ("cash_wage_rate", "rate") if kind == "tipped" else ("rate", "cash_wage_rate")
    if raw.get(other) is not None:
        raise InvalidInput(f"not for pay_type {kind} (use {wanted})", field=v.join(path, other))
    if kind == "salary":
        amount = v.money(raw, "rate", path, required=True)
        if amount <= 0:
            raise InvalidInput("a yearly salary greater than 0", field=v.join(path, "rate"))
        exempt = raw.get("exempt", True)
        if not isinstance(exempt, bool):
            raise InvalidInput("true or false", field=v.join(path, "exempt"))
        return {"job_code": code, "pay_type": kind, "rate": str(amount), "exempt": exempt}
    if raw.get("exempt") is not None:
        raise InvalidInput("only for pay_type salary", field=v.join(path, "exempt"))
    return {"job_code": code, "pay_type": kind, wanted: str(v.rate(raw, wanted, path))}


def jobs(raw: Any, path: str = "jobs") -> list[dict]:
    items = v.array(raw, path)
    if not 1 <= len(items) <= MAX_JOBS:
        raise InvalidInput(f"1 to {MAX_JOBS} jobs; the first is the main job", field=path)
    parsed = [job(item, v.join(path, i)) for i, item in enumerate(items)]
    for i, j in enumerate(parsed[1:], start=1):
        if j["pay_type"] == "salary":  # a salary pays the person, not the hours of one job
            raise InvalidInput("only the main job (the first) may be salaried", field=v.join(v.join(path, i), "pay_type"))
    codes = [j["job_code"] for j in parsed]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise InvalidInput(f"{code!r} is listed twice", field=v.join(v.join(path, i), "job_code"))
    return parsed


def pay_frequency(value: Any, field: str = "pay_frequency") -> str:
    if value not in PAY_FREQUENCIES:
        raise InvalidInput(f"must be one of {', '.join(PAY_FREQUENCIES)}", field=field)
    return value


def tax_forms(raw: Any, path: str = "tax_forms") -> dict:
    """`{federal: W-4, state: DE 4, locality: {code, resident}}`, each optional, shaped as the tax
    service's withholding request spells them (no state form: the EDD default applies)."""
    raw = v.obj(raw, path)
    v.check_keys(raw, ("federal", "state", "locality"), path)
    forms = {}
    for key in ("federal", "state", "locality"):
        if raw.get(key) is not None:
            # taxes._object checks a shape against the tax service's wire types; errors name "federal.x".
            try:
                forms[key] = taxes._object(raw[key], key)
            except InvalidInput as error:
                raise InvalidInput(error.message, field=v.join(path, error.field or key)) from None
    form = forms.get("federal")
    if form is not None and form.get("form_version", "2020") not in ("2020", "pre2020"):
        raise InvalidInput('"2020" (2020 and later W-4) or "pre2020"', field=f"{path}.federal.form_version")
    return forms


def pin(value: Any, field: str = "pin") -> str:
    if not isinstance(value, str) or not PIN.match(value):
        raise InvalidInput("4 to 8 digits", field=field)
    return value


def ssn(value: Any, field: str = "ssn") -> str:
    """Digits only (the dashes are presentation)."""
    if not isinstance(value, str) or not SSN.match(value):
        raise InvalidInput("a social security number (123-45-6789)", field=field)
    return value.replace("-", "")


def bank_account(raw: Any, path: str = "bank_account") -> dict:
    raw = v.obj(raw, path)
    v.check_keys(raw, ("routing_number", "account_number", "account_type"), path)
    routing, account = raw.get("routing_number"), raw.get("account_number")
    if not isinstance(routing, str) or not ROUTING.match(routing) or not _aba_checksum(routing):
        raise InvalidInput("a 9-digit ABA routing number", field=f"{path}.routing_number")
    if not isinstance(account, str) or not ACCOUNT.match(account):
        raise InvalidInput("4 to 17 digits", field=f"{path}.account_number")
    kind = raw.get("account_type", "checking")
    if kind not in ("checking", "savings"):
        raise InvalidInput("checking or savings", field=f"{path}.account_type")
    return {"routing_number": routing, "account_number": account, "account_type": kind}


def _aba_checksum(routing: str) -> bool:
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def masked(last4: str | None) -> str | None:
    return None if not last4 else f"***{last4}"


def display_name(value: Any, field: str = "display_name") -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidInput("1 to 200 characters", field=field)
    return value.strip()


def main_job(job_list: list[Mapping[str, Any]]) -> str:
    return job_list[0]["job_code"]
