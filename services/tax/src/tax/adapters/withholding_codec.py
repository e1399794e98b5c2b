"""Protobuf <-> payroll engine, for the gRPC withholding RPCs.

Two ways from a `WithholdingRequest` message to the engine's request:

* `to_dict(msg)` gives the JSON shape REST receives, and `WithholdingRequest.from_dict` validates it:
  the canonical path, naming the field of any error (~57 us a request).
* `FastParser.parse(msg, ...)` builds the engine request directly (~13 us), because a pay run of
  thousands of employees must stay near the engine's own ~30 us per calculation (target: 20,000
  calculations a second through the batch RPC on one core). It never
  validates on its own authority: it accepts only values it can check in a line (plain decimal
  strings, known choices) and reuses sub-objects (W-4, state form, locality, employer options) that
  the canonical path built earlier for the same bytes. Anything else - an unseen W-4, a malformed
  amount, any error - returns None and the caller takes the canonical path, which then either builds
  the request (and feeds the caches) or raises the canonical error. A test checks both paths agree.

Results go out with the amounts set in place on the response's messages (`add_results`); the
explanation lines, most of a result's size, only when asked for.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from auraconnect.tax.v1 import payroll_tax_pb2 as pb

from tax.domain.payroll import EmployerOptions, ValidationError, WithholdingRequest, YearToDate
from tax.domain.payroll.model import FREQUENCIES, PAYMENT_TYPES, PRETAX_TYPES, SUPPLEMENTAL_KINDS, PretaxDeduction
from tax.domain.payroll.money import CENT, ZERO
from tax.domain.payroll.request_list import BuildError, Missing
from tax.domain.payroll.states import STATES
from tax.domain.request_json import with_context

_SCALARS = ("pay_date", "pay_frequency", "payment_type", "wages", "tips", "work_state", "supplemental_kind")
_YTD = ("wages", "ss_wages", "medicare_wages", "futa_wages", "suta_wages", "state_wages", "supplemental_wages",
        "ss_tax")
_W4_AMOUNTS = ("dependents_amount", "other_income", "deductions", "extra_withholding")
_NO_EMPLOYER = EmployerOptions()


def to_dict(msg: pb.WithholdingRequest) -> dict[str, Any]:
    """The request as REST JSON. Proto3 cannot tell "" from unset, so "" means a missing key."""
    d: dict[str, Any] = {key: value for key in _SCALARS if (value := getattr(msg, key))}
    if msg.pretax_deductions:
        d["pretax_deductions"] = [{k: v for k, v in (("type", p.type), ("amount", p.amount)) if v}
                                  for p in msg.pretax_deductions]
    if msg.HasField("ytd"):
        d["ytd"] = {key: value for key in _YTD if (value := getattr(msg.ytd, key))}
    if msg.HasField("locality"):
        loc = msg.locality
        d["locality"] = {"resident": loc.resident} | ({"code": loc.code} if loc.code else {})
    if msg.HasField("federal"):
        f = msg.federal
        w4: dict[str, Any] = {k: v for k in ("form_version", "filing_status", *_W4_AMOUNTS) if (v := getattr(f, k))}
        w4 |= {"multiple_jobs": f.multiple_jobs, "exempt": f.exempt}
        if f.HasField("allowances"):
            w4["allowances"] = f.allowances
        d["federal"] = w4
    if msg.HasField("state"):
        s = msg.state
        form: dict[str, Any] = {k: v for k in ("filing_status", "extra_withholding") if (v := getattr(s, k))}
        for key in ("regular_allowances", "estimated_deduction_allowances"):
            if s.HasField(key):
                form[key] = getattr(s, key)
        d["state"] = form
    if msg.HasField("employer"):
        e = msg.employer
        d["employer"] = ({k: v for k in ("suta_rate", "suta_wage_base") if (v := getattr(e, k))}
                         | {"round_federal_to_whole_dollars": e.round_federal_to_whole_dollars})
    return d


# A plain amount: digits, at most two decimals, at most 999,999,999.99 - exactly what the engine's
# money() accepts without a message (it also accepts a few more spellings; those go the slow way).
_MONEY = re.compile(r"(?:0|[1-9]\d{0,8})(?:\.\d{1,2})?").fullmatch


class _Slow(Exception):
    """This request needs the canonical path."""


def _constructor(cls):
    """Build a frozen slots dataclass without its generated __init__, whose per-field
    object.__setattr__ (the frozen check) costs about as much as the rest of parsing: set each slot
    through its descriptor, then run the class's own __post_init__, if any. Only for values already
    validated; a test checks the objects equal what __init__ builds."""
    setters = tuple(getattr(cls, f.name).__set__ for f in dataclasses.fields(cls) if f.init)
    post_init = getattr(cls, "__post_init__", None)
    new = object.__new__

    def make(*values):
        obj = new(cls)
        for set_slot, value in zip(setters, values, strict=True):
            set_slot(obj, value)
        if post_init is not None:
            post_init(obj)
        return obj

    return make


_new_request = _constructor(WithholdingRequest)
_new_ytd = _constructor(YearToDate)
_new_pretax = _constructor(PretaxDeduction)


class FastParser:
    """Caches of already-validated values, keyed by what the wire carried for them.

    Sub-objects (W-4, state form, locality, employer options) are the canonical path's own objects,
    keyed by the bytes of the sub-message that produced them; amounts are Decimals keyed by their text
    ("0.00" appears in most requests). Engine objects and Decimals are immutable, so sharing them
    between requests is safe. A tenant has hundreds of distinct W-4s, not millions; past the bound
    the caches are simply emptied.
    """

    MAX_ENTRIES = 200_000

    def __init__(self) -> None:
        self.dates: dict[str, date] = {}
        self.amounts: dict[str, Decimal] = {}
        self.federal: dict[bytes, Any] = {}
        # An absent state form and an empty one mean the same to every state method: one key (b"").
        self.state: dict[tuple[str, bytes], Any] = {}
        self.locality: dict[tuple[str, bytes], Any] = {}
        # Likewise for employer options: absent or empty is EmployerOptions().
        self.employer: dict[bytes, EmployerOptions] = {b"": _NO_EMPLOYER}

    def parse(self, msg: pb.WithholdingRequest, ytd: YearToDate | None = None,
              employer: EmployerOptions | None = None) -> WithholdingRequest | None:
        """The engine request, or None when only the canonical path can decide.

        `ytd` / `employer` replace the message's own (the ledger's YTD, the tenant's settings)."""
        try:
            return self._parse(msg, ytd, employer)
        except (_Slow, KeyError, ValidationError):
            return None

    def _amount(self, text: str) -> Decimal:
        value = self.amounts.get(text)
        if value is None:
            if not _MONEY(text):
                raise _Slow
            if len(self.amounts) > self.MAX_ENTRIES:
                self.amounts.clear()
            value = self.amounts[text] = Decimal(text)
        return value

    def _parse(self, msg, ytd, employer) -> WithholdingRequest:
        work_state = msg.work_state
        method = STATES[work_state]
        payment_type = msg.payment_type
        frequency = msg.pay_frequency
        if payment_type not in PAYMENT_TYPES or frequency not in FREQUENCIES:
            raise _Slow
        amount = self._amount
        tips = msg.tips
        deductions = msg.pretax_deductions
        pretax = tuple([self._pretax(p) for p in deductions]) if deductions else ()
        kind = msg.supplemental_kind or None
        if kind is not None and (kind not in SUPPLEMENTAL_KINDS or payment_type != "supplemental"):
            raise _Slow
        req = _new_request(
            self.dates[msg.pay_date], frequency, payment_type, amount(msg.wages), amount(tips) if tips else ZERO,
            pretax, self._ytd(msg.ytd) if ytd is None else ytd, work_state,
            self.locality[(work_state, msg.locality.SerializeToString())] if msg.HasField("locality") else None,
            self.federal[msg.federal.SerializeToString()],
            self.state[(work_state, msg.state.SerializeToString() if msg.HasField("state") else b"")],
            employer if employer is not None else
            self.employer[msg.employer.SerializeToString()] if msg.HasField("employer") else _NO_EMPLOYER,
            kind)
        method.validate(req)
        return req

    def _pretax(self, p) -> PretaxDeduction:
        if p.type not in PRETAX_TYPES:
            raise _Slow
        return _new_pretax(p.type, self._amount(p.amount))

    def _ytd(self, y) -> YearToDate:
        amount = self._amount
        wages = amount(y.wages)  # "" (no ytd at all, or no wages) is no amount: the canonical path decides
        # Most YTD messages carry only wages (the bases default to it): read each field once.
        ss, medicare, futa, suta, state, supplemental, ss_tax = (
            y.ss_wages, y.medicare_wages, y.futa_wages, y.suta_wages, y.state_wages, y.supplemental_wages, y.ss_tax)
        return _new_ytd(wages, amount(ss) if ss else wages, amount(medicare) if medicare else wages,
                        amount(futa) if futa else wages, amount(suta) if suta else wages,
                        amount(state) if state else wages, amount(supplemental) if supplemental else None,
                        amount(ss_tax) if ss_tax else None)

    def learn(self, msg: pb.WithholdingRequest, req: WithholdingRequest) -> None:
        """Remember the sub-objects the canonical path built for this message."""
        if len(self.federal) + len(self.state) + len(self.locality) + len(self.employer) > self.MAX_ENTRIES:
            self.__init__()
        self.dates[msg.pay_date] = req.pay_date
        self.federal[msg.federal.SerializeToString()] = req.federal
        self.state[(req.work_state, msg.state.SerializeToString())] = req.state
        if msg.HasField("locality"):
            self.locality[(req.work_state, msg.locality.SerializeToString())] = req.locality
        if msg.HasField("employer"):
            self.employer[msg.employer.SerializeToString()] = req.employer


