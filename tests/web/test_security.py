"""CSRF, login rate limiting, automatic log-off, cookies, headers, body limits, error pages."""

from __future__ import annotations

import pytest

from tests.web.helpers import PASSWORD, ZOOM_VTT, csrf_of, upload


def test_post_without_or_with_wrong_csrf_token_is_refused(browser_for, alice_session):
    c, token, url = alice_session
    cid = url.split("/")[2]
    for data in ({}, {"csrf_token": "forged"}):
        r = c.post(f"/clients/{cid}/settings", data={"planned_sessions": "8", **data})
        assert r.status_code == 403 and "expired" in r.text
    ok = c.post(f"/clients/{cid}/settings", data={"planned_sessions": "8"},
                headers={"X-CSRF-Token": token})  # how HTMX sends it
    assert ok.status_code == 200
    assert c.get(f"/clients/{cid}.json").json()["settings"]["planned_sessions"] == 8


def test_another_sessions_csrf_token_does_not_work(browser_for, alice_session):
    c, _, url = alice_session
    _, bobs_token = browser_for("bob")
    cid = url.split("/")[2]
    r = c.post(f"/clients/{cid}/settings", data={"planned_sessions": "8",
                                                  "csrf_token": bobs_token})
    assert r.status_code == 403


def test_login_form_needs_its_csrf_token(browser_for):
    c, _ = browser_for(None)
    c.get("/login")
    r = c.post("/login", data={"username": "alice", "password": PASSWORD})
    assert r.status_code == 403


def _try(c, token, password):
    return c.post("/login", data={"username": "alice", "password": password,
                                  "csrf_token": token}, follow_redirects=False)


def test_login_is_rate_limited_per_username_and_address(browser_for, clock):
    c, _ = browser_for(None)
    token = csrf_of(c.get("/login").text)
    for _ in range(5):
        assert _try(c, token, "wrong password!").status_code == 400
    blocked = _try(c, token, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429 and "wait about 15 minutes" in blocked.text
    clock.advance(15 * 60 + 1)
    token = csrf_of(c.get("/login").text)  # the idle login form expired meanwhile
    assert _try(c, token, PASSWORD).status_code == 303
    other, _ = browser_for(None)  # other usernames were never blocked
    t2 = csrf_of(other.get("/login").text)
    r = other.post("/login", data={"username": "bob", "password": PASSWORD,
                                   "csrf_token": t2}, follow_redirects=False)
    assert r.status_code == 303


@pytest.mark.parametrize(("idle_s", "still_in"), [(14 * 60, True), (15 * 60 + 1, False)])
def test_automatic_logout_after_inactivity(browser_for, clock, idle_s, still_in):
    c, _ = browser_for("alice")
    clock.advance(idle_s)
    r = c.get("/caseload", follow_redirects=False)
    if still_in:
        assert r.status_code == 200
    else:
        assert r.status_code == 303 and r.headers["location"] == "/login?expired=1"
        assert "signed out after a period of inactivity" in c.get("/login?expired=1").text
        assert c.get("/caseload.json").status_code == 401


def test_activity_keeps_the_session_alive(browser_for, clock):
    c, _ = browser_for("alice")
    for _ in range(4):
        clock.advance(10 * 60)
        assert c.get("/caseload", follow_redirects=False).status_code == 200


def test_logout_ends_the_session_on_the_server(browser_for):
    c, token = browser_for("alice")
    cookie = c.cookies.get("mendline_session")
    c.post("/logout", data={"csrf_token": token})
    c.cookies.set("mendline_session", cookie)  # a copied cookie no longer works
    assert c.get("/caseload", follow_redirects=False).status_code == 303


def test_session_cookie_flags(browser_for, app):
    from fastapi.testclient import TestClient

    c = TestClient(app)
    header = c.get("/login").headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "secure" not in header
    tls = TestClient(app, base_url="https://testserver")
    assert "secure" in tls.get("/login").headers["set-cookie"].lower()


def test_session_id_changes_at_login(browser_for, app):
    from fastapi.testclient import TestClient

    c = TestClient(app)
    before = c.get("/login")
    token = csrf_of(before.text)
    old = c.cookies.get("mendline_session")
    c.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert c.cookies.get("mendline_session") != old


@pytest.mark.parametrize("url", ["/login", "/caseload", "/static/app.css"])
def test_security_headers(browser_for, url):
    c, _ = browser_for("alice")
    h = c.get(url).headers
    assert h["content-security-policy"].startswith("default-src 'self'")
    assert "'unsafe-inline'" not in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-content-type-options"] == "nosniff"


def test_login_does_not_redirect_off_site(browser_for):
    c, _ = browser_for(None)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "alice", "password": PASSWORD,
                               "csrf_token": token, "next": "//evil.example/x"},
               follow_redirects=False)
    assert r.headers["location"] == "/caseload"


