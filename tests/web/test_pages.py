"""The pages a clinician uses, through HTTP: upload, roles, markers, feedback, forms, sharing."""

from __future__ import annotations

import re

import pytest

from tests.web.helpers import FIXTURES, ZOOM_VTT, upload

UNCLEAR = FIXTURES / "web" / "zoom_unclear.vtt"
RUPTURE = FIXTURES / "web" / "zoom_rupture.vtt"


def _cid(url: str) -> int:
    return int(url.split("/")[2])


@pytest.mark.parametrize("page", ["/caseload", "/clients/{cid}", "{url}", "/upload"])
def test_every_page_has_a_json_twin_with_the_same_data(alice_session, page):
    c, _, url = alice_session
    target = page.format(cid=_cid(url), url=url)
    html, data = c.get(target), c.get(target + ".json")
    assert html.status_code == 200 and data.status_code == 200
    assert data.headers["content-type"].startswith("application/json")
    body = data.json()
    if "client" in body:
        assert body["client"]["code"] in html.text
    if "clients" in body and body["clients"] and isinstance(body["clients"][0], dict):
        assert body["clients"][0]["code"] in html.text


def test_unclear_roles_ask_with_a_sample_line_then_import(browser_for):
    c, token = browser_for("alice")
    r = upload(c, token, UNCLEAR, "C-CASEY")
    assert r.status_code == 200 and "Who is who" in r.text
    assert "Jordan Hale" in r.text and "Casey Moss" in r.text
    assert "What would you like to talk about today?" in r.text  # a sample line
    form_token = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    order = re.findall(r"<legend>Speaker \d+: ([^<]+)</legend>", r.text)
    roles = {f"role_{i}": "therapist" if name == "Jordan Hale" else "client"
             for i, name in enumerate(order)}
    done = c.post("/upload/roles", data={"csrf_token": token, "token": form_token, **roles},
                  follow_redirects=False)
    assert done.status_code == 303
    session = c.get(done.headers["location"].split("?")[0] + ".json").json()
    assert {ln["speaker"]: ln["role"] for ln in session["lines"]} == {
        "Jordan Hale": "therapist", "Casey Moss": "client"}
    assert [m["id"] for m in session["markers"]] == ["confrontation.complaint_about_therapist"]


def test_role_step_needs_a_therapist_and_a_client(browser_for):
    c, token = browser_for("alice")
    r = upload(c, token, UNCLEAR, "C-CASEY")
    form_token = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    again = c.post("/upload/roles", data={"csrf_token": token, "token": form_token,
                                          "role_0": "client", "role_1": "client"})
    assert again.status_code == 400 and "at least one therapist" in again.text


def test_role_step_token_belongs_to_its_uploader(browser_for):
    c, token = browser_for("alice")
    r = upload(c, token, UNCLEAR, "C-CASEY")
    form_token = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    bob, btoken = browser_for("bob")
    r = bob.post("/upload/roles", data={"csrf_token": btoken, "token": form_token,
                                        "role_0": "therapist", "role_1": "client"})
    assert r.status_code == 404


@pytest.fixture
def rupture(browser_for):
    c, token = browser_for("alice")
    r = upload(c, token, RUPTURE, "C-RIVER", date="2026-02-01")
    assert r.status_code == 303
    return c, token, r.headers["location"].split("?")[0]


def test_markers_are_highlighted_with_their_exact_evidence(rupture):
    c, _, url = rupture
    data = c.get(url + ".json").json()
    lines = {ln["index"]: ln for ln in data["lines"]}
    for m in data["markers"]:
        marked = "".join(seg["text"] for seg in lines[m["utterance"]]["segments"]
                         if m["ref"] in seg["refs"])
        assert marked == m["evidence"]
    page = c.get(url).text
    assert "<mark class=\"fam-confrontation" in page
    assert "Confrontation: Complaint" in page or "Confrontation:" in page


@pytest.mark.parametrize(("action", "label", "shown"), [
    ("confirm", "", "Confirmed"),
    ("reject", "", "Rejected"),
    ("relabel", "withdrawal.denial", "Relabelled as Denial"),
])
def test_feedback_on_a_marker(rupture, action, label, shown):
    c, token, url = rupture
    r = c.post(url + "/feedback", data={"csrf_token": token, "kind": "marker", "index": "0",
                                        "action": action, "new_label": label},
               headers={"HX-Request": "true"})
    assert r.status_code == 200 and shown in r.text
    assert r.text.lstrip().startswith("<li")  # the HTMX fragment, not a whole page
    item = c.get(url + ".json").json()["markers"][0]
    assert item["feedback"]["action"] == action and item["feedback"]["by"] == "alice"


def test_reassigning_a_line_reanalyses_the_session(rupture):
    c, token, url = rupture
    before = c.get(url + ".json").json()
    line = next(m["utterance"] for m in before["markers"]
                if m["id"] == "confrontation.complaint_about_therapist")
    r = c.post(url + "/roles", data={"csrf_token": token, "line": str(line),
                                     "role": "therapist"})
    assert r.status_code == 200 and "analysed again" in r.text
    after = c.get(url + ".json").json()
    assert next(ln for ln in after["lines"] if ln["index"] == line)["role"] == "therapist"
    assert line not in {m["utterance"] for m in after["markers"]}


