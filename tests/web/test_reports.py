"""Reports come from ``mendline.reports``: review what will be replaced, then download."""

from __future__ import annotations

import pytest

from mendline.store import list_audit_events
from tests.web.helpers import IDENTIFIERS


def _bases(ns) -> dict[str, str]:
    return {"session": ns.url, "client": f"/clients/{ns.cid}"}


@pytest.mark.parametrize("scope", ["session", "client"])
@pytest.mark.parametrize(("fmt", "media", "start"), [
    ("html", "text/html", b"<!DOCTYPE html>"),
    ("pdf", "application/pdf", b"%PDF"),
    ("md", "text/markdown", b"# Supervision notes"),
])
def test_downloads_are_de_identified_by_default(shared, scope, fmt, media, start):
    r = shared.alice.get(f"{_bases(shared)[scope]}/report.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["cache-control"] == "no-store"
    assert r.content.startswith(start)
    assert "C-MO" not in r.headers["content-disposition"]
    if fmt != "pdf":
        for original in IDENTIFIERS:
            assert original not in r.text, original
        assert "[PLACE 1]" in r.text and "[CLIENT]" in r.text


def test_owner_may_keep_identifiers_for_their_own_copy(shared):
    kept = shared.alice.get(f"{shared.url}/report.md?deidentify=no")
    assert "Portland" in kept.text and "[PLACE 1]" not in kept.text
    assert "C-MO" in kept.headers["content-disposition"]
    # the review form sends deidentify=no (hidden) and deidentify=yes when ticked
    ticked = shared.alice.get(f"{shared.url}/report.md?deidentify=no&deidentify=yes")
    assert "Portland" not in ticked.text


def test_supervisor_always_gets_the_de_identified_packet(shared):
    for url in (f"{shared.url}/report.md?deidentify=no", f"/clients/{shared.cid}/report.md"
                "?deidentify=no"):
        r = shared.sue.get(url)
        assert r.status_code == 200
        assert "Portland" not in r.text and "[PLACE 1]" in r.text


def test_owner_reviews_kinds_placeholders_and_originals_first(shared):
    page = shared.alice.get(f"{shared.url}/report")
    assert page.status_code == 200 and "What will be replaced" in page.text
    assert 'id="deidentify"' in page.text  # the box the owner may untick
    for shown in ("Places", "[PLACE 1]", "Portland", "Phone numbers", "[PHONE]", "Ilse"):
        assert shown in page.text, shown
    assert f'href="{shared.url}/report.pdf?deidentify=yes"' in page.text
    data = shared.alice.get(f"{shared.url}/report.json").json()
    place = next(r for r in data["replacements"] if r["kind"] == "place")
    assert place["placeholder"] == "[PLACE 1]" and place["originals"] == ["Portland"]
    assert data["deidentify"] is True and data["shows_originals"] is True
    unticked = shared.alice.get(f"{shared.url}/report?deidentify=no")
    assert "Not de-identified" in unticked.text and "Keep it on this computer" in unticked.text
    assert f'href="{shared.url}/report.pdf?deidentify=no"' in unticked.text


def test_supervisor_review_shows_kinds_and_counts_only(shared):
    page = shared.sue.get(f"{shared.url}/report")
    assert page.status_code == 200
    assert "Places" in page.text and "always de-identified" in page.text
    assert 'id="deidentify"' not in page.text
    for hidden in ("Portland", "[PLACE 1]", "555-0147", "Ilse"):
        assert hidden not in page.text, hidden
    data = shared.sue.get(f"{shared.url}/report.json").json()
    assert all(set(r) == {"kind", "count", "label"} for r in data["replacements"])
    assert {"kind": "place", "count": 2, "label": "Places"} in data["replacements"]


def test_packet_dates_match_the_supervisors_pages(shared):
    shifted = shared.sue.get(shared.url + ".json").json()["session"]["date"]
    assert shifted != "2026-01-21"
    packet = shared.sue.get(f"{shared.url}/report.md").text
    assert f"Session 1 · {shifted}" in packet


@pytest.mark.parametrize("fmt", ["txt", "docx", "exe"])
def test_unknown_formats_are_not_found(shared, fmt):
    assert shared.alice.get(f"{shared.url}/report.{fmt}").status_code == 404


def test_every_review_and_export_is_audited(shared, web_store):
    shared.alice.get(f"{shared.url}/report")
    shared.alice.get(f"{shared.url}/report.pdf")
    shared.alice.get(f"/clients/{shared.cid}/report.md?deidentify=no")
    shared.sue.get(f"{shared.url}/report.html?deidentify=no")
    seen = [(e.actor, e.action, e.object, e.detail)
            for e in list_audit_events(web_store, limit=500)]
    session = f"client:{shared.cid}/session:1"
    assert ("alice", "report.review", session, "de-identified") in seen
    assert ("alice", "report.export", session, "format pdf, de-identified") in seen
    assert ("alice", "report.export", f"client:{shared.cid}",
            "format md, with identifiers, kept by the clinician") in seen
    assert ("sue", "report.export", session, "format html, de-identified") in seen
