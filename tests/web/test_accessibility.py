"""Accessibility checks that need no browser: contrast AA, labels, skip link, text cues."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

import pytest

from tests.web.helpers import FIXTURES, upload

CSS = resources.files("mendline.web").joinpath("static/app.css").read_text("utf-8")
COLOURS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.1, 1.4.3)."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize(("fg", "bg", "minimum"), [
    ("fg", "bg", 4.5), ("muted", "bg", 4.5), ("link", "bg", 4.5), ("error", "bg", 4.5),
    ("button-fg", "button-bg", 4.5), ("fg", "notice-bg", 4.5), ("fg", "panel", 4.5),
    ("muted", "panel", 4.5), ("link", "panel", 4.5),
    ("fg", "w-bg", 4.5), ("fg", "c-bg", 4.5), ("fg", "r-bg", 4.5),
    ("sev-high-fg", "sev-high-bg", 4.5), ("sev-medium-fg", "sev-medium-bg", 4.5),
    ("sev-low-fg", "sev-low-bg", 4.5),
    ("focus", "bg", 3.0), ("w-edge", "w-bg", 3.0), ("c-edge", "c-bg", 3.0),
    ("r-edge", "r-bg", 3.0), ("muted", "bg", 3.0),
])
def test_palette_contrast_is_aa(fg, bg, minimum):
    assert contrast(COLOURS[fg], COLOURS[bg]) >= minimum, (fg, bg)


def test_contrast_function_against_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.buttons: list[str] = []
        self._in_button = False
        self._text = ""
        self.skip_link = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        if tag == "button":
            self._in_button, self._text = True, ""
        if tag == "a" and a.get("class") == "skip-link" and a.get("href") == "#main":
            self.skip_link = True

    def handle_data(self, data):
        if self._in_button:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "button":
            self.buttons.append(self._text.strip())
            self._in_button = False


@pytest.fixture
def pages(browser_for):
    c, token = browser_for("alice")
    r = upload(c, token, FIXTURES / "web" / "zoom_rupture.vtt", "C-RIVER")
    url = r.headers["location"].split("?")[0]
    cid = url.split("/")[2]
    roles = upload(c, token, FIXTURES / "web" / "zoom_unclear.vtt", "C-CASEY")
    admin, _ = browser_for("ada")
    anon, _ = browser_for(None)
    return {
        "login": anon.get("/login").text, "caseload": c.get("/caseload").text,
        "client": c.get(f"/clients/{cid}").text, "session": c.get(url).text,
        "upload": c.get("/upload").text, "roles": roles.text,
        "measures": c.get(f"/clients/{cid}/measures/new").text,
        "admin": admin.get("/admin").text, "audit": admin.get("/admin/audit").text,
    }


@pytest.mark.parametrize("name", ["login", "caseload", "client", "session", "upload", "roles",
                                  "measures", "admin", "audit"])
def test_every_control_is_labelled_and_there_is_a_skip_link(pages, name):
    p = _Controls()
    p.feed(pages[name])
    assert p.skip_link
    assert 'id="main"' in pages[name]
    for control in p.controls:
        assert control.get("id") in p.labels or control.get("aria-label"), control
    assert all(p.buttons), "a button without text"


def test_marker_family_is_given_in_text_not_only_colour(pages):
    page = pages["session"]
    assert re.search(r'<a class="ref fam-confrontation" href="#item-m\d+">\[C\d+', page)
    assert "Confrontation: " in page
    assert "(solid underline, W = withdrawal, C = confrontation)" in page
