"""The overview's figures (report.py) and the charts that draw them (web/charts.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from resetdesk.report import bound, overview
from resetdesk.store import IN_DOUBT
from resetdesk.web import charts

RECORD = {"language": "en", "facts": {}, "rules": [], "missed": [], "path": ["start"], "targets": []}


def decided(store, clock, key, scenario, action="reply", sent_after=None):
    with store.transaction():
        store.add_message(key, mailbox="m", uid=key, uidvalidity=None, sender="a@contoso.no", subject="s",
                          size=1, status="decided", role="answered")
        store.add_decision(key, {**RECORD, "scenario": scenario, "action": action})
        row = store.queue(message_key=key, kind="reply", recipient="a@contoso.no", envelope_from="d@x",
                          message_id=f"r.{key}@x", raw=b"x")
    if sent_after is not None:
        clock.advance(seconds=sent_after)
        store.mark_sending(row)
        store.mark_sent(row)
    return row


def test_mails_a_day_median_reply_time_escalations_and_the_outbox(store, clock):
    decided(store, clock, "m1", "sspr", sent_after=10)
    decided(store, clock, "m2", "sspr", sent_after=30)
    decided(store, clock, "m3", "support", action="escalate", sent_after=200)
    clock.advance(days=1)
    in_doubt = decided(store, clock, "m4", "admin_reset")
    held = decided(store, clock, "m5", "admin_reset")
    failed = decided(store, clock, "m6", "sspr")
    with store.transaction():
        store.add_message("p1", mailbox="m", uid="p1", uidvalidity=None, sender="", subject="", size=1,
                          status="parked", role="needs_human", error="cannot parse")
    store.hold(in_doubt, IN_DOUBT + "crash")
    store.hold(held, "limit")
    store.mark_failed(failed, "550 no such user")
    clock.advance(days=40)                               # old mail falls out of a short window
    figures = overview(store, days=42)
    assert len(figures.days) == 42 and figures.days[-1] == clock.now.date().isoformat()
    first, second = figures.days[0], figures.days[1]
    assert figures.mails[first] == {"sspr": 2, "support": 1}
    assert figures.mails[second] == {"admin_reset": 2, "sspr": 1, "parked": 1}
    assert figures.reply_seconds == {first: 30.0}        # median of 10, 30 (+10 waited), 200 (+40 waited)
    assert figures.escalations[first] == 1 and sum(figures.escalations.values()) == 1
    assert figures.outbox == {"held": 1, "in_doubt": 1, "failed": 1, "queued": 0, "sending": 0}
    assert figures.total_mails == 7 and figures.median_reply_seconds == 30.0
    assert overview(store, days=30).total_mails == 0


def test_bounds_cover_whole_days_in_utc():
    assert bound("2026-11-02", end=False) == "2026-11-02T00:00:00.000+00:00"
    assert bound("2026-11-02", end=True) == "2026-11-03T00:00:00.000+00:00"
    assert bound("2026-11-02T10:00:00+01:00", end=False) == "2026-11-02T09:00:00.000+00:00"
    assert bound("", end=True) is None


def test_charts_are_svg_with_a_title_per_bar_and_round_axes():
    days = ["2026-11-01", "2026-11-02", "2026-11-03"]
    svg = str(charts.stacked_bars("Mails", days, {"2026-11-01": {"sspr": 3, "support": 4}}, ["sspr", "support"]))
    root = ET.fromstring(svg.split("<ul")[0])
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "2026-11-01 sspr: 3" in titles and "2026-11-01 support: 4" in titles
    assert "style" not in svg and "<script" not in svg
    assert charts.axis(7) == (8.0, 2.0) and charts.axis(45) == (60.0, 20.0) and charts.axis(0) == (1.0, 1.0)
    bars = str(charts.bars("Reply", days, {"2026-11-02": 95.0}, unit="s"))
    assert "<title>2026-11-02: 1.6 min</title>" in bars and bars.count("<rect") == 1
    assert charts.duration(42) == "42 s" and charts.duration(7200) == "2.0 h"
