"""The console in a real browser: Debian's Chromium driven by Playwright (never `playwright install`).

Sign in through the identity stand-in, filter the audit trail, open a
message, release a held reply with the mouse, and an in-doubt one with the
keyboard alone; approve a reset request (the desk then issues the pass
against the stand-in's Graph), deny one, approve one with the keyboard
alone, and confirm a request as its requester by signing in. Each page's
screenshot goes to docs/screenshots/ (the README shows them). Without
Chromium or Playwright these tests fail under CI or
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
    for name in APPROVAL_SCREENSHOTS:
        assert f"docs/screenshots/{name}.png" in readme, name


# ------------------------------------------------------------------ approvals

APPROVAL_SCREENSHOTS = ("approvals", "approve", "request", "deny", "confirm", "confirmed", "approvals-chart")


class ApprovalDesk:
    """The desk (in this thread) and the console (on a real server) over one copy of the history store."""

    def __init__(self, desk, base_url, requests, identity, folder):
        self.desk = desk
        self.base_url = base_url
        self.requests = requests          # the target's name (anna) -> its request
        self.identity = identity          # the stand-in: its Graph holds the passes issued
        self.folder = folder              # where var/outbox is

    def run(self):
        from test_approvals import run

        run(self.desk)

    def state(self, target):
        return self.desk.approvals.get(self.requests[target].id).state


@pytest.fixture
def approval_console(tmp_path, history_db, identity, oauth_app):
    """make(policy={...}, targets=...) -> ApprovalDesk: requests from lead@ (for anna, bob, kari) made for real."""
    from werkzeug.serving import make_server

    from approval_helpers import approval_config, directory, request_mail
    from resetdesk import config as config_module
    from resetdesk.service import Desk
    from test_approvals import run

    directory(identity)
    identity.add_user("u-kari", "kari@contoso.no", mail="kari@contoso.no", displayName="Kari Nordmann",
                      accountEnabled=True, onPremisesSyncEnabled=None, userType="Member", otherMails=[],
                      proxyAddresses=["SMTP:kari@contoso.no"])
    path = tmp_path / "desk.db"
    shutil.copy(history_db[0], path)
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=False)
    base_url = f"http://127.0.0.1:{server.server_port}"
    holder: dict = {}
    opened = []

    def make(policy=None, targets=("anna", "bob", "kari")):
        config = config_module.load(approval_config(
            tmp_path, identity, oauth_app[0], policy={"operators": [OPERATOR], **(policy or {})},
            store={"path": str(path)}, web={"public_url": base_url}))
        store = Store(path, clock=history_clock())
        desk = Desk(config, store=store)
        opened.append(desk)
        history.past_requests(store)
        for n, target in enumerate(targets):
            run(desk, request_mail(body=f"Please reset the password for {target}@contoso.no, locked out.\n",
                                   subject=f"Password reset for {target.capitalize()}",
                                   message_id=f"<browser-{n}@contoso.no>"))
        made = {r.target: r for r in desk.approvals.requests(["pending", "awaiting_confirmation"])}
        holder["app"] = create_app(config, base_url=base_url, clock=history_clock())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return ApprovalDesk(desk, base_url, {t.split("@")[0]: r for t, r in made.items()}, identity, tmp_path)

    yield make
    server.shutdown()
    if "app" in holder:
        holder["app"].extensions["resetdesk"].stores.close()
    for desk in opened:
        desk.close()


def test_approve_a_pending_request_and_see_the_reset_recorded(page, approval_console):
    made = approval_console()
    anna = made.requests["anna"]
    sign_in(page, made.base_url, APPROVER)
    page.locator("section[aria-labelledby=approvals-heading]").screenshot(
        path=str(SCREENSHOTS / "approvals-chart.png"))
    assert page.locator("section[aria-labelledby=approvals-heading] svg.chart").count() == 1
    page.click("nav >> text=Approvals")
    assert page.inner_text("h2#waiting-heading") == "Waiting for a decision (3)"
    card = page.locator(f"article[aria-labelledby=request-{anna.id}]")
    assert "lead@contoso.no" in card.inner_text() and "Anna Lind" in card.inner_text()
    assert "Time left" in card.inner_text()
    shot(page, "approvals", full_page=True)

    page.click(f"#approve-{anna.id}")
    assert page.inner_text("h1") == f"Approve request {anna.id}?"
    shot(page, "approve", full_page=True)
    page.click("#confirm-approve")
    assert f"{anna.id} approved" in page.inner_text("p.flash")
    assert made.state("anna") == "approved"

    made.run()                                    # the desk's next pass: the pass from the stand-in's Graph
    assert made.state("anna") == "executed"
    [issued] = made.identity.passes["u-anna"]
    page.goto(f"{made.base_url}/approvals/{anna.id}")
    text = page.inner_text("main")
    assert "Done, approved by cto@contoso.no" in text and "sent to the requester" in text
    assert "secret_sent" in text and issued["temporaryAccessPass"] not in page.content()
    shot(page, "request", full_page=True)


def test_deny_a_pending_request(page, approval_console):
    made = approval_console(targets=("bob",))
    bob = made.requests["bob"]
    sign_in(page, made.base_url, APPROVER)
    page.goto(f"{made.base_url}/approvals/{bob.id}")
    page.click(f"#deny-{bob.id}")
    page.fill("#reason", "Bob is on leave: call him first.")
    shot(page, "deny")
    page.click("#confirm-deny")
    assert f"{bob.id} denied" in page.inner_text("p.flash")
    assert made.state("bob") == "denied"
    assert "Bob is on leave: call him first." in page.inner_text("main")
    made.run()
    assert made.state("bob") == "denied"


def test_keyboard_only_approval(page, approval_console):
    made = approval_console(targets=("kari",))
    kari = made.requests["kari"]
    base_url = made.base_url
    page.goto(base_url + "/")
    focus_on(page, "#signin")
    page.keyboard.press("Enter")
    page.wait_for_url("**/authorize**")
    page.keyboard.type(APPROVER)
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/")
    focus_on(page, "header nav a:text('Approvals')")
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/approvals")
    focus_on(page, f"#approve-{kari.id}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/approvals/{kari.id}/approve")
    focus_on(page, "#confirm-approve")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/approvals/{kari.id}")
    assert f"{kari.id} approved" in page.inner_text("p.flash")
    assert made.state("kari") == "approved"


def test_the_requester_confirms_a_request_by_signing_in(page, approval_console):
    import re

    from approval_helpers import body, outbox

    made = approval_console(policy={"require_signin_confirmation": True}, targets=("anna",))
    anna = made.requests["anna"]
    assert made.state("anna") == "awaiting_confirmation"
    [mail] = [m for m in outbox(made.folder) if str(m["Subject"]).startswith("Confirm your request")]
    link = re.search(r"http://127\.0\.0\.1:\d+/confirm/[\w-]+", body(mail)).group(0)
    page.goto(link)
    assert page.inner_text("h1") == f"Confirm your request {anna.id}"
    assert made.state("anna") == "awaiting_confirmation"           # opening the link changes nothing
    shot(page, "confirm")
    page.click("#confirm-signin")
    assert page.input_value("#login") == "lead@contoso.no"          # the stand-in's page, hinted
    page.click("button[type=submit]")
    assert page.inner_text("h1") == f"Request {anna.id} confirmed"
    shot(page, "confirmed")
    assert made.state("anna") == "pending"
    page.goto(link)
    assert "used already" in page.inner_text("main")


def test_an_older_session_signs_in_again_before_its_approval_counts(page, approval_console, monkeypatch):
    from resetdesk.web import approval_pages

    made = approval_console(targets=("anna",))
    anna = made.requests["anna"]
    sign_in(page, made.base_url, APPROVER)
    later = approval_pages.wall_clock() + 3600
    monkeypatch.setattr(approval_pages, "wall_clock", lambda: later)      # the session's sign-in is an hour old
    page.goto(f"{made.base_url}/approvals/{anna.id}/approve")
    assert "you will be asked to sign in again" in page.inner_text("main")
    page.click("#confirm-approve")
    page.wait_for_url("**/authorize**")                                  # the form's POST led on to the sign-in
    assert made.state("anna") == "pending"
    assert page.input_value("#login") == APPROVER
    page.click("button[type=submit]")
    page.wait_for_url(f"{made.base_url}/approvals/{anna.id}")
    assert f"{anna.id} approved" in page.inner_text("p.flash")
    assert made.state("anna") == "approved"
    [vote] = made.desk.store.votes(anna.id)
    assert (vote["approver"], vote["via"]) == (APPROVER, "console")