# ---------------------------------------------------------------- results


def _texts(result) -> list[str]:
    """The result's 19 amounts as two-decimal strings, as the engine's fmt_money writes them.

    Final amounts are whole cents already, so str() (run in C by map) is the answer for nearly all;
    only the engine's zero constant ("0") and amounts that arrived without cents ("1000") are fixed."""
    values = (*result.employee, *result.employer, *result.taxable_wages)
    texts = list(map(str, values))
    for i, text in enumerate(texts):
        if text[-3:-2] != ".":
            texts[i] = "0.00" if text == "0" else str(values[i].quantize(CENT, ROUND_HALF_UP))
    return texts


def _fill(out: pb.WithholdingResult, result, include_explanation: bool) -> None:
    """Set the result's fields in place: cheaper than building sub-messages and copying them in."""
    t = _texts(result)
    x = out.employee
    (x.federal_income_tax, x.social_security, x.medicare, x.additional_medicare, x.state_income_tax,
     x.state_disability, x.state_unemployment, x.local_income_tax) = t[:8]
    x = out.employer
    x.social_security, x.medicare, x.futa, x.suta = t[8:12]
    x = out.taxable_wages
    x.federal_income_tax, x.social_security, x.medicare, x.state, x.local, x.futa, x.suta = t[12:]
    out.rules_version = result.rules_version
    if include_explanation:
        out.explanation.extend(pb.ExplanationLine(**line) for line in result.to_dict()["explanation"])