def test_oversized_upload_is_refused_by_content_length(app, browser_for):
    c, token = browser_for("alice")
    app.state.settings = app.state.settings  # the limit is fixed at app creation
    big = b"WEBVTT\n\n" + b"x" * (51 * 1024 * 1024)
    r = upload(c, token, ZOOM_VTT, "C-BIG", content=big)
    assert r.status_code == 413 and "limit is 50 MB" in r.text


def test_oversized_upload_is_refused_while_streaming(web_store, tmp_path):
    """No Content-Length (chunked): the body is counted as it arrives."""
    from fastapi.testclient import TestClient

    from mendline.web import WebSettings, create_app
    from tests.web.helpers import sign_in

    app = create_app(web_store, WebSettings(secret_key="k" * 40, max_upload_bytes=100_000,
                                            upload_dir=tmp_path / "u"))
    with TestClient(app) as c:
        token = sign_in(c, "alice")
        boundary = "mendlineboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"big.vtt\"\r\nContent-Type: text/vtt\r\n\r\nWEBVTT\n\n").encode()

        def chunks():
            yield head
            for _ in range(8):
                yield b"x" * 32_768

        r = c.post("/upload", content=chunks(), headers={
            "content-type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413 and "the limit is" in r.text
        assert "transfer-encoding" in r.request.headers


@pytest.mark.parametrize(("name", "content", "words"), [
    ("notes.pdf", b"%PDF-1.7 ...", "Mendline reads transcripts ending in"),
    ("session.txt", b"%PDF-1.7 binary", "this is a PDF"),
    ("session.vtt", b"WEBVTT\x00\x01\x02binary", "looks like a binary file"),
    ("session.docx", b"WEBVTT\n\nnot a zip", "does not look like a Word"),
    ("session.txt", b"   \n", "the file is empty"),
    ("session.vtt", b"WEBVTT\n\n1\n00:00:01.000 --> nonsense\nA: hi\n", "session.vtt"),
])
def test_bad_uploads_get_plain_words(browser_for, name, content, words):
    c, token = browser_for("alice")
    r = upload(c, token, ZOOM_VTT, "C-X", name=name, content=content)
    assert r.status_code == 400, r.text[:300]
    assert words in r.text
    assert "Traceback" not in r.text and 'File "' not in r.text


def test_unexpected_errors_show_no_details(app, browser_for, monkeypatch):
    import mendline.web.routes.caseload as caseload

    def broken(*a, **k):
        raise RuntimeError("secret internals: client said something")

    monkeypatch.setattr(caseload, "caseload_view", broken)
    c, _ = browser_for("alice")
    for url, is_json in (("/caseload", False), ("/caseload.json", True)):
        r = c.get(url)
        assert r.status_code == 500
        assert "secret internals" not in r.text and "Traceback" not in r.text
        assert (r.json()["error"]["status"] == 500) if is_json else ("unexpected" in r.text)


def test_validation_errors_do_not_echo_input(browser_for, alice_session):
    c, token, url = alice_session
    r = c.post(url + "/feedback", data={"csrf_token": token, "kind": "marker",
                                        "index": "<script>x</script>", "action": "confirm"})
    assert r.status_code == 400 and "<script>x</script>" not in r.text


def test_secret_key_file_is_private(tmp_path, web_store):
    from mendline.web import WebSettings, create_app

    path = tmp_path / "k"
    create_app(web_store, WebSettings(secret_path=path, upload_dir=tmp_path / "u"))
    assert path.stat().st_mode & 0o777 == 0o600
    first = path.read_text()
    create_app(web_store, WebSettings(secret_path=path, upload_dir=tmp_path / "u"))
    assert path.read_text() == first
