"""Figures over the store for the console's overview: mails a day, time to reply, escalations, the outbox.

Read-only SQL over covering indexes (migration 0003), so a 30-day overview
costs a few milliseconds with 100,000 audit events (bench/bench_console.py).
Days are UTC days, as stored.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta, UTC

from .store import IN_DOUBT, Store, timestamp


@dataclass
class Overview:
    """The overview's figures for the `days` days up to and including `last_day`."""

    days: list[str]                                   # ISO dates, oldest first
    mails: dict[str, dict[str, int]]                  # day -> scenario (or "parked") -> mails decided
    reply_seconds: dict[str, float]                   # day -> median seconds from decision to sent
    escalations: dict[str, int]                       # day -> mails escalated to a person
    outbox: dict[str, int] = field(default_factory=dict)   # held, in_doubt, failed, queued, sending

    @property
    def total_mails(self) -> int:
        return sum(sum(by.values()) for by in self.mails.values())

    @property
    def median_reply_seconds(self) -> float | None:
        """The median of the daily medians (a day with a flood does not drown the others)."""
        values = list(self.reply_seconds.values())
        return statistics.median(values) if values else None


def overview(store: Store, days: int = 30) -> Overview:
    """The figures of the last `days` days (today included) by the store's clock."""
    last = store.now().date()
    first = last - timedelta(days=days - 1)
    day_list = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    since = timestamp_of(first)
    mails: dict[str, dict[str, int]] = {day: {} for day in day_list}
    escalations = {day: 0 for day in day_list}
    for day, scenario, action, count in store.db.execute(
            "SELECT substr(created, 1, 10), scenario, action, count(*) FROM decisions "
            "WHERE created >= ? GROUP BY 1, 2, 3", [since]):
        if day in mails:
            mails[day][scenario] = mails[day].get(scenario, 0) + count
            if action == "escalate":
                escalations[day] += count
    for day, count in store.db.execute(
            "SELECT substr(received, 1, 10), count(*) FROM messages WHERE status = 'parked' AND received >= ? "
            "GROUP BY 1", [since]):
        if day in mails:
            mails[day]["parked"] = count
    seconds: dict[str, list[float]] = {}
    for day, value in store.db.execute(
            "SELECT substr(sent_at, 1, 10), round((julianday(sent_at) - julianday(created)) * 86400.0, 3) FROM outbox "
            "WHERE kind = 'reply' AND sent_at >= ?", [since]):
        seconds.setdefault(day, []).append(value)
    reply_seconds = {day: statistics.median(values) for day, values in seconds.items() if day in mails}
    return Overview(day_list, mails, reply_seconds, escalations, outbox_counts(store))


def outbox_counts(store: Store) -> dict[str, int]:
    """How many outbox rows wait for a person (held, in doubt, failed) or for the sender (queued, sending)."""
    counts = {"held": 0, "in_doubt": 0, "failed": 0, "queued": 0, "sending": 0}
    for status, count in store.db.execute(
            "SELECT status, count(*) FROM outbox WHERE status IN ('held', 'failed', 'queued', 'sending') "
            "GROUP BY status"):
        counts[status] = count
    counts["in_doubt"] = store.db.execute(
        "SELECT count(*) FROM outbox WHERE status = 'held' AND substr(last_error, 1, ?) = ?",
        [len(IN_DOUBT), IN_DOUBT]).fetchone()[0]
    counts["held"] -= counts["in_doubt"]
    return counts


def bound(value: str | None, *, end: bool) -> str | None:
    """A --since/--until value as a stored timestamp (UTC); a bare date covers its whole day. ValueError if neither."""
    from datetime import datetime

    if not value:
        return None
    if len(value) == 10:
        day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
        return timestamp_of(day)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return timestamp(moment)


def timestamp_of(day: date) -> str:
    """The stored timestamp of a UTC day's first moment."""
    from datetime import datetime

    return timestamp(datetime(day.year, day.month, day.day, tzinfo=UTC))
