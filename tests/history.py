"""A store with history, for the console's tests, its screenshots and bench/bench_console.py.

The labelled corpus is decided for real (the Decider: parse, rules, templates,
compose, limits, store), one mail a minute; then, for as much history as
asked, those messages are replayed under new keys, senders and times with
plain SQL (decisions, outbox rows with the exact bytes, audit events), and
the replies marked sent a few seconds to minutes later. Deterministic for a
seed.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, UTC
from pathlib import Path

from resetdesk import config as config_module
from resetdesk.decide import Decider
from resetdesk.intake.message import RawMessage
from resetdesk.responders.render import Renderer
from resetdesk.rules.engine import Classifier, Knowledge
from resetdesk.store import IN_DOUBT, Store, timestamp

CORPUS = Path(__file__).resolve().parent / "corpus" / "mail"
POLICY = Path(__file__).resolve().parent / "corpus" / "policy.toml"


def corpus_config(store_path: Path):
    """The corpus's policy (its requesters and approvers) with the flood limits lifted for a replay."""
    import tomllib

    data = tomllib.loads(POLICY.read_text())
    data["store"] = {"path": str(store_path)}
    data["limits"] = {"replies_total": 1_000_000, "replies_per_sender": 1_000, "same_guidance_window_minutes": 0}
    data["escalation"] = {"address": "it-support@contoso.no"}
    return config_module.from_dict(data)


def decide_corpus(store: Store, clock, limit: int | None = None) -> list[str]:
    """Decide the corpus's mails for real, one a minute by `clock`; returns their keys in order."""
    config = corpus_config(store.path)
    knowledge = Knowledge.load()
    decider = Decider(config, store, Classifier(config, knowledge), Renderer(knowledge.graph))
    keys = []
    for n, path in enumerate(sorted(CORPUS.glob("*.eml"))[:limit]):
        with store.transaction():
            outcome = decider.decide(RawMessage("maildir:history", str(n), path.read_bytes(), None, None))
        keys.append(outcome.key)
        for row in store.outbox_rows("message_key = ? AND status = 'queued'", [outcome.key]):
            clock.advance(seconds=20)
            store.mark_sending(row.id)
            store.mark_sent(row.id)
        clock.advance(seconds=40)
    return keys


def _rows(store: Store, table: str, where: str, params: list) -> list[dict]:
    return [dict(row) for row in store.db.query(f"SELECT * FROM [{table}] WHERE {where} ORDER BY rowid", params)]


def replay(store: Store, keys: list[str], *, messages: int, days: int, end: datetime, seed: int = 8,
           senders: int = 2_000) -> None:
    """`messages` more messages like those of `keys`, spread over the `days` days before `end`."""
    rng = random.Random(seed)
    templates = []
    for key in keys:
        templates.append((_rows(store, "messages", "key = ?", [key]),
                          *(_rows(store, table, "message_key = ?", [key])
                            for table in ("decisions", "outbox", "audit"))))
    start = end - timedelta(days=days)
    moments = sorted(start + timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(messages))
    next_outbox = (store.db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0] or 0) + 1
    for chunk in range(0, messages, 2_000):
        with store.transaction():
            for n in range(chunk, min(messages, chunk + 2_000)):
                message_rows, decision_rows, outbox_rows, audit_rows = templates[n % len(templates)]
                at = moments[n]
                key = f"mid:history-{n}@history.example"
                sender = f"person{rng.randrange(senders)}@contoso.no"
                for row in message_rows:
                    store._insert("messages", {**row, "key": key, "sender": sender, "uid": str(n),
                                               "received": timestamp(at), "status": row["status"]})
                for row in decision_rows:
                    store._insert("decisions", {**{k: v for k, v in row.items() if k != "id"},
                                                "message_key": key, "created": timestamp(at)})
                ids = {}
                sent_at = at + timedelta(seconds=rng.choice((2, 3, 5, 8, 13, 30, 45, 90, 240)))
                for row in outbox_rows:
                    ids[row["id"]] = next_outbox
                    values = {**row, "id": next_outbox, "message_key": key,
                              "message_id": f"history-{n}.{row['kind']}@resetdesk.example",
                              "recipient": sender if row["kind"] == "reply" else row["recipient"],
                              "created": timestamp(at)}
                    if row["status"] == "sent":
                        values["sent_at"] = timestamp(sent_at)
                    store._insert("outbox", values)
                    next_outbox += 1
                for row in audit_rows:
                    detail = json.loads(row["detail"] or "{}")
                    if "outbox_id" in detail:
                        detail["outbox_id"] = ids.get(detail["outbox_id"], detail["outbox_id"])
                    if "message_id" in detail:
                        detail["message_id"] = f"history-{n}.{detail.get('kind', 'reply')}@resetdesk.example"
                    if "to" in detail and detail.get("kind", "reply") == "reply":
                        detail["to"] = sender
                    moment = sent_at if row["event"] == "delivery_sent" else at
                    store._insert("audit", {"at": timestamp(moment), "event": row["event"], "message_key": key,
                                            "sender": sender, "scenario": row["scenario"],
                                            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True)})