@pytest.mark.parametrize(("form", "ok"), [
    ({"instrument": "SRS", "srs.relationship": "9", "srs.goals_topics": "8.5",
      "srs.approach_method": "9", "srs.overall": "7"}, True),
    ({"instrument": "SRS", "srs.relationship": "11", "srs.goals_topics": "8",
      "srs.approach_method": "9", "srs.overall": "7"}, False),
    ({"instrument": "WAI-SR", **{f"wai.{i}": "4" for i in range(1, 13)}}, True),
    ({"instrument": "WAI-SR", **{f"wai.{i}": "4" for i in range(1, 12)}}, False),
    ({"instrument": "PSQ-client", "psq.rupture": "yes", "psq.intensity": "3",
      "psq.resolution": ""}, True),
])
def test_measures_entry(alice_session, form, ok):
    c, token, url = alice_session
    cid = _cid(url)
    r = c.post(f"/clients/{cid}/measures", data={"csrf_token": token, "date": "2026-01-21",
                                                 "session": "1", **form})
    if ok:
        assert r.status_code == 200
        measures = c.get(f"/clients/{cid}.json").json()["measures"]
        assert measures[-1]["instrument"] == form["instrument"]
    else:
        assert r.status_code == 400 and f"{form['instrument']}: " in r.text


def test_attendance_entry_and_csv_import(alice_session):
    c, token, url = alice_session
    cid = _cid(url)
    r = c.post(f"/clients/{cid}/attendance", data={"csrf_token": token, "date": "2026-01-28",
                                                   "status": "missed"})
    assert r.status_code == 200
    csv = b"date,status\n2026-02-04,attended\n2026-02-11,late_cancelled\n"
    r = c.post(f"/clients/{cid}/attendance/import", data={"csrf_token": token},
               files={"file": ("attendance.csv", csv, "text/csv")})
    assert r.status_code == 200
    rows = c.get(f"/clients/{cid}.json").json()["attendance"]
    assert [a["status"] for a in rows] == ["missed", "attended", "late_cancelled"]
    bad = c.post(f"/clients/{cid}/attendance/import", data={"csrf_token": token},
                 files={"file": ("a.csv", b"when,what\n1,2\n", "text/csv")})
    assert bad.status_code == 400 and "a.csv" in bad.text


def test_settings_are_editable(alice_session):
    c, token, url = alice_session
    cid = _cid(url)
    c.post(f"/clients/{cid}/settings", data={"csrf_token": token, "planned_sessions": "3",
                                             "termination_from": ""})
    data = c.get(f"/clients/{cid}.json").json()
    assert data["settings"]["planned_sessions"] == 3
    assert data["next_stage"] == "termination"
    bad = c.post(f"/clients/{cid}/settings", data={"csrf_token": token,
                                                   "planned_sessions": "many"})
    assert bad.status_code == 400 and "whole number" in bad.text


def test_caseload_lists_own_clients_with_counts(alice_session):
    c, token, _ = alice_session
    upload(c, token, RUPTURE, "C-RIVER")
    rows = c.get("/caseload.json").json()["clients"]
    assert {r["code"] for r in rows} == {"C-ALDER", "C-RIVER"}
    assert all(r["sessions"] == 1 for r in rows)


def test_same_file_twice_is_recognised(alice_session):
    c, token, _ = alice_session
    r = upload(c, token, ZOOM_VTT, "C-ALDER")
    assert r.status_code == 303 and "done=duplicate" in r.headers["location"]


@pytest.mark.parametrize("change", ["attendance", "settings", "measure", "upload"])
def test_caseload_reuses_timelines_only_while_their_input_is_unchanged(app, alice_session,
                                                                       change):
    c, token, url = alice_session
    cid = _cid(url)
    first = c.get("/caseload.json").json()
    mark = app.state.timelines[cid][0]
    c.get("/caseload.json")
    assert app.state.timelines[cid][0] == mark  # reused
    if change == "attendance":
        c.post(f"/clients/{cid}/attendance", data={"csrf_token": token, "date": "2026-01-28",
                                                   "status": "missed"})
    elif change == "settings":
        c.post(f"/clients/{cid}/settings", data={"csrf_token": token, "planned_sessions": "2"})
    elif change == "measure":
        c.post(f"/clients/{cid}/measures", data={
            "csrf_token": token, "date": "2026-01-21", "instrument": "SRS",
            "srs.relationship": "5", "srs.goals_topics": "5", "srs.approach_method": "5",
            "srs.overall": "5"})
    else:
        upload(c, token, RUPTURE, "C-ALDER")
    second = c.get("/caseload.json").json()
    assert app.state.timelines[cid][0] != mark
    if change == "upload":
        assert second["clients"][0]["sessions"] == first["clients"][0]["sessions"] + 1


def test_an_analysis_this_version_cannot_read_is_left_out_with_a_note(web_store, alice_session):
    """The web reads histories through ``client_records``, so it leaves such a session out
    and says so, as the CLI does, rather than failing the page."""
    from sqlalchemy import update

    from mendline.store.models import AnalysisRow

    c, _, url = alice_session
    cid = _cid(url)
    with web_store.transaction() as s:
        s.execute(update(AnalysisRow).values(engagement={"from": "an older version"}))
    page = c.get(f"/clients/{cid}.json")
    assert page.status_code == 200
    assert any("analyse it again" in n for n in page.json()["notes"])
    assert c.get("/caseload.json").status_code == 200
