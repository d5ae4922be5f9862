"""The console's approval pages: pending requests, one page per request, Approve and Deny, the requester's confirmation.

Every rule is the approval book's (resetdesk/approvals.py), the same that
approvals by mail and `resetdesk approvals approve --as` go through: a vote
is `ApprovalBook.vote` (never the requester or the account, only an
approver the request asked, two distinct ones where `approval.required =
2`, nothing once expired, locked, denied or decided), and what a page shows
before the button is `ApprovalBook.obstacle`, the rules `vote` enforces.

How fresh an approver's sign-in must be. A vote counts with the console
session when the person entered their password and MFA at most
`web.signin_max_age_seconds` ago (the ID token's `auth_time`): right after
signing in from the approval mail's link, the usual way here. An older
session (it lives `web.session_minutes`) first sends the approver through a
fresh Entra sign-in (prompt=login, their own account, MFA), and the vote is
cast by that sign-in's handler: a browser left signed in cannot approve a
reset. A `--local` session is the host's own, trusted like the CLI.

The requester's confirmation (`/confirm/<token>`): opening the link only
shows the request; the sign-in's handler confirms it (`confirm_by_link`),
so a mail scanner that fetches the link changes nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from flask import (Blueprint, Flask, abort, current_app, g, make_response, redirect, render_template, request,
                   url_for)
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..approvals import FINAL, ApprovalBook, ApprovalError, ApprovalRequest, State
from ..responders.approval_mail import ApprovalMailer
from ..signin import Identity
from ..store import Store, timestamp
from . import charts
from .app import audit, console, error_page, flash, register, requires, start_signin, store

log = logging.getLogger("resetdesk.web")

approvals = Blueprint("approvals", __name__)

RECENT = 30
# A state's words on a page, and the order of the chart's legend.
STATE_WORDS = {
    State.RECEIVED: "being checked", State.AWAITING_CONFIRMATION: "waiting for the requester's sign-in",
    State.PENDING: "waiting for approval", State.APPROVED: "approved, being carried out",
    State.EXECUTED: "done", State.DENIED: "denied", State.EXPIRED: "expired", State.LOCKED: "locked",
    State.REFUSED: "refused", State.FAILED: "failed", State.IN_DOUBT: "in doubt: held for a person",
}
OUTCOMES = (State.EXECUTED, State.DENIED, State.EXPIRED, State.LOCKED, State.REFUSED, State.FAILED,
            State.IN_DOUBT, State.PENDING, State.AWAITING_CONFIRMATION, State.APPROVED, State.RECEIVED)
VERBS = {"approve": "Approve", "deny": "Deny"}


def wall_clock() -> float:
    """Seconds since the epoch: what an ID token's auth_time is compared with (tests replace it)."""
    return time.time()


def book() -> ApprovalBook:
    """The approval book over this thread's store."""
    mailer: ApprovalMailer = current_app.extensions["resetdesk.approval_mailer"]
    return ApprovalBook(console().config, store(), mailer)


def _request_or_404(request_id: str) -> ApprovalRequest:
    found = book().get(request_id) if len(request_id) <= 20 else None
    if found is None:
        abort(404)
    return found


def time_left(item: ApprovalRequest, now: datetime) -> str:
    """How long a request waiting for someone has left: "17 min", "expired"."""
    if not item.expires_at or item.state not in (State.PENDING, State.AWAITING_CONFIRMATION):
        return ""
    seconds = (datetime.fromisoformat(item.expires_at) - now).total_seconds()
    return "expired" if seconds <= 0 else charts.duration(seconds)


def confirmation_of(events: list[dict[str, Any]]) -> str:
    """How the requester confirmed, from the request's events ("" when nobody had to)."""
    for row in events:
        if row["event"] == "request_pending" and row["detail"].get("confirmed_by"):
            return f"confirmed by the requester's own Entra ID sign-in with MFA, {row['at'][:16].replace('T', ' ')} UTC"
    return ""