def hold_some(store: Store, count: int = 3) -> list[int]:
    """Put the newest sent replies back on hold as the desk would: one in doubt after a crash, others by a limit."""
    # Rows of the corpus's real decisions: their bytes are the ones composed for them.
    rows = store.outbox_rows("kind = 'reply' AND status = 'sent' AND message_key NOT LIKE 'mid:history-%'")[-count:]
    for n, row in enumerate(rows):
        store.db.execute("UPDATE outbox SET status = 'sending', sent_at = NULL WHERE id = ?", [row.id])
        if n == 0:
            store.hold(row.id, f"{IN_DOUBT}the previous run stopped between handing this message over and recording "
                               f"it; not resent (check the mail server's log for Message-ID <{row.message_id}>, "
                               "then release it if it never left)", event="delivery_in_doubt")
        else:
            store.hold(row.id, "5 replies to this sender within 60 minutes (limits.replies_per_sender)")
    return [row.id for row in rows]


def build(path: Path, *, messages: int = 0, days: int = 30, corpus_limit: int | None = None,
          end: datetime = datetime(2026, 11, 30, 15, 0, tzinfo=UTC), seed: int = 8):
    """A store at `path`: the corpus decided for real, `messages` more replayed before it: (store, clock, keys)."""
    from conftest import Clock

    clock = Clock(end - timedelta(hours=4))
    store = Store(path, clock=clock)
    if messages:
        # Real decisions first (for their rows), then the replay fills the days before them.
        keys = decide_corpus(store, clock, corpus_limit)
        replay(store, keys, messages=messages, days=days, end=end - timedelta(hours=4), seed=seed)
    else:
        keys = decide_corpus(store, clock, corpus_limit)
    return store, clock, keys


def past_requests(store: Store, *, count: int = 60, days: int = 30, seed: int = 9) -> int:
    """`count` ended reset requests over the `days` days before the store's clock, on history's admin_reset mails.

    Their outcomes in roughly a real desk's proportions (mostly done, some
    denied, expired, refused), for the overview's approvals chart.
    """
    rng = random.Random(seed)
    keys = [row[0] for row in store.db.execute(
        "SELECT message_key FROM decisions WHERE scenario = 'admin_reset' ORDER BY id LIMIT ?", [count])]
    outcomes = ["executed"] * 12 + ["denied"] * 2 + ["expired"] * 2 + ["refused"] * 3 + ["failed"]
    end = store.now()
    with store.transaction():
        for n in range(count):
            at = timestamp(end - timedelta(days=rng.uniform(0, days - 1)))
            store._insert("approval_requests", {
                "id": f"R-H{n:05d}", "message_key": keys[n % len(keys)], "state": rng.choice(outcomes),
                "requester": "it-lead@contoso.no", "target": f"person{n}@contoso.no", "language": "en",
                "method": "tap", "why": "{}", "verification": "", "approvers": "[]", "required": 1,
                "wrong_codes": 0, "attempts": 0, "action_state": "", "dry_run": 0, "created": at, "updated": at})
    return count
