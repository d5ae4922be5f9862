"""The console's Flask application: sign-in, sessions, CSRF, headers, and the registries pages plug into.

The console reads the store and calls library functions (`Store.release`,
`report.overview`, `rules.drawing.to_svg`, `signin.EntraSignin`); it has no
rule of its own. Everything a request needs hangs off one `Console` object
(`app.extensions["resetdesk"]`).

Extension points (how the approval pages plug in):

- a Blueprint registered with `register(app, blueprint, nav=[...])`: its
  routes get sessions and CSRF checks for free (every POST must carry the
  session's `csrf_token`); guard each view with `@requires("approve")`;
- `Console.nav`: (endpoint, label, permission) tabs in the header;
- `Console.overview_panels`: callables (store) -> Markup added to the overview;
- `Console.message_sections`: callables (store, key) -> Markup added to a message page;
- `Console.purposes`: name -> handler(identity, context) -> Response, for
  sign-ins started with `start_signin(purpose, ...)`; the requester's
  confirmation page starts one with `expected_oid` set and gets back an
  Identity that passed every check in `signin.check_claims`;
- `Console.role_sources`: callables (store, username) -> roles, asked at an
  Entra sign-in besides the config's lists (an approver asked through
  `policy.approver_group` is named on the request, not in the config).

The approval pages (resetdesk/web/approval_pages.py) plug in through these.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any
from collections.abc import Callable

from flask import Blueprint, Flask, abort, g, make_response, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..config import Config
from ..errors import ResetdeskError, SigninError
from ..rules.graph import Graph, load_graph
from ..signin import EntraSignin, Identity
from ..store import Store, utcnow
from .access import Principal, roles_for
from .security import SECURITY_HEADERS, LocalTokens, PendingSignins, Sessions, csrf_valid

log = logging.getLogger("resetdesk.web")

FLOW_COOKIE = "resetdesk_signin"
HERE = Path(__file__).parent


class StorePool:
    """One Store (one SQLite connection) per server thread: sqlite3 connections stay on their thread."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utcnow):
        self.path = path
        self.clock = clock
        self._local = threading.local()
        self._opened: list[Store] = []
        self._lock = threading.Lock()
        self.get()                         # migrations now, so a broken store stops the console at start

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.path, clock=self.clock)
            self._local.store = store
            with self._lock:
                self._opened.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for store in opened:
            try:
                store.close()
            except Exception:   # another thread's connection: closing may refuse; the process ends anyway
                pass


@dataclass
class Console:
    """What the console's requests share."""

    config: Config
    graph: Graph
    stores: StorePool
    sessions: Sessions
    pending: PendingSignins
    base_url: str
    signin: EntraSignin | None = None             # None in --local mode
    local_tokens: LocalTokens | None = None
    local_principal: Principal | None = None
    nav: list[tuple[str, str, str]] = field(default_factory=list)
    overview_panels: list[Callable[[Store], Markup]] = field(default_factory=list)
    message_sections: list[Callable[[Store, str], Markup]] = field(default_factory=list)
    purposes: dict[str, Callable[[Identity, dict[str, Any]], Response]] = field(default_factory=dict)
    role_sources: list[Callable[[Store, str], frozenset[str]]] = field(default_factory=list)

    @property
    def secure(self) -> bool:
        """Cookies get Secure when the console is reached over TLS (directly, or as its proxy says)."""
        return self.base_url.startswith("https://") or request.is_secure

    @property
    def session_cookie(self) -> str:
        # __Host-: the browser refuses it unless Secure, for this host only, path /.
        return "__Host-resetdesk" if self.secure else "resetdesk_session"


def console() -> Console:
    from flask import current_app

    return current_app.extensions["resetdesk"]


def store() -> Store:
    return console().stores.get()


