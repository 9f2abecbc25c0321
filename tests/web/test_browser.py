"""The web app in a real browser: Debian's Chromium, headless, driven by Playwright.

Skipped when Chromium or Playwright is missing, unless ``MENDLINE_REQUIRE_BROWSER=1``
(CI), where that fails. Screenshots of the main pages go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mendline.store import open_store
from mendline.web import WebSettings, create_app
from tests.web.helpers import FIXTURES, PASSWORD

CHROMIUM = os.environ.get("MENDLINE_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> None:
    if os.environ.get("MENDLINE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MENDLINE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sync_api():
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, template_db) -> Iterator[str]:
    import uvicorn

    folder = tmp_path_factory.mktemp("browser")
    db = folder / "web.db"
    shutil.copyfile(template_db, db)
    store = open_store(str(db))
    app = create_app(store, WebSettings(secret_path=folder / "secret",
                                        upload_dir=folder / "uploads"))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the web server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    store.close()


@pytest.fixture(scope="module")
def browser(sync_api):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Person:
    """One signed-in browser context; records any dialog (an alert would mean XSS)."""

    def __init__(self, browser, base: str, username: str) -> None:
        self.ctx = browser.new_context(accept_downloads=True)
        self.page = self.ctx.new_page()
        self.base = base
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(base + "/login")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/caseload")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _drop(page, path: Path) -> None:
    """Drag and drop a file onto the upload zone, as a person would."""
    handle = page.evaluate_handle(
        """([name, text]) => { const dt = new DataTransfer();
             dt.items.add(new File([text], name, {type: "text/vtt"})); return dt; }""",
        [path.name, path.read_text("utf-8")])
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": handle})


def test_a_clinicians_day_and_supervision(browser, server, sync_api):
    expect = sync_api.expect
    alice = Person(browser, server, "alice")
    page = alice.page
    alice.shot("caseload-empty")

    # keyboard: the first Tab reaches the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    # upload by drag and drop; roles are unclear, so Mendline asks
    page.get_by_role("link", name="Upload a session").click()
    _drop(page, FIXTURES / "web" / "zoom_unclear.vtt")
    expect(page.locator("#dropped")).to_contain_text("zoom_unclear.vtt")
    page.get_by_label("Client code").fill("C-CASEY")
    alice.shot("upload")
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who is who")
    alice.shot("roles")
    page.get_by_label("Role of Jordan Hale").select_option("therapist")
    page.get_by_label("Role of Casey Moss").select_option("client")
    page.get_by_role("button", name="Save roles and analyse").click()

    # the session: the marker is highlighted; confirm it (HTMX, no reload)
    expect(page.locator("mark.fam-confrontation")).to_have_text("you're not listening")
    session_url = page.url.split("?")[0]
    page.get_by_role("button", name="Confirm C1").click()
    expect(page.locator("#item-m0")).to_contain_text("Confirmed by alice")
    alice.shot("session")

    # enter an SRS for this session
    client_url = session_url.rsplit("/sessions/", 1)[0]
    page.goto(client_url + "/measures/new")
    form = page.locator("#measure-srs")
    for label, value in (("Relationship", "9"), ("Goals and topics", "8"),
                         ("Approach or method", "9"), ("Overall", "7.5")):
        form.get_by_label(label).fill(value)
    form.get_by_label("Session number").fill("1")
    form.get_by_role("button", name="Save SRS").click()

    # the client timeline
    page.wait_for_url(client_url + "?done=measure#measures")
    expect(page.locator("#measures table")).to_contain_text("SRS")
    expect(page.locator("figure.chart svg")).to_be_visible()
    alice.shot("client")

    # prepare the report: review what de-identification replaces, then download the PDF
    page.goto(session_url)
    page.get_by_role("link", name="Prepare a report for supervision").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report for supervision")
    expect(page.get_by_label("De-identify")).to_be_checked()
    alice.shot("report-review")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == "mendline-supervision-session1.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    # the clinician's own copy, with names kept: untick, update, download the HTML
    page.get_by_label("De-identify").uncheck()
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#replaced-h")).to_have_text("Not de-identified")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download Web page (HTML)").click()
    kept = Path(info.value.path()).read_text("utf-8")
    assert "Casey Moss" in kept and "not listening" in kept

    # share with the supervisor
    page.goto(client_url)
    page.get_by_label("Share this client with a supervisor").select_option("sue")
    page.get_by_role("button", name="Share").click()
    expect(page.locator("#sharing")).to_contain_text("Sue Park")

    sue = Person(browser, server, "sue")
    expect(sue.page.get_by_role("link", name="C-CASEY")).to_be_visible()
    sue.page.goto(session_url)
    expect(sue.page.locator("mark.fam-confrontation")).to_be_visible()
    assert sue.page.get_by_role("button", name="Confirm C1").count() == 0  # read-only
    expect(sue.page.locator("#line-1")).to_contain_text("[CLIENT]")  # de-identified
    assert "Casey Moss" not in sue.page.content()
    sue.shot("supervisor-session")
    sue.page.get_by_role("link", name="Prepare a report for supervision").click()
    assert sue.page.get_by_label("De-identify").count() == 0
    with sue.page.expect_download() as info:
        sue.page.get_by_role("link", name="Download PDF").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")

    bob = Person(browser, server, "bob")
    response = bob.page.goto(session_url)
    assert response is not None and response.status == 404
    expect(bob.page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert not alice.dialogs and not sue.dialogs and not bob.dialogs
    for person in (alice, sue, bob):
        person.ctx.close()


def test_hostile_transcript_runs_nothing_in_the_browser(browser, server, sync_api):
    expect = sync_api.expect
    alice = Person(browser, server, "alice")
    page = alice.page
    page.goto(server + "/upload")
    page.get_by_label("Transcript file").set_input_files(str(FIXTURES / "web" / "hostile.txt"))
    page.get_by_label("Client code").fill("C-HOSTILE")
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_url("**/sessions/*")
    expect(page.locator("#line-0")).to_contain_text('<script>alert("xss-script")</script>')
    expect(page.locator("#line-1")).to_contain_text("{{ 7*7 }}")
    expect(page.locator("#line-1")).to_contain_text("{% for x in y %}loop{% endfor %}")
    assert page.locator("main img, main script, main b").count() == 0
    assert page.title() != "pwned"
    page.wait_for_timeout(300)
    assert alice.dialogs == []
    alice.shot("hostile-transcript")
    alice.ctx.close()
