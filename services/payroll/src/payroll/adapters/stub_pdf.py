"""Pay stubs as PDF, drawn with fpdf2: `render_stub_pdf(stub) -> bytes`.

One Letter page per stub when it fits (fpdf2 breaks pages itself when the explanation is long):
employer and employee header (SSN masked), pay period, earnings with hours, rates and YTD, employee taxes,
pre-tax and post-tax deductions, the summary (gross, taxes, deductions, net pay), employer taxes, notes,
and the rule behind every earnings line. Amounts are printed exactly as in the stub's JSON, so a reader
(or a test reading the PDF back) finds the same figures. Core Helvetica font (no font file to ship): text
outside Latin-1 is transliterated.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from fpdf import FPDF

from payroll.domain.stubs import PayStub, StubLine

LEFT, WIDTH = 12.0, 191.9
ROW = 5.0
# Letters and marks with no Latin-1 form that do not decompose into one (NFKD leaves them whole).
_SPELLED = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i", "‘": "'", "’": "'",
                          "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


def latin1(text: object) -> str:
    out = []
    for ch in str(text).translate(_SPELLED):
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1") or "?")
    return "".join(out)


def _money(x: Decimal | None) -> str:
    return "" if x is None else f"{x:,.2f}"


def _num(x: Decimal | None) -> str:
    return "" if x is None else str(x)


class _Stub(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.set_auto_page_break(True, margin=12)
        self.set_margins(LEFT, 10, LEFT)
        self.set_title(title)
        self.set_creator("AuraConnect payroll")
        self.add_page()

    def text_row(self, cells: Sequence[tuple[str, float, str]], *, bold: bool = False, size: float = 8.5) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        for text, width, align in cells:
            self.cell(width, ROW, latin1(text), align=align)
        self.ln(ROW)

    def section(self, title: str) -> None:
        self.ln(1.5)
        self.set_font("Helvetica", "B", 10)
        self.set_fill_color(230, 230, 230)
        self.cell(WIDTH, 6, latin1(title), fill=True, new_x="LMARGIN", new_y="NEXT")

    def table(self, title: str, lines: Sequence[StubLine], *, with_hours: bool = False) -> None:
        if not lines:
            return
        self.section(title)
        if with_hours:
            widths = (WIDTH - 4 * 28, 28.0, 28.0, 28.0, 28.0)
            self.text_row([("Description", widths[0], "L"), ("Hours", widths[1], "R"), ("Rate", widths[2], "R"),
                           ("Current", widths[3], "R"), ("YTD", widths[4], "R")], bold=True)
            for x in lines:
                self.text_row([(x.label, widths[0], "L"), (_num(x.hours), widths[1], "R"),
                               (_num(x.rate), widths[2], "R"), (_money(x.current), widths[3], "R"),
                               (_money(x.ytd), widths[4], "R")])
        else:
            widths = (WIDTH - 2 * 28, 28.0, 28.0)
            self.text_row([("Description", widths[0], "L"), ("Current", widths[1], "R"), ("YTD", widths[2], "R")],
                          bold=True)
            for x in lines:
                self.text_row([(x.label, widths[0], "L"), (_money(x.current), widths[1], "R"),
                               (_money(x.ytd), widths[2], "R")])


def render_stub_pdf(stub: PayStub) -> bytes:
    """The stub as a PDF document (bytes starting with %PDF)."""
    pdf = _Stub(f"Pay stub {stub.employee.name} {stub.pay_date.isoformat()}")
    half = WIDTH / 2
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(half, 7, latin1(stub.employer.name))
    pdf.cell(half, 7, "EARNINGS STATEMENT" + (" - PREVIEW" if stub.preview else ""), align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8.5)
    left = [*filter(None, stub.employer.address.split("\n")), f"EIN {stub.employer.id}" if stub.employer.id else ""]
    period = (f"{stub.period_start.isoformat()} to {stub.period_end.isoformat()}"
              if stub.period_start and stub.period_end else "-")
    right = [f"Pay date: {stub.pay_date.isoformat()}", f"Pay period: {period}",
             f"Paycheck: {stub.paycheck_id}" if stub.paycheck_id else ""]
    for i in range(max(len(left), len(right))):
        pdf.cell(half, 4.2, latin1(left[i] if i < len(left) else ""))
        pdf.cell(half, 4.2, latin1(right[i] if i < len(right) else ""), align="R", new_x="LMARGIN", new_y="NEXT")

    pdf.section("Employee")
    e = stub.employee
    pdf.text_row([(f"Name: {e.name}", half, "L"), (f"Location: {stub.location.name}", half, "L")])
    pdf.text_row([(f"SSN: {e.ssn_masked or 'not on file'}", half, "L"),
                  (f"Employee ID: {e.employee_id}" if e.employee_id else "", half, "L")])
    for line in filter(None, e.address.split("\n")):
        pdf.text_row([(line, half, "L")])
    hours = stub.hours
    if hours:
        pdf.text_row([(f"Hours: total {hours.get('total', '')}, regular {hours.get('regular', '')}, overtime "
                       f"{hours.get('overtime', '')}, double time {hours.get('double_time', '')}; regular rate "
                       f"{stub.regular_rate}", WIDTH, "L")])

    pdf.table("Earnings", stub.earnings, with_hours=True)
    pdf.table("Employee taxes withheld", stub.employee_taxes)
    pdf.table("Pre-tax deductions", stub.pretax_deductions)
    pdf.table("Post-tax deductions", stub.posttax_deductions)
    pdf.table("Summary", [stub.totals[k] for k in ("cash_wages", "reported_tips", "gross_wages", "employee_taxes",
                                                   "pretax", "posttax", "net_pay")])
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(WIDTH, 8, latin1(f"NET PAY {_money(stub.net_pay)}"), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.table("Employer taxes (paid by the employer, not deducted)", [*stub.employer_taxes,
                                                                     stub.totals["employer_taxes"]])
    if stub.notes:
        pdf.section("Notes")
        pdf.set_font("Helvetica", "", 8)
        for note in stub.notes:
            pdf.multi_cell(WIDTH, 4, latin1(note), new_x="LMARGIN", new_y="NEXT")
    rules = [x for x in stub.earnings if x.text]
    if rules:
        pdf.section("How each earnings line was computed")
        pdf.set_font("Helvetica", "", 7.5)
        for x in rules:
            pdf.multi_cell(WIDTH, 3.6, latin1(f"{x.label} {_money(x.current)}: {x.text}"),
                           new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
