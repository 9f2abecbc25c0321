"""What a supervisor sees of a shared client is de-identified; the owner sees it as it is."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mendline.web import WebSettings, create_app
from mendline.web.deid import ViewContext, date_offset_days, deidentify_view
from tests.web.helpers import IDENTIFIERS, sign_in

NOTE = "Maren phoned from Portland on (503) 555-0147 about her sister Ilse."


def _pages(ns) -> list[str]:
    return [f"/clients/{ns.cid}", ns.url, "/caseload"]


@pytest.fixture
def noted(shared):
    """The shared client with a note by Alice that names people, a place and a number."""
    for number in ("", "1"):
        r = shared.alice.post(f"/clients/{shared.cid}/comments",
                              data={"csrf_token": shared.alice_csrf, "body": NOTE,
                                    "session_number": number})
        assert r.status_code == 200
    return shared


@pytest.mark.parametrize("twin", ["", ".json"])
@pytest.mark.parametrize("page", [0, 1, 2])
def test_supervisor_sees_placeholders(noted, page, twin):
    url = _pages(noted)[page] + twin
    r = noted.sue.get(url)
    assert r.status_code == 200
    text = json.dumps(r.json()) if twin else r.text
    for original in IDENTIFIERS:
        assert original not in text, (url, original)
    assert "[CLIENT]" in text
    if page < 2:  # the caseload quotes no transcript or notes
        assert "[PLACE 1]" in text and "[PHONE]" in text and "[PERSON 1]" in text


@pytest.mark.parametrize("twin", ["", ".json"])
@pytest.mark.parametrize("page", [0, 1])
def test_owner_sees_the_originals(noted, page, twin):
    url = _pages(noted)[page] + twin
    r = noted.alice.get(url)
    text = json.dumps(r.json()) if twin else r.text
    for original in ("Maren", "Portland", "555-0147", "Ilse"):
        assert original in text, (url, original)
    assert "[PLACE 1]" not in text


def test_speakers_become_their_roles(shared):
    data = shared.sue.get(shared.url + ".json").json()
    assert {ln["speaker"] for ln in data["lines"]} == {"[THERAPIST]", "[CLIENT]"}
    assert sorted(data["speakers"]) == ["[CLIENT]", "[THERAPIST]"]
    assert {ln["role"] for ln in data["lines"]} == {"therapist", "client"}  # structure kept
    assert data["markers"] and all("." in m["id"] for m in data["markers"])


def test_dates_move_by_one_stable_offset_per_client(shared):
    seen = []
    for url in (f"/clients/{shared.cid}.json", shared.url + ".json",
                f"/clients/{shared.cid}.json"):
        data = shared.sue.get(url).json()
        date = data["sessions"][0]["date"] if "sessions" in data else data["session"]["date"]
        seen.append(date)
    assert len(set(seen)) == 1 and seen[0] != "2026-01-21"
    days = (dt.date.fromisoformat(seen[0]) - dt.date(2026, 1, 21)).days
    assert 30 <= abs(days) <= 365
    row = shared.sue.get("/caseload.json").json()["clients"][0]
    assert row["last_session_date"] == seen[0] and row["display_name"] == "[CLIENT]"
    assert shared.alice.get(shared.url + ".json").json()["session"]["date"] == "2026-01-21"


@pytest.mark.parametrize("client_id", [1, 2, 17, 40_000])
def test_date_offset_is_derived_from_the_secret(client_id):
    a = date_offset_days("secret one", client_id)
    assert a == date_offset_days("secret one", client_id)
    assert 30 <= abs(a) <= 365
    assert any(date_offset_days(f"secret {k}", client_id) != a for k in range(2, 6))


def test_structural_values_are_kept():
    data = {"client": {"id": 3, "code": "C-1", "display_name": "Ann", "url": "/clients/3"},
            "markers": [{"id": "withdrawal.denial", "family": "withdrawal", "ref": "m0",
                         "evidence": "Ann went to Boston", "label": "Denial"}],
            "date": "2026-03-04", "at": "2026-03-04T10:15"}
    out = deidentify_view(data, ViewContext(3, ("Ann",), (), 31))
    assert out["client"] == {**data["client"], "display_name": "[CLIENT]"}
    marker = out["markers"][0]
    assert {k: marker[k] for k in ("id", "family", "ref", "label")} == {
        "id": "withdrawal.denial", "family": "withdrawal", "ref": "m0", "label": "Denial"}
    assert marker["evidence"] == "[CLIENT] went to [PLACE 1]"
    assert out["date"] == "2026-04-04" and out["at"] == "2026-04-04T10:15"


def test_the_hook_can_be_replaced(web_store, clock, tmp_path, shared):
    calls: list[ViewContext] = []

    def hook(data, ctx):
        calls.append(ctx)
        return deidentify_view(data, ctx)

    from fastapi.testclient import TestClient

    app = create_app(web_store, WebSettings(clock=clock, secret_path=tmp_path / "s2",
                                            upload_dir=tmp_path / "u2", deidentify=hook))
    with TestClient(app) as sue:
        sign_in(sue, "sue")
        assert sue.get(f"/clients/{shared.cid}").status_code == 200
    assert calls and calls[0].client_id == shared.cid
    assert "Maren Oyelaran" in calls[0].client_names and "Maren" in calls[0].client_names
    assert calls[0].therapist_names == ("Dana Whitlock",)