def requires(permission: str) -> Callable:
    """A view only for signed-in people whose roles grant `permission`; others go to sign-in, or get 403."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            principal: Principal | None = g.get("principal")
            if principal is None:
                target = request.full_path if request.query_string else request.path
                return redirect(url_for("auth.signin_page", next=target))
            if not principal.may(permission):
                return error_page(403, "Not allowed", f"Your roles ({', '.join(sorted(principal.roles)) or 'none'}) "
                                  f"do not allow this page.")
            return view(*args, **kwargs)
        return guarded
    return decorate


def error_page(status: int, title: str, text: str) -> Response:
    response = make_response(render_template("error.html", title=title, text=text), status)
    return response


def flash(text: str) -> None:
    """A one-line message shown on the next page of this session."""
    session = g.get("session")
    if session is not None:
        session.flashes.append(text)


def audit(event: str, **detail: Any) -> None:
    """A console event in the audit trail (who signed in, who was refused, who released what)."""
    current = store()
    with current.transaction():
        current.audit(event, **detail)


def safe_next(value: str | None) -> str:
    """A local path to return to after sign-in; anything else (another site, //host) is "/"."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urllib.parse.urlsplit(value)
    return value if not parts.scheme and not parts.netloc else "/"


def start_signin(purpose: str, *, context: dict[str, Any] | None = None, login_hint: str | None = None,
                 expected_oid: str | None = None) -> Response:
    """Send the browser to Entra ID; the callback hands the checked Identity to `Console.purposes[purpose]`."""
    desk = console()
    if desk.signin is None:
        return error_page(404, "No Entra ID sign-in", "This console runs with --local: use the one-time link.")
    problem = desk.signin.configured()
    if problem:
        return error_page(503, "Sign-in is not configured", problem)
    try:
        flow = desk.signin.begin(login_hint=login_hint)
    except ResetdeskError as error:
        log.warning("cannot start a sign-in: %s", error)
        return error_page(503, "The identity platform cannot be reached", "Try again in a moment.")
    key = desk.pending.put(flow, purpose, dict(context or {}), expected_oid)
    response = redirect(flow["auth_uri"])
    # Lax, not Strict: the identity platform's redirect back is a cross-site navigation.
    response.set_cookie(FLOW_COOKIE, key, max_age=desk.pending.seconds, path="/auth", httponly=True,
                        secure=desk.secure, samesite="Lax")
    return response


def sign_in(principal: Principal, next_url: str = "/") -> Response:
    """Open a session for `principal` and continue to `next_url`.

    A page that moves on by itself rather than a redirect: the session cookie
    is SameSite=Strict, and a browser does not send it on the redirect chain
    of a cross-site navigation (the way back from the identity platform); the
    page's own navigation is same-site, so the cookie goes along.
    """
    desk = console()
    sid = desk.sessions.create(principal)
    audit("console_signin", user=principal.username, method=principal.method, roles=sorted(principal.roles))
    log.info("%s signed in to the console (%s; %s)", principal.username, principal.method,
             ", ".join(sorted(principal.roles)))
    response = make_response(render_template("continue.html", next_url=safe_next(next_url)))
    response.set_cookie(desk.session_cookie, sid, max_age=desk.sessions.seconds, path="/", httponly=True,
                        secure=desk.secure, samesite="Strict")
    return response


def _console_signed_in(identity: Identity, context: dict[str, Any]) -> Response:
    desk = console()
    roles = roles_for(desk.config, identity.username)
    for source in desk.role_sources:
        roles |= source(store(), identity.username)
    if not roles:
        audit("console_refused", user=identity.username, oid=identity.oid, reason="no_role")
        log.warning("console sign-in refused for %s: not an operator or approver", identity.username)
        return error_page(403, "Not allowed", f"{identity.username or 'This account'} is neither an operator "
                          "nor an approver of this desk. The attempt was recorded.")
    return sign_in(Principal(identity.username, identity.name, roles, "entra", identity.oid, identity.auth_time),
                   context.get("next", "/"))


auth = Blueprint("auth", __name__)


@auth.get("/signin")
def signin_page():
    desk = console()
    problem = desk.signin.configured() if desk.signin is not None else None
    return render_template("signin.html", local=desk.signin is None, problem=problem,
                           next_url=safe_next(request.args.get("next")))


@auth.get("/auth/login")
def login():
    return start_signin("console", context={"next": safe_next(request.args.get("next"))})


@auth.get("/auth/callback")
def callback():
    desk = console()
    pending = desk.pending.take(request.cookies.get(FLOW_COOKIE))
    if pending is None:
        return error_page(400, "Sign-in expired", "This sign-in expired or was already used. Start again.")
    try:
        identity = desk.signin.finish(pending.flow, request.args.to_dict(), expected_oid=pending.expected_oid) \
            if desk.signin is not None else None
    except SigninError as error:
        # A purpose may name what the sign-in was for (a request: its message, requester, id) for the trail.
        audit("console_refused", purpose=pending.purpose, reason=error.reason, error=str(error),
              **pending.context.get("audit", {}))
        log.warning("sign-in refused (%s): %s", error.reason, error)
        response = error_page(403, "Sign-in refused", f"{error} The attempt was recorded.")
    else:
        if identity is None:
            abort(404)
        response = desk.purposes[pending.purpose](identity, pending.context)
    response.delete_cookie(FLOW_COOKIE, path="/auth")
    return response


@auth.get("/auth/local")
def local_signin():
    desk = console()
    if desk.local_tokens is None or desk.local_principal is None:
        abort(404)
    if not desk.local_tokens.redeem(request.args.get("token")):
        audit("console_refused", user=desk.local_principal.username, method="local", reason="link_used_or_expired")
        return error_page(403, "Link used or expired", "A one-time link works once, within 10 minutes. "
                          "Start `resetdesk web --local` again for a new one.")
    return sign_in(desk.local_principal)


@auth.post("/auth/signout")
def signout():
    desk = console()
    desk.sessions.end(request.cookies.get(desk.session_cookie))
    response = redirect(url_for("auth.signin_page"))
    response.delete_cookie(desk.session_cookie, path="/")
    return response


def register(app: Flask, blueprint: Blueprint, nav: tuple[tuple[str, str, str], ...] = ()) -> None:
    """Add a blueprint of pages and its header tabs (endpoint, label, permission)."""
    app.register_blueprint(blueprint)
    app.extensions["resetdesk"].nav.extend(nav)


def create_app(config: Config, *, base_url: str, local_principal: Principal | None = None,
               clock: Callable[[], datetime] = utcnow, session_clock: Callable[[], float] = time.monotonic,
               graph: Graph | None = None) -> Flask:
    """The console for `config`; with `local_principal`, sign-in is by one-time link only (--local)."""
    from .pages import pages

    app = Flask("resetdesk.web", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"),
                static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, TEMPLATES_AUTO_RELOAD=False)
    if config.web.trust_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)   # type: ignore[method-assign]
    desk = Console(
        config=config, graph=graph or load_graph(), stores=StorePool(config.resolve_path(config.store.path), clock),
        sessions=Sessions(config.web.session_minutes, session_clock), pending=PendingSignins(clock=session_clock),
        base_url=base_url.rstrip("/"),
        signin=None if local_principal else EntraSignin(config, base_url.rstrip("/") + "/auth/callback"),
        local_tokens=LocalTokens(clock=session_clock) if local_principal else None,
        local_principal=local_principal)
    desk.purposes["console"] = _console_signed_in
    app.extensions["resetdesk"] = desk

    @app.before_request
    def load_session():
        session = desk.sessions.get(request.cookies.get(desk.session_cookie))
        g.session = session
        g.principal = session.principal if session is not None else None
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # Fetch metadata first (a cross-site POST never gets further), then the form's token.
            if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
                return error_page(403, "Refused", "A form from another site cannot act on this console.")
            if not csrf_valid(session, request.form.get("csrf_token")):
                return error_page(400, "Form expired", "This form is from an ended session or another page. "
                                  "Reload the page and try again.")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if desk.secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def common() -> dict[str, Any]:
        session = g.get("session")
        flashes = []
        if session is not None:
            flashes, session.flashes = session.flashes, []
        return {"principal": g.get("principal"), "csrf_token": session.csrf if session else "",
                "nav": [item for item in desk.nav if g.get("principal") and g.principal.may(item[2])],
                "flashes": flashes}

    @app.errorhandler(404)
    def not_found(_error):
        return error_page(404, "Not found", "There is no such page.")

    @app.errorhandler(405)
    def not_allowed(_error):
        return error_page(405, "Not allowed", "This page does not take that kind of request.")

    @app.errorhandler(413)
    def too_large(_error):
        return error_page(413, "Too large", "That form is larger than any form of this console.")

    @app.errorhandler(500)
    def failed(_error):
        return error_page(500, "Something failed", "The error is in the console's log.")

    app.register_blueprint(auth)
    register(app, pages, nav=(("pages.overview", "Overview", "view"), ("pages.audit_trail", "Audit trail", "view"),
                              ("pages.outbox", "Outbox", "view")))
    from . import approval_pages

    approval_pages.install(app)
    return app