def request_events(current: Store, item: ApprovalRequest) -> list[dict[str, Any]]:
    """The request's audit events, oldest first (its message's events that name it)."""
    rows = current.audit_rows(message_key=item.message_key, limit=1000)
    return [row for row in reversed(rows) if row["detail"].get("request_id") == item.id]


def fresh(principal) -> bool:
    """Whether this session may vote without a new sign-in (see the module docstring)."""
    if principal.method == "local":
        return True
    return wall_clock() - principal.auth_time <= console().config.web.signin_max_age_seconds


# ------------------------------------------------------------------ the list


@approvals.get("/approvals")
@requires("view")
def pending():
    current = store()
    approval_book = book()
    now = current.now()
    waiting = approval_book.requests([State.PENDING])
    unconfirmed = approval_book.requests([State.AWAITING_CONFIRMATION])
    underway = approval_book.requests([State.RECEIVED, State.APPROVED, State.IN_DOUBT])
    recent = approval_book.requests(FINAL, limit=RECENT)
    username = g.principal.username
    cards = []
    for item in waiting:
        events = request_events(current, item)
        obstacle = approval_book.obstacle(item, username) if g.principal.may("approve") else None
        cards.append({"request": item, "left": time_left(item, now), "confirmed": confirmation_of(events),
                      "obstacle": obstacle.text if obstacle else "", "may": g.principal.may("approve")})
    return render_template("approvals.html", cards=cards, unconfirmed=unconfirmed, underway=underway,
                           recent=recent, words=STATE_WORDS, left=lambda r: time_left(r, now))


# --------------------------------------------------------------- one request


@approvals.get("/approvals/<request_id>")
@requires("view")
def show(request_id: str):
    item = _request_or_404(request_id)
    current = store()
    events = request_events(current, item)
    obstacle = book().obstacle(item, g.principal.username) if g.principal.may("approve") else None
    outgoing = [row for row in current.outbox_rows("request_id = ?", [item.id])]
    return render_template("approval.html", request_=item, events=events, votes=current.votes(item.id),
                           outgoing=outgoing, words=STATE_WORDS, left=time_left(item, current.now()),
                           confirmed=confirmation_of(events), obstacle=obstacle.text if obstacle else "",
                           may=g.principal.may("approve"), summary=_summary)


def _summary(detail: dict[str, Any]) -> str:
    from .pages import summary

    return summary({k: v for k, v in detail.items() if k not in ("request_id", "target")})


# ---------------------------------------------------------- approve and deny


@approvals.get("/approvals/<request_id>/<any(approve, deny):verb>")
@requires("approve")
def confirm_decision(request_id: str, verb: str):
    item = _request_or_404(request_id)
    obstacle = book().obstacle(item, g.principal.username)
    return render_template("decide.html", request_=item, verb=verb, label=VERBS[verb],
                           obstacle=obstacle.text if obstacle else "", fresh=fresh(g.principal),
                           max_age=console().config.web.signin_max_age_seconds,
                           left=time_left(item, store().now()), approvals=len(item.approved_by))


@approvals.post("/approvals/<request_id>/<any(approve, deny):verb>")
@requires("approve")
def decide(request_id: str, verb: str):
    item = _request_or_404(request_id)
    principal = g.principal
    reason = " ".join((request.form.get("reason") or "").split())[:500]
    if request.form.get("confirm") != "yes":
        return redirect(url_for("approvals.confirm_decision", request_id=item.id, verb=verb))
    if verb == "deny" and not reason:
        flash("Say why you deny it: the requester reads the reason.")
        return redirect(url_for("approvals.confirm_decision", request_id=item.id, verb=verb))
    if fresh(principal):
        _cast(item.id, principal.username, verb, reason)
        return redirect(url_for("approvals.show", request_id=item.id))
    obstacle = book().obstacle(item, principal.username)
    if obstacle is not None:       # no sign-in for a vote that cannot count; the vote itself records why
        _cast(item.id, principal.username, verb, reason)
        return redirect(url_for("approvals.show", request_id=item.id))
    # The session is older than a sign-in may be for a vote: the person signs in again, and that decides.
    return _by_navigation(start_signin("approve", context={"request_id": item.id, "verb": verb, "reason": reason,
                                            "username": principal.username, "sid": _session_id(),
                                            "audit": {"message_key": item.message_key, "sender": item.requester,
                                                      "scenario": "admin_reset", "request_id": item.id}},
                        login_hint=principal.username, expected_oid=principal.oid or None), verb)


