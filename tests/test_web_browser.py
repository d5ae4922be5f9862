"""The console in a real browser: Debian's Chromium driven by Playwright (never `playwright install`).

Sign in through the identity stand-in, filter the audit trail, open a
message, release a held reply with the mouse, and an in-doubt one with the
keyboard alone. Each page's screenshot goes to docs/screenshots/ (the README
shows them). Without Chromium or Playwright these tests fail under CI or
RESETDESK_REQUIRE_SERVERS=1 (scripts/test installs both) and skip elsewhere,
saying why.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

import history
from conftest import unavailable
from resetdesk.store import Store
from resetdesk.web.app import create_app
from test_web import APPROVER, OPERATOR, STRANGER, history_clock, make_config

pytestmark = pytest.mark.servers

CHROMIUM = os.environ.get("RESETDESK_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver; scripts/install-test-deps.sh)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        unavailable(f"playwright: {error} (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium refuses to run as root with its sandbox, and CI runs as root.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    """A store with the corpus decided and 1,500 messages of history, two replies held (one in doubt)."""
    path = tmp_path_factory.mktemp("browser-history") / "desk.db"
    store, _clock, _keys = history.build(path, messages=1500, days=30)
    held = history.hold_some(store, 2)
    store.close()
    return path, held


@pytest.fixture
def console(tmp_path, history_db, identity, oauth_app):
    """A console on a real HTTP server over a copy of the history store; its URL, its store path, the held rows."""
    from werkzeug.serving import make_server

    path = tmp_path / "desk.db"
    shutil.copy(history_db[0], path)
    held = history_db[1]
    identity.add_user("oid-ola", OPERATOR, displayName="Ola Hansen")
    identity.add_user("oid-cto", APPROVER, displayName="Kari Lund")
    identity.add_user("oid-eve", STRANGER, displayName="Eve")
    # One thread: one SQLite connection (the console keeps one per server thread).
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=False)
    base_url = f"http://127.0.0.1:{server.server_port}"
    holder = {"app": create_app(make_config(path, identity, oauth_app[0]), base_url=base_url, clock=history_clock())}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url, path, held
    server.shutdown()
    holder["app"].extensions["resetdesk"].stores.close()


@pytest.fixture
def page(browser):
    # The stand-in's certificate is from the tests' own CA, which Chromium does not know.
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    # A CSP violation (an inline style or script slipping in) shows up as a console error.
    assert not [e for e in errors if "Content Security Policy" in e], errors


def shot(page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def sign_in(page, base_url: str, login: str, screenshot: bool = False) -> None:
    page.goto(base_url + "/")
    assert page.url.startswith(base_url + "/signin")
    if screenshot:
        shot(page, "signin")
    page.click("#signin")
    page.fill("#login", login)                          # the stand-in's sign-in page
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")                   # the continue page moves on by itself


def test_sign_in_filter_the_audit_trail_open_a_message_and_release_a_held_reply(page, console):
    base_url, path, (in_doubt, held) = console
    sign_in(page, base_url, OPERATOR, screenshot=True)
    assert page.inner_text("h1") == "Overview"
    assert "Ola Hansen" in page.inner_text("header")
    assert page.locator("svg.chart").count() == 3
    shot(page, "overview", full_page=True)

    page.click("nav >> text=Audit trail")
    store = Store(path)
    sender = store.db.execute("SELECT sender FROM audit WHERE event = 'delivery_sent' "
                              "GROUP BY sender ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    expected = len(store.audit_rows(sender=sender, event="delivery_sent"))
    store.close()
    page.fill("input[name=sender]", sender)
    page.select_option("select[name=event]", "delivery_sent")
    page.click("button:text('Filter')")
    rows = page.locator("table.rows tbody tr")
    assert rows.count() == min(expected, 50)
    assert set(page.locator("table.rows tbody tr td:nth-child(3)").all_inner_texts()) == {sender}
    shot(page, "audit")

    page.locator("table.rows tbody tr td:nth-child(5) a").first.click()
    assert page.inner_text("h2#decision-heading").startswith("Decision:")
    assert page.locator(".graph-box svg g.node.walked").count() >= 2
    assert page.locator("pre.mail").count() >= 1
    permalink = page.locator("a[rel=bookmark]").get_attribute("href")
    assert page.url.endswith(permalink)
    shot(page, "message", full_page=True)

    page.click("nav >> text=Outbox")
    assert page.locator(f"#release-{in_doubt}").count() == 1
    shot(page, "outbox")
    page.click(f"#release-{held}")
    assert page.inner_text("h1") == f"Release outbox row {held}?"
    shot(page, "release")
    page.click("#confirm-release")
    assert f"Released outbox row {held}" in page.inner_text("p.flash")
    store = Store(path)
    assert store.outbox(held).status == "queued"
    assert store.audit_rows(event="delivery_released")[0]["detail"]["by"] == OPERATOR
    store.close()


def focus_on(page, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_keyboard_only_release_of_an_in_doubt_reply(page, console):
    base_url, path, (in_doubt, _held) = console
    page.goto(base_url + "/")
    focus_on(page, "#signin")
    page.keyboard.press("Enter")
    page.wait_for_url("**/authorize**")
    page.keyboard.type(OPERATOR)                      # the sign-in name field has the focus (autofocus)
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    focus_on(page, "header nav a:text('Outbox')")
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/outbox")
    focus_on(page, f"#release-{in_doubt}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/outbox/{in_doubt}/release")
    assert "probably gone out already" in page.inner_text("main")
    focus_on(page, "#confirm-release")
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/outbox")
    assert f"Released outbox row {in_doubt}" in page.inner_text("p.flash")
    store = Store(path)
    assert store.outbox(in_doubt).status == "queued"
    store.close()


def test_a_stranger_is_refused_in_the_browser(page, console):
    base_url, path, _ = console
    page.goto(base_url + "/signin")
    page.click("#signin")
    page.fill("#login", STRANGER)
    page.click("button[type=submit]")
    assert page.inner_text("h1") == "Not allowed"
    page.goto(base_url + "/audit")
    assert page.url.startswith(base_url + "/signin")
    store = Store(path)
    assert store.audit_rows(event="console_refused")[0]["detail"]["user"] == STRANGER
    store.close()


def test_screenshots_are_where_the_readme_shows_them():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in ("signin", "overview", "audit", "message", "outbox", "release"):
        assert f"docs/screenshots/{name}.png" in readme, name
