"""The console's pages: the overview, the audit trail, one page per message, the outbox and its release.

Reads go through the store's indexed queries, a page at a time; the one
write, releasing a held reply, is `Store.release` (the same rule as
`resetdesk outbox release`), behind a confirmation page and a CSRF-checked POST.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlite_utils.db import NotFoundError

from ..errors import StoreError
from ..report import bound, overview as overview_figures
from ..rules.drawing import to_svg
from ..store import IN_DOUBT, OutboxRow, OutboxStatus
from . import charts
from .app import console, flash, requires, store

log = logging.getLogger("resetdesk.web")

pages = Blueprint("pages", __name__)

PAGE_SIZE = 50
# Outgoing kinds whose text the console shows. Any other kind (the approval
# flow's delivered TAP or password) shows only as "sent to the requester":
# no secret is ever rendered, whatever a later kind carries.
SHOWN_KINDS = frozenset({"reply", "escalation"})


# ------------------------------------------------------------------ overview


@pages.get("/")
@requires("view")
def overview():
    current = store()
    figures = overview_figures(current, days=30)
    scenarios = sorted({key for by_day in figures.mails.values() for key in by_day})
    panels = [panel(current) for panel in console().overview_panels]
    return render_template(
        "overview.html", figures=figures,
        mails_chart=charts.stacked_bars("Mails a day by scenario, last 30 days", figures.days, figures.mails,
                                        scenarios),
        reply_chart=charts.bars("Median time from decision to reply sent, by day", figures.days,
                                figures.reply_seconds, unit="s", colour=charts.PALETTE[2]),
        escalation_chart=charts.bars("Mails escalated to a person, by day", figures.days,
                                     {d: float(n) for d, n in figures.escalations.items() if n},
                                     colour=charts.PALETTE[5]),
        median=charts.duration(figures.median_reply_seconds) if figures.median_reply_seconds is not None else "–",
        escalations=sum(figures.escalations.values()), panels=panels)


# --------------------------------------------------------------- audit trail


def _cursor(current, value: str | None) -> tuple[str, int] | None:
    """A paging position given as an event id: (its time, its id); None if there is no such event."""
    if not value or not value.isdigit():
        return None
    row = current.db.execute("SELECT at, id FROM audit WHERE id = ?", [int(value)]).fetchone()
    return (row[0], row[1]) if row else None


@pages.get("/audit")
@requires("view")
def audit_trail():
    current = store()
    filters = {name: (request.args.get(name) or "").strip()
               for name in ("sender", "scenario", "event", "since", "until")}
    problems = []
    try:
        since = bound(filters["since"], end=False)
    except ValueError:
        since = None
        problems.append("“from” is not a date (YYYY-MM-DD)")
    try:
        until = bound(filters["until"], end=True)
    except ValueError:
        until = None
        problems.append("“to” is not a date (YYYY-MM-DD)")
    before = _cursor(current, request.args.get("before"))
    after = _cursor(current, request.args.get("after")) if before is None else None
    rows = current.audit_rows(sender=filters["sender"] or None, scenario=filters["scenario"] or None,
                              event=filters["event"] or None, since=since, until=until,
                              before=before, after=after, limit=PAGE_SIZE + 1)
    # One more than a page tells whether there is more in the direction we went.
    more = len(rows) > PAGE_SIZE
    if after is not None:
        rows = rows[-PAGE_SIZE:] if more else rows
        newer, older = more, True
    else:
        rows = rows[:PAGE_SIZE]
        newer, older = before is not None, more
    query: dict[str, Any] = {k: v for k, v in filters.items() if v}
    return render_template(
        "audit.html", rows=rows, filters=filters, problems=problems,
        events=current.distinct_values("audit", "event"), scenarios=current.distinct_values("audit", "scenario"),
        newer_url=url_for("pages.audit_trail", **query, after=rows[0]["id"]) if rows and newer else None,
        older_url=url_for("pages.audit_trail", **query, before=rows[-1]["id"]) if rows and older else None,
        newest_url=url_for("pages.audit_trail", **query) if before or after else None,
        summary=summary)


def summary(detail: dict[str, Any]) -> str:
    """An audit event's detail in one line, secrets never included (the store keeps none)."""
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


# ------------------------------------------------------------------ messages


def _text_of(row: OutboxRow) -> str | None:
    """The text a person reads in an outgoing message; None for kinds whose content is never shown."""
    if row.kind not in SHOWN_KINDS:
        return None
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    body: Any = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        return body.get_content()
    except (LookupError, ValueError):   # an unknown or broken charset: the bytes as UTF-8, marked where wrong
        return bytes(body.get_payload(decode=True) or b"").decode("utf-8", "replace")


