"""Untrusted text (transcripts, speaker names, comments) is shown literally, never run."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape

from tests.web.helpers import FIXTURES, upload

HOSTILE = FIXTURES / "web" / "hostile.txt"
PAYLOADS = [
    '<script>alert("xss-script")</script>',
    "<img src=x onerror=\"alert('xss-img')\">",
    "{{ 7*7 }}",
    "{% for x in y %}loop{% endfor %}",
    '<b onmouseover="alert(1)">bold</b>',
    '</mark></li><script>document.title="pwned"</script>',
]


@pytest.fixture
def hostile(browser_for):
    c, token = browser_for("alice")
    r = upload(c, token, HOSTILE, "C-<b>X</b>", name="<script>x</script>.txt")
    assert r.status_code == 303, r.text[:500]
    return c, token, r.headers["location"].split("?")[0]


def _tags(page: str) -> list[str]:
    return re.findall(r"<(script|img|b)\b[^>]*>", page)


def test_transcript_text_shows_literally_and_nothing_is_injected(hostile):
    c, _, url = hostile
    page = c.get(url).text
    for p in PAYLOADS:
        assert str(escape(p)) in page, p
    # the only script tags are the two vendored ones in <head>
    assert re.findall(r"<script\b[^>]*>", page) == [
        '<script src="/static/vendor/htmx.min.js" defer>', '<script src="/static/app.js" defer>']
    assert "<img" not in page and "<b " not in page and "<b>" not in page
    assert "{{ 7*7 }}" in page and "loop{% endfor %}" in page


@pytest.mark.parametrize("suffix", ["", "/report", "/report.html",
                                    "/report.html?deidentify=no"])
def test_session_page_and_report_escape(hostile, suffix):
    c, token, url = hostile
    cid = url.split("/")[2]
    # the report quotes the clinician's notes on the session: make one hostile too
    c.post(f"/clients/{cid}/comments", data={"csrf_token": token, "session_number": "1",
                                             "body": '<script>document.title="pwned"</script>'})
    page = c.get(url + suffix).text
    assert "<script>" not in page
    assert 'document.title="pwned"' not in page.replace(
        html.escape('document.title="pwned"'), "")
    # the review page quotes no transcript, only the (escaped) client code
    assert "&lt;script&gt;" in page or (suffix == "/report" and "C-&lt;b&gt;X" in page)


def test_json_twin_keeps_the_text_exactly(hostile):
    c, _, url = hostile
    data = c.get(url + ".json").json()
    said = "".join(seg["text"] for ln in data["lines"] for seg in ln["segments"])
    for p in PAYLOADS:
        assert p in said


def test_client_code_comments_and_caseload_escape(hostile):
    c, token, url = hostile
    cid = url.split("/")[2]
    c.post(f"/clients/{cid}/comments", data={"csrf_token": token,
                                             "body": "<script>alert('c')</script> {{ 7*7 }}"})
    for page in (c.get(f"/clients/{cid}").text, c.get("/caseload").text):
        assert "C-&lt;b&gt;X&lt;/b&gt;" in page
        assert "<b>X</b>" not in page
    assert "&lt;script&gt;alert(&#39;c&#39;)&lt;/script&gt; {{ 7*7 }}" in c.get(
        f"/clients/{cid}").text


def test_no_template_marks_user_data_safe():
    """A reviewer's check: templates never switch escaping off."""
    from importlib import resources

    folder = resources.files("mendline.web").joinpath("templates")
    for t in folder.iterdir():
        text = t.read_text("utf-8")
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, t.name
        assert "Markup(" not in text
        # the one filter that inserts markup takes only a chart's SVG (see app.chart_svg)
        for use in re.findall(r"\{\{([^}]*)\|\s*chart_svg", text):
            assert use.strip() == "ch.svg", (t.name, use)
