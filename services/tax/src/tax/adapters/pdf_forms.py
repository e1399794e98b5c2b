"""Employee / recipient copies of Form W-2 and Form 1099-NEC as PDF, drawn with fpdf2.

The layout follows the forms' box arrangement closely enough for a person to read and file from, but
it is a copy for the worker, not the scannable red Copy A (that one goes to the SSA / IRS with the full
SSN, which only the payroll service holds). Input is the JSON the ledger builds (domain/ledger/forms).
Text uses the core Helvetica font (no font file to ship); characters outside Latin-1 are transliterated.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from fpdf import FPDF

LEFT, TOP, WIDTH = 10.0, 12.0, 195.9
LABEL_SIZE, VALUE_SIZE = 6.5, 10.0
# Letters that have no Latin-1 form and do not decompose into one (NFKD leaves them whole).
_SPELLED = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "Œ": "OE", "œ": "oe",
                          "ı": "i", "Ŋ": "N", "ŋ": "n", "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def latin1(text: Any) -> str:
    out = []
    for ch in str(text).translate(_SPELLED):
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class _Form(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.set_auto_page_break(False)
        self.set_title(title)
        self.set_creator("AuraConnect tax service")
        self.add_page()

    def box(self, x: float, y: float, w: float, h: float, label: str, value: Any = "", align: str = "R") -> None:
        self.rect(x, y, w, h)
        self.set_font("Helvetica", size=LABEL_SIZE)
        self.set_xy(x + 0.8, y + 0.6)
        self.cell(w - 1.6, 2.6, latin1(label))
        lines = [line for line in str(value).split("\n")] if value not in (None, "") else []
        self.set_font("Helvetica", "B", VALUE_SIZE)
        line_h = 4.4
        start = y + h - 1.0 - line_h * len(lines)
        for i, line in enumerate(lines):
            self.set_xy(x + 1.5, start + i * line_h)
            self.cell(w - 3.0, line_h, latin1(line), align=align if len(lines) == 1 else "L")

    def heading(self, left: str, right: str, note: str) -> None:
        self.set_font("Helvetica", "B", 14)
        self.set_xy(LEFT, TOP - 6)
        self.cell(WIDTH / 2, 6, latin1(left))
        self.set_xy(LEFT + WIDTH / 2, TOP - 6)
        self.cell(WIDTH / 2, 6, latin1(right), align="R")
        self.set_font("Helvetica", size=7)
        self.set_xy(LEFT, TOP)
        self.cell(WIDTH, 4, latin1(note))

    def footer_note(self, y: float, text: str) -> None:
        self.set_font("Helvetica", size=7)
        self.set_xy(LEFT, y)
        self.multi_cell(WIDTH, 3.4, latin1(text))


def _party(party: dict[str, Any]) -> str:
    return "\n".join(part for part in (party.get("name", ""), *str(party.get("address", "")).split("\n")) if part)


def render_w2(form: dict[str, Any]) -> bytes:
    b = form["boxes"]
    pdf = _Form(f"Form W-2 {form['tax_year']}")
    pdf.heading("Form W-2  Wage and Tax Statement", str(form["tax_year"]),
                "Copy B - To Be Filed With Employee's FEDERAL Tax Return;  Copy C - For EMPLOYEE'S RECORDS;  "
                "Copy 2 - To Be Filed With Employee's State, City, or Local Income Tax Return")
    y, half, quarter = TOP + 6, WIDTH / 2, WIDTH / 4
    left = [("a  Employee's social security number", form["employee"]["ssn"], 11),
            ("b  Employer identification number (EIN)", form["employer"]["ein"], 11),
            ("c  Employer's name, address, and ZIP code", _party(form["employer"]), 26),
            ("d  Control number", "", 9),
            ("e  Employee's name", form["employee"]["name"], 11),
            ("f  Employee's address and ZIP code", form["employee"]["address"], 20)]
    ly = y
    for label, value, h in left:
        pdf.box(LEFT, ly, half, h, label, value, align="L")
        ly += h
    pairs = [("1", "2"), ("3", "4"), ("5", "6"), ("7", "8"), ("9", "10"), ("11", "12a")]
    labels = form["box_labels"]
    extra_labels = {"8": "Allocated tips", "9": "", "10": "Dependent care benefits", "11": "Nonqualified plans"}
    codes = b["12"] + [{"code": "", "amount": ""}] * (4 - len(b["12"]))
    ry = y
    for pair in pairs:
        for col, key in enumerate(pair):
            if key == "12a":
                label, value = "12a  See instructions for box 12", _code(codes[0])
            else:
                label = f"{key}  {labels.get(key) or extra_labels.get(key, '')}"
                value = b.get(key, "")
            pdf.box(LEFT + half + col * quarter, ry, quarter, 11, label, value)
        ry += 11
    box13 = b["13"]
    marks = "  ".join(f"[{'X' if box13[k] else ' '}] {name}" for k, name in (
        ("statutory_employee", "Statutory"), ("retirement_plan", "Retirement plan"),
        ("third_party_sick_pay", "3rd-party sick pay")))
    pdf.box(LEFT + half, ry, quarter, 11, "13", "")  # three checkboxes, drawn below
    pdf.set_font("Helvetica", size=6)
    for i, part in enumerate(marks.split("  ")):
        pdf.set_xy(LEFT + half + 1.5, ry + 3.3 + i * 2.5)
        pdf.cell(quarter - 3, 2.5, part)
    pdf.box(LEFT + half + quarter, ry, quarter, 11, "12b", _code(codes[1]))
    ry += 11
    other = "\n".join(f"{item['label']}  {item['amount']}" for item in b["14"])
    pdf.box(LEFT + half, ry, quarter, 22, "14  Other", other, align="L")
    pdf.box(LEFT + half + quarter, ry, quarter, 11, "12c", _code(codes[2]))
    pdf.box(LEFT + half + quarter, ry + 11, quarter, 11, "12d", _code(codes[3]))
    ry += 22

    y = max(ly, ry) + 2
    widths = [30, 38, 30, 30, 30, 37.9]
    heads = ["15  State", "Employer's state ID number", "16  State wages, tips, etc.", "17  State income tax",
             "18  Local wages, tips, etc.", "19  Local income tax"]
    rows = max(len(b["15_17"]), len(b["18_20"]), 1)
    for r in range(rows):
        st = b["15_17"][r] if r < len(b["15_17"]) else {}
        lo = b["18_20"][r] if r < len(b["18_20"]) else {}
        values = [st.get("state", ""), st.get("employer_state_id", ""), st.get("state_wages", ""),
                  st.get("state_income_tax", ""), lo.get("local_wages", ""), lo.get("local_income_tax", "")]
        x = LEFT
        for i, (w, head, value) in enumerate(zip(widths, heads, values)):
            pdf.box(x, y, w, 11, head, value, align="L" if i < 2 else "R")
            x += w
        y += 11
        if lo:
            pdf.box(LEFT, y, WIDTH, 9, "20  Locality name", lo.get("locality_name", ""), align="L")
            y += 9
    pdf.footer_note(y + 3, (
        f"Employee copy produced by AuraConnect from {form['paychecks']} finalized paycheck(s) in the tax ledger "
        f"(rules: {', '.join(form['rules_versions']) or 'n/a'}). The SSN is truncated as the IRS permits on employee "
        "copies; the employee's address is held by payroll. Department of the Treasury - Internal Revenue Service."))
    return bytes(pdf.output())


def _code(item: dict[str, str]) -> str:
    return f"{item['code']}  {item['amount']}" if item.get("code") else ""


def render_1099_nec(form: dict[str, Any]) -> bytes:
    b = form["boxes"]
    pdf = _Form(f"Form 1099-NEC {form['tax_year']}")
    pdf.heading("Form 1099-NEC  Nonemployee Compensation", str(form["tax_year"]), "Copy B - For Recipient")
    y, half, quarter = TOP + 6, WIDTH / 2, WIDTH / 4
    pdf.box(LEFT, y, half, 26, "PAYER'S name, street address, city or town, state or province, ZIP",
            _party(form["payer"]), align="L")
    pdf.box(LEFT, y + 26, quarter, 11, "PAYER'S TIN", form["payer"]["ein"], align="L")
    pdf.box(LEFT + quarter, y + 26, quarter, 11, "RECIPIENT'S TIN", form["recipient"]["tin"], align="L")
    pdf.box(LEFT, y + 37, half, 11, "RECIPIENT'S name", form["recipient"]["name"], align="L")
    pdf.box(LEFT, y + 48, half, 16, "Street address, city or town, state, ZIP", form["recipient"]["address"],
            align="L")
    pdf.box(LEFT + half, y, half, 13, "1  Nonemployee compensation", b["1"])
    pdf.box(LEFT + half, y + 13, half, 13, "2  Payer made direct sales totaling $5,000 or more",
            "[X]" if b["2"] else "[ ]")
    pdf.box(LEFT + half, y + 26, half, 11, "3", "")
    pdf.box(LEFT + half, y + 37, half, 11, "4  Federal income tax withheld", b["4"])
    y += 66
    rows = b["5_7"] or [{}]
    for row in rows:
        pdf.box(LEFT, y, 65.3, 11, "5  State tax withheld", row.get("state_tax_withheld", ""))
        pdf.box(LEFT + 65.3, y, 65.3, 11, "6  State/Payer's state no.",
                " ".join(p for p in (row.get("state", ""), row.get("payer_state_id", "")) if p))
        pdf.box(LEFT + 130.6, y, 65.3, 11, "7  State income", row.get("state_income", ""))
        y += 11
    pdf.footer_note(y + 3, (
        f"Recipient copy produced by AuraConnect from {form['payments']} recorded payment(s). The TIN is truncated "
        "as the IRS permits on recipient copies. Department of the Treasury - Internal Revenue Service."))
    return bytes(pdf.output())