def _by_navigation(response: Response, verb: str) -> Response:
    """The redirect to the identity platform as a page that moves on by itself.

    A form's POST may not be redirected to another site (the CSP's
    form-action 'self', which browsers apply to redirects too); a page's own
    navigation may, as the sign-in link does.
    """
    location = response.headers.get("Location")
    if response.status_code != 302 or not location:
        return response           # sign-in unavailable: the error page as it is
    page = make_response(render_template("signin_again.html", next_url=location, verb=verb))
    for cookie in response.headers.getlist("Set-Cookie"):
        page.headers.add("Set-Cookie", cookie)
    return page


def _session_id() -> str:
    desk = console()
    return request.cookies.get(desk.session_cookie, "")


def _cast(request_id: str, approver: str, verb: str, reason: str) -> bool:
    """One vote through the approval book; the outcome is flashed to the approver's session."""
    try:
        answer = book().vote(request_id, approver, verb, via="console", reason=reason)
    except ApprovalError as error:
        flash(f"Not {'approved' if verb == 'approve' else 'denied'}: {error}.")
        log.info("console %s of %s by %s refused: %s", verb, request_id, approver, error)
        return False
    if answer.result == "approved":
        flash(f"{request_id} approved: the desk carries it out on its next pass.")
    elif answer.result == "approval_recorded":
        flash(f"Your approval of {request_id} is recorded ({answer.approvals} of {answer.required}); "
              f"it waits for another approver.")
    else:
        flash(f"{request_id} denied: the requester and the approvers are told.")
    log.info("%s on the console: %s %s", approver, verb, request_id)
    return True


def _approve_signed_in(identity: Identity, context: dict[str, Any]) -> Response:
    """The approver's fresh sign-in came back (checked: tenant, MFA, fresh, the same oid): now the vote."""
    desk = console()
    session = desk.sessions.get(context.get("sid"))
    if identity.username != context["username"]:
        audit("console_refused", purpose="approve", user=identity.username, reason="wrong_user",
              request_id=context["request_id"])
        return error_page(403, "Sign-in refused", "That was another account than the one signed in to the console.")
    # The callback came cross-site, without the session's cookie: the outcome is flashed to that session,
    # which now counts as freshly signed in.
    g.session = session
    if session is not None:
        session.principal = dataclasses.replace(session.principal, auth_time=identity.auth_time)
    _cast(context["request_id"], identity.username, context["verb"], context["reason"])
    g.session = None                     # the continue page must not take the flashes meant for the next page
    return _continue(url_for("approvals.show", request_id=context["request_id"]))


def _continue(next_url: str) -> Response:
    return make_response(render_template("continue.html", next_url=next_url))


# ------------------------------------------------- the requester's confirmation


@approvals.get("/confirm/<token>")
def confirmation(token: str):
    item, problem = book().by_link(token[:100])
    if item is None:
        return error_page(404, "Unknown link", problem)
    return render_template("confirm.html", request_=item, problem=problem, token=token,
                           left=time_left(item, store().now()))