def _subject_of(row: OutboxRow) -> str:
    message = email.message_from_bytes(row.raw[:65536], policy=email.policy.default)
    return str(message.get("Subject", ""))


@pages.get("/messages/<path:key>")
@requires("view")
def message(key: str):
    current = store()
    stored = current.message(key)
    if stored is None:
        abort(404)
    decision = current.decision(key)
    graph = console().graph
    explained: dict[str, Any] = {}
    if decision is not None:
        facts = json.loads(decision["facts"] or "{}")
        fired = json.loads(decision["rules"] or "[]")
        missed = json.loads(decision["missed"] or "[]")
        path = json.loads(decision["path"] or "[]")
        evidence = facts.get("evidence", {}) or {}
        declared = [(name, facts.get(name) is True, spec.get("description", ""), evidence.get(name))
                    for name, spec in graph.facts.items()]
        explained = {
            "decision": decision,
            "facts": sorted(declared, key=lambda item: not item[1]),     # the true ones first
            "machine_signals": facts.get("machine_signals") or [],
            "verification": facts.get("verification"),
            "sender": facts.get("sender"),
            "fired": fired,
            "missed": [(name, graph.describe(name)) for name in missed],
            "path": path,
            "targets": json.loads(decision["targets"] or "[]"),
            "graph": Markup(to_svg(graph, path, [rule["name"] for rule in fired],
                                   title=f"The knowledge graph; the path of this message: {' → '.join(path)}")),
        }
    outgoing = [(row, _subject_of(row), _text_of(row))
                for row in current.outbox_rows("message_key = ?", [key])]
    events = current.audit_rows(message_key=key, limit=200)
    sections = [section(current, key) for section in console().message_sections]
    return render_template("message.html", key=key, stored=stored, explained=explained, outgoing=outgoing,
                           events=events, sections=sections, summary=summary, in_doubt=IN_DOUBT)


# -------------------------------------------------------------------- outbox

OUTBOX_VIEWS = {
    "held": ("Held: in doubt after a crash, or held back by a limit", "status = 'held'"),
    "failed": ("Failed: refused for good, or given up after every attempt", "status = 'failed'"),
    "queued": ("Waiting to be sent", "status IN ('queued', 'sending')"),
}


@pages.get("/outbox")
@requires("view")
def outbox():
    current = store()
    show = request.args.get("show", "held")
    if show not in OUTBOX_VIEWS:
        abort(404)
    title, where = OUTBOX_VIEWS[show]
    params: list[Any] = []
    before = request.args.get("before", "")
    if before.isdigit():
        where += " AND id < ?"
        params.append(int(before))
    rows = [OutboxRow.from_row(row) for row in current.db.query(
        f"SELECT id, message_key, kind, recipient, envelope_from, message_id, x'' AS raw, status, attempts, "
        f"template, last_error, next_attempt_at, created, sent_at, request_id FROM outbox WHERE {where} "
        f"ORDER BY id DESC LIMIT ?", [*params, PAGE_SIZE + 1])]
    counts = {status: n for status, n in current.db.execute(
        "SELECT status, count(*) FROM outbox WHERE status IN ('held', 'failed', 'queued', 'sending') GROUP BY status")}
    counts["queued"] = counts.get("queued", 0) + counts.pop("sending", 0)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template("outbox.html", rows=rows, show=show, title=title, views=OUTBOX_VIEWS, counts=counts,
                           in_doubt=IN_DOUBT,
                           older_url=url_for("pages.outbox", show=show, before=rows[-1].id) if more else None,
                           may_release=g.principal.may("release"))


def _held_row(row_id: int) -> OutboxRow:
    try:
        return store().outbox(row_id)
    except NotFoundError:
        abort(404)


@pages.get("/outbox/<int:row_id>/release")
@requires("release")
def confirm_release(row_id: int):
    row = _held_row(row_id)
    return render_template("release.html", row=row, subject=_subject_of(row), text=_text_of(row),
                           in_doubt=row.status == OutboxStatus.HELD and (row.last_error or "").startswith(IN_DOUBT))


@pages.post("/outbox/<int:row_id>/release")
@requires("release")
def release(row_id: int):
    _held_row(row_id)
    if request.form.get("confirm") != "yes":
        return redirect(url_for("pages.confirm_release", row_id=row_id))
    try:
        store().release(row_id, by=g.principal.username)
    except StoreError as error:
        flash(f"Not released: {error}.")
        return redirect(url_for("pages.outbox"))
    log.info("outbox %s released by %s on the console", row_id, g.principal.username)
    flash(f"Released outbox row {row_id}: it goes out with the desk's next delivery pass.")
    return redirect(url_for("pages.outbox"))
