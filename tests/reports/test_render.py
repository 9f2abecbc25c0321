"""Report files: self-contained HTML, Markdown, and a PDF whose text and charts are there."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mendline.reports.build import render_report
from mendline.reports.supervision import FOOTER
from tests.reports.builders import make_inputs

FOOTER_WORDS = "prompts for reflection, not findings about the client"


@pytest.mark.parametrize("session", [None, 5])
def test_html_references_nothing_external(session: int | None) -> None:
    html = render_report(make_inputs(), session, "html", date_offset_days=30).data.decode()
    assert "http" not in html.lower()
    assert not re.search(r"<(?:link|script|img|iframe|object|embed)\b", html)
    assert "@import" not in html and "url(" not in html.replace("url(#", "")
    for ref in re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', html):
        assert ref.startswith("#") or ref.startswith("data:")


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_every_chart_comes_with_its_text_alternative(fmt: str) -> None:
    text = render_report(make_inputs(), None, fmt, date_offset_days=30).data.decode()
    assert "Rupture map, session 5" in text and "Timeline for [CLIENT]" in text
    assert "possible withdrawal marker(s), the first at" in text
    if fmt == "html":
        assert text.count("<figure") == text.count("<figcaption>") >= 2


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_report_holds_the_supervision_material(fmt: str) -> None:
    text = render_report(make_inputs(), 5, fmt, date_offset_days=30).data.decode()
    for expected in ("Where it may have started", "Episode 1: confrontation",
                     "Acknowledges own part", "Questions for supervision",
                     "Where do you think it started?", "3RS; Eubanks, Muran", FOOTER_WORDS,
                     "SRS total"):
        assert expected in text.replace("&amp;", "&"), expected


def test_deidentified_report_keeps_no_names_and_shifts_dates() -> None:
    report = render_report(make_inputs(), None, "html", date_offset_days=10)
    html = report.data.decode()
    for name in ("Tobias", "Nadia", "Brook", "Ilse", "Portland"):
        assert name not in html
    assert "[CLIENT]" in html and "[THERAPIST]" in html and "[PERSON 1]" in html
    assert "2026-02-02" not in html and "2026-02-12" in html  # session 5, shifted 10 days
    kinds = {r.kind for r in report.replacements}
    assert {"client", "therapist", "person", "place", "date"} <= kinds
    ilse = next(r for r in report.replacements if "Ilse" in r.originals)
    assert ilse.count >= 2 and html.count(ilse.placeholder) >= 2


def test_report_without_deidentification_keeps_the_words() -> None:
    html = render_report(make_inputs(), 5, "html", deidentify=False).data.decode()
    assert "Tobias" in html and "Nadia Brook" in html
    assert render_report(make_inputs(), 5, "html", deidentify=False).replacements == ()


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) is not installed",
)


@needs_poppler
def test_pdf_has_the_text_and_visible_charts(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    from PIL import Image

    data = render_report(make_inputs(), None, "pdf", date_offset_days=30).data
    assert data.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Supervision notes: [CLIENT]" in text
    assert "Words per reply (median)" in text  # text drawn inside the timeline chart
    assert "Withdrawal" in text and "Repair attempt" in text  # rupture-map lane labels
    assert FOOTER.split(".")[0][:40] in " ".join(text.split())
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    w, h = page.size
    chart = page.crop((0, int(h * 0.4), w, int(h * 0.75)))  # where the timeline sits
    lo, hi = chart.getextrema()
    assert hi - lo > 100  # ink on paper, not a blank region
    dark = chart.histogram()[:200]
    dark = sum(dark)
    assert dark > 0.01 * chart.size[0] * chart.size[1]


def test_unknown_format_is_refused_with_the_choices() -> None:
    from mendline.errors import InputError

    with pytest.raises(InputError, match="html, pdf, md"):
        render_report(make_inputs(), None, "docx")