@approvals.get("/confirm/<token>/signin")
def confirmation_signin(token: str):
    item, problem = book().by_link(token[:100])
    if item is None:
        return error_page(404, "Unknown link", problem)
    if problem:
        return render_template("confirm.html", request_=item, problem=problem, token=token, left="")
    # Who is expected is Graph's answer for the From address (preflight): only that person's sign-in counts.
    return start_signin("confirm", context={"token": token, "request_id": item.id,
                                            "audit": {"message_key": item.message_key, "sender": item.requester,
                                                      "scenario": "admin_reset", "request_id": item.id}},
                        login_hint=item.requester, expected_oid=item.requester_id)


def _confirm_signed_in(identity: Identity, context: dict[str, Any]) -> Response:
    """The requester's sign-in came back (checked: tenant, MFA, fresh, the oid Graph resolved): confirm."""
    claims = {"tid": identity.tid, "oid": identity.oid, "amr": list(identity.amr), "acrs": list(identity.acrs)}
    approval_book = book()
    try:
        item = approval_book.confirm_by_link(context["token"], claims)
    except ApprovalError as error:
        found = approval_book.get(context["request_id"])
        detail = {"message_key": found.message_key, "sender": found.requester, "scenario": "admin_reset"} \
            if found else {}
        audit("confirmation_refused", request_id=context["request_id"], user=identity.username, reason=str(error),
              **detail)
        log.warning("confirmation of %s refused: %s", context["request_id"], error)
        return error_page(403, "Not confirmed", f"{error} Nothing was changed.")
    log.info("request %s confirmed by %s's sign-in", item.id, identity.username)
    return make_response(render_template("confirmed.html", request_=item))


# ------------------------------------------------ overview and message pages


def overview_panel(current: Store) -> Markup:
    """Requests by outcome, a day each, the last 30 days; and what waits now (nothing for a desk without resets)."""
    policy = console().config.policy
    if not (policy.requesters or policy.requester_group) and not current.requests(limit=1):
        return Markup("")
    last = current.now().date()
    days = [(last - timedelta(days=n)).isoformat() for n in range(29, -1, -1)]
    values: dict[str, dict[str, int]] = {day: {} for day in days}
    for day, state, count in current.request_outcomes(timestamp(datetime.combine(
            last - timedelta(days=29), datetime.min.time(), tzinfo=current.now().tzinfo))):
        if day in values:
            values[day][state] = count
    seen = [state for state in OUTCOMES if any(state in by_state for by_state in values.values())]
    now = {state: n for state, n in current.db.execute(
        "SELECT state, count(*) FROM approval_requests WHERE state IN (?, ?, ?) GROUP BY state",
        [State.PENDING, State.AWAITING_CONFIRMATION, State.IN_DOUBT])}
    chart = charts.stacked_bars("Reset requests a day by outcome, last 30 days", days, values, [str(s) for s in seen])
    return Markup(render_template("approvals_panel.html", chart=chart, now=now,
                                  total=sum(sum(v.values()) for v in values.values())))


def message_section(current: Store, key: str) -> Markup:
    """The requests a message made, linked to their pages."""
    rows = current.requests("message_key = ?", [key])
    if not rows:
        return Markup("")
    return Markup(render_template("approvals_section.html", rows=rows, words=STATE_WORDS))


def approver_of_a_pending_request(current: Store, username: str) -> frozenset[str]:
    """The approver role for someone asked through policy.approver_group (named on a pending request)."""
    if username and current.open_requests_naming(username, (State.PENDING,)):
        return frozenset({"approver"})
    return frozenset()


def install(app: Flask) -> None:
    """Plug the approval pages into the console (create_app calls this)."""
    desk = app.extensions["resetdesk"]
    app.extensions["resetdesk.approval_mailer"] = ApprovalMailer(desk.config, desk.graph)
    register(app, approvals, nav=(("approvals.pending", "Approvals", "view"),))
    desk.purposes["approve"] = _approve_signed_in
    desk.purposes["confirm"] = _confirm_signed_in
    desk.overview_panels.append(overview_panel)
    desk.message_sections.append(message_section)
    desk.role_sources.append(approver_of_a_pending_request)
