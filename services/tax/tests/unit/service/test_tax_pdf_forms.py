"""The PDF copies carry the JSON's values: rendered with fpdf2, read back with poppler (pdftotext),
and rasterised (pdftoppm) to prove the page draws."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from tax.adapters.pdf_forms import latin1, render_1099_nec, render_w2

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed (make bootstrap)")

W2 = {
    "form": "W-2", "tax_year": 2026, "employee_id": "e", "paychecks": 26, "rules_versions": ["payroll-abc"],
    "employee": {"name": "Zoë Łukasz", "ssn": "XXX-XX-6789", "address": ""},
    "employer": {"name": "Aura Diner LLC", "ein": "12-3456789", "address": "1 Market St\nPhiladelphia, PA 19107"},
    "boxes": {"1": "48250.00", "2": "3911.40", "3": "45750.00", "4": "2836.50", "5": "50750.00", "6": "735.88",
              "7": "5000.00", "12": [{"code": "D", "amount": "2500.00"}, {"code": "W", "amount": "600.00"}],
              "13": {"statutory_employee": False, "retirement_plan": True, "third_party_sick_pay": False},
              "14": [{"label": "PA SUI", "amount": "35.53"}],
              "15_17": [{"state": "PA", "employer_state_id": "9876543", "state_wages": "50750.00",
                         "state_income_tax": "1558.03"}],
              "18_20": [{"local_wages": "50750.00", "local_income_tax": "1898.05", "locality_name": "PHILADELPHIA"}]},
    "box_labels": {"1": "Wages, tips, other compensation", "2": "Federal income tax withheld",
                   "3": "Social security wages", "4": "Social security tax withheld", "5": "Medicare wages and tips",
                   "6": "Medicare tax withheld", "7": "Social security tips"},
}


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_w2_pdf_reads_back_every_value(tmp_path):
    pdf = render_w2(W2)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf, tmp_path)
    for value in ("48250.00", "3911.40", "45750.00", "2836.50", "50750.00", "735.88", "5000.00", "D 2500.00",
                  "W 600.00", "PA SUI 35.53", "9876543", "1558.03", "1898.05", "PHILADELPHIA", "XXX-XX-6789",
                  "12-3456789", "Aura Diner LLC", "Zoë Lukasz", "[X] Retirement plan", "2026"):
        assert value in text, value
    assert "Wage and Tax Statement" in text
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(tmp_path / "form.pdf"), str(tmp_path / "p")],
                   check=True)
    assert (tmp_path / "p.png").stat().st_size > 5_000


def test_1099_nec_pdf_reads_back(tmp_path):
    form = {"form": "1099-NEC", "tax_year": 2026, "payments": 2,
            "recipient": {"name": "DJ Sam", "tin": "XXX-XX-4321", "address": ""},
            "payer": {"name": "Aura Diner LLC", "ein": "12-3456789", "address": ""},
            "boxes": {"1": "1000.00", "2": False, "4": "144.00",
                      "5_7": [{"state_tax_withheld": "20.00", "state": "CA", "payer_state_id": "111",
                               "state_income": "1000.00"}]}}
    text = text_of(render_1099_nec(form), tmp_path)
    for value in ("Nonemployee Compensation", "1000.00", "144.00", "20.00", "CA 111", "XXX-XX-4321", "DJ Sam"):
        assert value in text, value


def test_text_outside_latin1_is_transliterated_not_dropped():
    assert latin1("Łódź Ørsted “Ω”") == 'Lódz Ørsted "?"'
