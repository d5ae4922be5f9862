"""The console's server time per page with a long history: prints medians, asserts nothing.

    python bench/bench_console.py [--events 100000] [--runs 25] [--keep DB]

Builds a store with at least `--events` audit events (tests/history.py: the
labelled corpus decided for real, then replayed under new keys, senders and
times over 90 days; 3,000 reset requests), then requests each page through Flask's test client
(the whole WSGI request in this process: routing, session, SQL, rendering,
headers; no network) `--runs` times and prints the median and the slowest,
in milliseconds. The target: every page under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import history  # noqa: E402

END = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the store at this path")
    args = parser.parse_args()

    from resetdesk import config as config_module
    from resetdesk.web.app import create_app
    from resetdesk.web.server import local_principal

    path = args.keep or Path(tempfile.mkdtemp(prefix="resetdesk-bench-")) / "desk.db"
    begun = time.perf_counter()
    if not path.exists():
        # About 3 audit events a message (decided, reply or escalation queued, sent).
        store, _clock, _keys = history.build(path, messages=int(args.events / 2.95), days=90, end=END)
        history.hold_some(store, 40)
        history.past_requests(store, count=3_000, days=90)
        # A few waiting for a decision, as the approvals page shows them first.
        store.db.execute("UPDATE approval_requests SET state = 'pending', expires_at = ? WHERE id IN "
                         "(SELECT id FROM approval_requests ORDER BY created DESC LIMIT 5)",
                         ["2026-11-30T15:30:00.000+00:00"])
        store.db.conn.commit()
        store.close()
    built = time.perf_counter() - begun
    config = config_module.from_dict({"store": {"path": str(path)},
                                      "policy": {"operators": ["ops@contoso.no"],
                                                 "requesters": ["it-lead@contoso.no"]}})
    app = create_app(config, base_url="http://127.0.0.1:8480", local_principal=local_principal(config),
                     clock=lambda: END)
    client = app.test_client()
    client.get("/auth/local?token=" + app.extensions["resetdesk"].local_tokens.issue())
    store = app.extensions["resetdesk"].stores.get()
    events = store.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    messages = store.db.execute("SELECT count(*) FROM messages").fetchone()[0]
    sender = store.db.execute("SELECT sender FROM audit WHERE sender LIKE 'person%' LIMIT 1").fetchone()[0]
    old = store.db.execute("SELECT id FROM audit ORDER BY at LIMIT 1 OFFSET 100").fetchone()[0]
    key = store.db.execute("SELECT message_key FROM decisions WHERE scenario = 'admin_reset' LIMIT 1").fetchone()[0]
    held = store.db.execute("SELECT id FROM outbox WHERE status = 'held' LIMIT 1").fetchone()[0]
    pages = {
        "overview (30 days, 4 charts)": "/",
        "audit trail, newest": "/audit",
        "audit trail, one sender": f"/audit?sender={sender}",
        "audit trail, one event": "/audit?event=delivery_sent",
        "audit trail, one scenario": "/audit?scenario=new_admin_account",
        "audit trail, a week": "/audit?since=2026-10-01&until=2026-10-07",
        "audit trail, sender+event+dates": f"/audit?sender={sender}&event=decided&since=2026-09-01&until=2026-11-30",
        "audit trail, oldest page": f"/audit?before={old}",
        "message page (graph drawn)": "/messages/" + urllib.parse.quote(key),
        "outbox, held": "/outbox",
        "outbox, failed": "/outbox?show=failed",
        "release confirmation": f"/outbox/{held}/release",
        "approvals (pending, recent)": "/approvals",
        "one request (its history)": "/approvals/R-H00001",
    }
    print(f"store: {events:,} audit events, {messages:,} messages, {path.stat().st_size / 1e6:.0f} MB"
          + (f" (built in {built:.1f} s)" if built > 0.5 else ""))
    print(f"{'page':<36} {'median ms':>10} {'max ms':>8}")
    for name, url in pages.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            answer = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"{url}: {answer.status_code}")
        print(f"{name:<36} {statistics.median(times):>10.1f} {max(times):>8.1f}")


if __name__ == "__main__":
    main()
