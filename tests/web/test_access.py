"""Who may see what: every route, tried with another clinician's ids, answers 404."""

from __future__ import annotations

import re

import pytest

from mendline.web.app import iter_routes
from tests.web.helpers import ZOOM_VTT, upload

# Routes that take no client id; each is checked by its own tests. A new route without a
# client id must be added here (or get an id), so it cannot slip past these checks.
ID_FREE = {
    "/", "/login", "/logout", "/caseload", "/caseload.json", "/upload", "/upload.json",
    "/upload/roles", "/admin", "/admin.json", "/admin/users", "/admin/audit",
    "/admin/audit.json", "/static",
}
FORM = {
    "supervisor": "sue", "body": "a note", "kind": "marker", "index": "0",
    "action": "confirm", "new_label": "", "line": "0", "role": "client", "instrument": "SRS",
    "srs.relationship": "9", "srs.goals_topics": "9", "srs.approach_method": "9",
    "srs.overall": "9", "status": "attended", "date": "2026-01-02", "planned_sessions": "12",
    "termination_from": "", "session_number": "", "minutes_late": "",
}


def _routes(app):
    for r in iter_routes(app.routes):
        for method in sorted(getattr(r, "methods", None) or {"GET"}):
            yield method, r.path


def _fill(path: str, client_id: int) -> str:
    path = path.replace("{client_id:int}", str(client_id)).replace("{number:int}", "1")
    return path.replace("{fmt}", "html")


@pytest.fixture
def bobs_client(browser_for):
    bob, token = browser_for("bob")
    r = upload(bob, token, ZOOM_VTT, "C-BOB", date="2026-01-05")
    assert r.status_code == 303
    return int(r.headers["location"].split("/")[2])


def test_every_client_route_is_404_for_another_clinician(app, browser_for, bobs_client):
    alice, token = browser_for("alice")
    tried = []
    for method, path in _routes(app):
        if "{client_id" not in path:
            assert path in ID_FREE, f"new route {path} needs an access test"
            continue
        url = _fill(path, bobs_client)
        if method == "GET":
            r = alice.get(url)
        else:
            r = alice.post(url, data={**FORM, "csrf_token": token},
                           files={"file": ("a.csv", b"date,status\n2026-01-01,attended\n")}
                           if path.endswith("/import") else None)
        assert r.status_code == 404, (method, path, r.status_code)
        tried.append((method, path))
    assert len(tried) >= 14


@pytest.mark.parametrize("who", ["alice", "ada"])
def test_json_twins_of_foreign_clients_are_404(browser_for, bobs_client, who):
    c, _ = browser_for(who)
    for url in (f"/clients/{bobs_client}.json", f"/clients/{bobs_client}/sessions/1.json"):
        r = c.get(url)
        assert r.status_code == 404
        assert r.json()["error"]["status"] == 404


def test_supervisor_sees_only_what_is_shared_and_read_only(app, browser_for, bobs_client):
    sue, token = browser_for("sue")
    assert sue.get(f"/clients/{bobs_client}").status_code == 404
    bob, btoken = browser_for("bob")
    r = bob.post(f"/clients/{bobs_client}/share", data={"supervisor": "sue",
                                                        "csrf_token": btoken})
    assert r.status_code == 200  # redirect followed to the client page
    page = sue.get(f"/clients/{bobs_client}")
    assert page.status_code == 200 and "Shared with you by Dr Bob Stone" in page.text
    assert sue.get(f"/clients/{bobs_client}/sessions/1").status_code == 200
    assert sue.get("/caseload.json").json()["clients"][0]["id"] == bobs_client
    # read-only: every change is refused, but commenting is allowed
    for method, path in _routes(app):
        if method == "POST" and "{client_id" in path and not path.endswith("/comments"):
            r = sue.post(_fill(path, bobs_client), data={**FORM, "csrf_token": token})
            assert r.status_code == 404, path
    r = sue.post(f"/clients/{bobs_client}/comments",
                 data={"body": "Where do you think it started?", "csrf_token": token})
    assert r.status_code == 200 and "Where do you think it started?" in r.text
    assert sue.get("/upload").status_code == 404


def test_admin_manages_users_but_sees_no_clinical_content(browser_for, bobs_client):
    ada, token = browser_for("ada")
    for url in ("/caseload", "/caseload.json", f"/clients/{bobs_client}",
                f"/clients/{bobs_client}/sessions/1", "/upload"):
        assert ada.get(url).status_code == 404, url
    assert ada.get("/admin").status_code == 200
    r = ada.post("/admin/users", data={"username": "carl", "password": "a long passphrase",
                                       "role": "clinician", "display_name": "Carl",
                                       "csrf_token": token})
    assert r.status_code == 200 and "carl" in r.text
    events = ada.get("/admin/audit.json").json()["events"]
    actions = {e["action"] for e in events}
    assert {"session.import", "user.add", "login"} <= actions
    assert all(e["remote_addr"] for e in events if e["action"] == "session.import")


@pytest.mark.parametrize("who", ["alice", "sue"])
def test_non_admins_get_404_for_admin_pages(browser_for, who):
    c, _ = browser_for(who)
    for url in ("/admin", "/admin.json", "/admin/audit", "/admin/audit.json"):
        assert c.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/caseload", "/upload", "/clients/1", "/admin"])
def test_signed_out_visitors_are_sent_to_login(browser_for, url):
    c, _ = browser_for(None)
    r = c.get(url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_signed_out_json_is_401(browser_for):
    c, _ = browser_for(None)
    r = c.get("/caseload.json")
    assert r.status_code == 401 and "error" in r.json()


def test_every_clinical_view_and_export_is_audited(browser_for, alice_session, web_store):
    from mendline.store import list_audit_events

    c, _, url = alice_session
    cid = url.split("/")[2]
    for u in (f"/clients/{cid}", f"/clients/{cid}.json", url, url + ".json",
              url + "/report.html", "/caseload"):
        assert c.get(u).status_code == 200
    events = list_audit_events(web_store, actor="alice")
    seen = [(e.action, e.object) for e in events]
    assert ("report.export", f"client:{cid}/session:1") in seen
    assert seen.count(("session.view", f"client:{cid}/session:1")) == 2
    assert seen.count(("client.view", f"client:{cid}")) == 2
    assert ("caseload.view", "caseload") in seen
    assert all(re.fullmatch(r"[\w.]+", e.action) for e in events)