def result_to_proto(result, include_explanation: bool = True) -> pb.WithholdingResult:
    out = pb.WithholdingResult()
    _fill(out, result, include_explanation)
    return out


def add_results(repeated, results, include_explanation: bool) -> None:
    """Append results to a response's repeated field, built in place (no copy of each message)."""
    add = repeated.add
    for result in results:
        _fill(add(), result, include_explanation)


def result_from_proto(msg: pb.WithholdingResult) -> dict[str, Any]:
    """The result message as the REST JSON (for clients and tests comparing the two)."""
    from google.protobuf.json_format import MessageToDict

    d = MessageToDict(msg, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    return {"employee": d["employee"], "employer": d["employer"], "taxable_wages": d["taxable_wages"],
            "explanation": d["explanation"], "rules_version": d["rules_version"]}


class ProtoRequests:
    """gRPC WithholdingRequest messages as domain.payroll.request_list.Requests: the fast parser first,
    the canonical JSON path for whatever it leaves (and for every error)."""

    def __init__(self, messages, parser: FastParser) -> None:
        self.messages = messages
        self.parser = parser

    def __len__(self) -> int:
        return len(self.messages)

    def missing(self) -> dict[int, Missing]:
        out = {}
        for i, msg in enumerate(self.messages):
            needs_ytd, needs_employer = not msg.HasField("ytd"), not msg.HasField("employer")
            if needs_ytd or needs_employer:
                out[i] = Missing(msg.employee_id, needs_ytd, needs_employer, msg.pay_date, msg.work_state)
        return out

    def build(self, supplied) -> list[WithholdingRequest]:
        parse = self.parser._parse
        out = []
        append = out.append
        for i, msg in enumerate(self.messages):
            ytd, employer = supplied.get(i, _NOTHING) if supplied else _NOTHING
            try:
                append(parse(msg, ytd, employer))
            except (_Slow, KeyError, ValidationError):
                append(self._canonical(i, msg, ytd, employer))
        return out

    def _canonical(self, i: int, msg, ytd, employer) -> WithholdingRequest:
        try:
            req = WithholdingRequest.from_dict(with_context(to_dict(msg), ytd, employer))
        except ValidationError as error:
            raise BuildError(i, error) from None
        self.parser.learn(msg, req)
        return req


_NOTHING = (None, None)
