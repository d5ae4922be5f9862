"""The whole flow, timed: prints figures, asserts nothing.

    python bench/bench_flow.py [--latency 60] [--backlog 2000] [--poll-interval 2] [--runs 3]

Against a private Dovecot and an aiosmtpd server (tests/servers.py):

- latency: a message APPENDed to the INBOX (timed from the APPEND's OK) until
  its reply arrives at the SMTP server, one message at a time, with the
  service (`resetdesk run`) waiting in IMAP IDLE, then polling;
- throughput: `resetdesk run --once` over a backlog, both on the local Maildir
  default (outbox Maildir) and on IMAP + SMTP, `--runs` times each (median
  reported); the rate over the process's wall time, and after start-up (the
  wall time minus that of a run over an empty inbox);
- the SQLite cost: one deciding transaction (message, decision, outbox row,
  audit events), the same in batches (what the service does), and a bare
  commit, with synchronous=FULL and NORMAL (the store uses both: store.py).

The flood limits are lifted for the run (every message is a different
requester; replies_total is raised), or most replies would rightly be held.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import servers  # noqa: E402

BODIES = [
    "Jeg har glemt passordet mitt og kommer ikke inn i Outlook.\n",
    "I forgot my password and cannot sign in to Teams.\n",
    "Hei, jeg husker ikke brukernavnet mitt til Microsoft 365.\n",
    "I changed my phone and the authenticator no longer works, how do I update my security info?\n",
]
LIFTED = {"replies_total": 1_000_000, "replies_per_sender": 1_000, "same_guidance_window_minutes": 0}


def message(n: int, tag: str) -> bytes:
    return servers.make_message(subject=f"Hjelp {n}", sender=f"person{n}.{tag}@contoso.no",
                                to="help@resetdesk.example", body=BODIES[n % len(BODIES)],
                                message_id=f"<{tag}-{n}@bench.example>")


def toml(tables: dict) -> str:
    lines = []
    for table, values in tables.items():
        lines.append(f"[{table}]")
        for key, value in values.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, str):
                value = json.dumps(value)
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def write_config(directory: Path, dovecot=None, smtp=None, **extra) -> Path:
    tables = {"policy": {"desk_address": "help@resetdesk.example"}, "limits": dict(LIFTED)}
    if dovecot is not None:
        tables["imap"] = {"host": dovecot.host, "port": dovecot.port, "security": "plain",
                          "username": dovecot.user, "timeout": 10.0, "poll_interval": 30.0}
    if smtp is not None:
        tables["smtp"] = {"host": smtp.host, "port": smtp.port, "security": "plain", "timeout": 10.0}
    for table, values in extra.items():
        tables.setdefault(table, {}).update(values)
    path = directory / "resetdesk.toml"
    path.write_text(toml(tables))
    return path


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "from resetdesk.cli import cli; cli()", "run", "--config", str(config),
            "--log-format", "json", *args]


def environment(dovecot) -> dict:
    return {**os.environ, "RESETDESK_IMAP_PASSWORD": dovecot.password}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def describe(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 0.95) * 1000:.0f} ms, "
            f"min {min(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms (n={len(values)})")



# ----------------------------------------------------------------- latency


def latency(dovecot, smtp, count: int, idle: bool, poll_interval: float) -> list[float]:
    from imapclient import IMAPClient

    dovecot.reset()
    smtp.clear()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as directory:
        config = write_config(Path(directory), dovecot, smtp, imap={"idle": idle, "poll_interval": poll_interval})
        process = subprocess.Popen(command(config), env=environment(dovecot), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        samples = []
        try:
            dovecot.append(message(0, "warmup"))
            smtp.wait_for(1, timeout=60)                       # started, and waiting
            appender = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
            appender.login(dovecot.user, dovecot.password)
            jitter = random.Random(7)
            for n in range(1, count + 1):
                # Polling: arrive anywhere in the poll cycle, not just after a reply went out.
                time.sleep(0.05 if idle else jitter.uniform(0, poll_interval))
                appender.append("INBOX", message(n, "idle" if idle else "poll"))
                appended = time.time()
                received = smtp.wait_for(n + 1, timeout=max(30.0, 3 * poll_interval))[n]
                samples.append(received.received_at - appended)
            appender.logout()
        finally:
            process.terminate()
            process.wait(30)
    return samples


# -------------------------------------------------------------- throughput


def run_once(config: Path, env: dict) -> tuple[float, int]:
    """(wall seconds, decisions) of one `resetdesk run --once`."""
    started = time.monotonic()
    result = subprocess.run(command(config, "--once"), env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"run --once failed ({result.returncode}):\n{result.stderr[-3000:]}")
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    return wall, sum(1 for line in lines if line.get("event") == "message")


def startup(config: Path, env: dict, runs: int = 3) -> float:
    """Median wall time of `run --once` over an empty inbox: interpreter, imports, rules, store, login, exit.

    Measured rather than read from log timestamps: the desk logs a batch's
    messages after the batch, so "from the first message line" would leave
    out the first batch.
    """
    walls = []
    for _ in range(runs):
        wall, decided = run_once(config, env)
        assert decided == 0, decided
        walls.append(wall)
    return statistics.median(walls)


def rates(walls: list[float], decided: int, start: float) -> str:
    wall = statistics.median(walls)
    return (f"median of {len(walls)}: {decided / wall:.0f} msg/s including start-up ({wall:.1f} s), "
            f"{decided / (wall - start):.0f} msg/s after start-up ({start:.2f} s of start-up); "
            f"runs after start-up: {', '.join(f'{decided / (w - start):.0f}' for w in walls)} msg/s")


def throughput_maildir(backlog: int, runs: int) -> str:
    walls, results = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-backlog-") as directory:
            config = write_config(Path(directory))
            start = startup(config, dict(os.environ))
            inbox = Path(directory) / "var" / "maildir"
            for n in range(backlog):
                (inbox / "new" / f"{n:06d}.bench").write_bytes(message(n, "maildir"))
            wall, decided = run_once(config, dict(os.environ))
            sent = len(list((Path(directory) / "var" / "outbox" / "new").iterdir()))
            walls.append(wall)
            results.append((decided, sent, start))
    decided, sent, start = results[0]
    assert all(r[:2] == (backlog, backlog) for r in results), results
    return (f"Maildir -> outbox Maildir: {decided} decided, {sent} replies written; "
            + rates(walls, decided, statistics.median(r[2] for r in results)))


def fill_inbox(dovecot, count: int, tag: str) -> None:
    """`count` messages into the desk's INBOX as an MDA would, straight into the Maildir.

    deliver_to_maildir() re-owns the whole tree per message: write them all,
    then hand the tree to the mail user once.
    """
    maildir = dovecot.home_root / dovecot.user / "Maildir"
    dovecot.deliver_to_maildir(message(0, tag))
    for n in range(1, count):
        (maildir / "tmp" / f"{n:06d}.{tag}").write_bytes(message(n, tag))
        os.rename(maildir / "tmp" / f"{n:06d}.{tag}", maildir / "new" / f"{n:06d}.{tag}")
    dovecot._chown_tree(dovecot.home_root / dovecot.user)


def throughput_imap(dovecot, smtp, backlog: int, runs: int) -> str:
    walls, starts = [], []
    for _ in range(runs):
        dovecot.reset()
        smtp.clear()
        with tempfile.TemporaryDirectory(prefix="bench-imap-") as directory:
            config = write_config(Path(directory), dovecot, smtp)
            starts.append(startup(config, environment(dovecot)))
            fill_inbox(dovecot, backlog, "imap")
            wall, decided = run_once(config, environment(dovecot))
        sent = len(smtp.messages)
        assert (decided, sent) == (backlog, backlog), (decided, sent)
        assert dovecot.folder_uids("INBOX") == []
        walls.append(wall)
    return (f"IMAP (Dovecot) -> SMTP (aiosmtpd): {decided} decided, {sent} replies received; "
            + rates(walls, decided, statistics.median(starts)))


def imap_round_trips(dovecot, count: int = 200) -> str:
    """What one message costs at the IMAP server alone: a UID MOVE, a NOOP (the floor)."""
    from imapclient import IMAPClient

    dovecot.reset()
    fill_inbox(dovecot, count, "move")
    client = IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    client.login(dovecot.user, dovecot.password)
    client.create_folder("bench-moved")
    client.select_folder("INBOX")
    uids = client.search("ALL")
    started = time.perf_counter()
    for uid in uids:
        client.move([uid], "bench-moved")
    move = (time.perf_counter() - started) / len(uids)
    started = time.perf_counter()
    for _ in uids:
        client.noop()
    noop = (time.perf_counter() - started) / len(uids)
    client.logout()
    return f"Dovecot alone: UID MOVE of one message {move * 1e3:.2f} ms, NOOP {noop * 1e3:.2f} ms"


# ------------------------------------------------------------------ sqlite


def sqlite_costs(rounds: int = 300, batch: int = 50) -> list[str]:
    from resetdesk.store import Store

    record = {"scenario": "sspr", "action": "reply", "language": "nb", "facts": {"own_password_lost": True},
              "rules": [{"name": "own-password-lost", "description": "The sender lost their own password."}],
              "missed": [], "path": ["start", "sspr"], "targets": [], "previous_scenario": None}

    def decide(store: Store, n: int) -> None:
        key = f"mid:{n}@bench"
        with store.transaction():     # a savepoint when inside a batch, as in the service
            store.add_message(key, mailbox="m", uid=str(n), uidvalidity=None, sender=f"p{n}@x",
                              subject="s", size=1000, status="decided", role="answered")
            store.add_decision(key, record, "sspr.nb")
            row = store.queue(message_key=key, kind="reply", recipient=f"p{n}@x", envelope_from="d@x",
                              message_id=f"r{n}@x", raw=b"x" * 4000, template="sspr.nb")
            store.audit("reply_queued", message_key=key, outbox_id=row)
            store.audit("decided", message_key=key, action="reply")

    lines = []
    for synchronous in ("FULL", "NORMAL"):
        with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as directory:
            store = Store(Path(directory) / "desk.db")
            store.db.execute(f"PRAGMA synchronous = {synchronous}")
            started = time.perf_counter()
            for n in range(rounds):
                decide(store, n)
            single = (time.perf_counter() - started) / rounds
            started = time.perf_counter()
            for first in range(rounds, 2 * rounds, batch):
                with store.transaction():
                    for n in range(first, min(first + batch, 2 * rounds)):
                        decide(store, n)
            batched = (time.perf_counter() - started) / rounds
            started = time.perf_counter()
            for n in range(rounds):
                store.mark_sending(n + 1)
            commit = (time.perf_counter() - started) / rounds
            store.close()
        lines.append(f"synchronous={synchronous}: deciding transaction {single * 1e3:.2f} ms "
                     f"({batched * 1e3:.2f} ms a message in batches of {batch}), "
                     f"one-row commit (mark_sending) {commit * 1e3:.2f} ms")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=int, default=60, help="messages per latency run (default 60)")
    parser.add_argument("--backlog", type=int, default=2000, help="messages in the throughput backlog")
    parser.add_argument("--poll-interval", type=float, default=2.0, help="seconds between polls without IDLE")
    parser.add_argument("--runs", type=int, default=3, help="throughput runs per source (the median is reported)")
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    print("SQLite, per message:")
    for line in sqlite_costs():
        print("  " + line)

    print(f"Throughput, run --once over a {args.backlog}-message backlog:")
    print("  " + throughput_maildir(args.backlog, args.runs))

    tls = servers.TlsMaterial(Path(tempfile.mkdtemp(prefix="bench-tls-")))
    dovecot = servers.DovecotServer(tls).start()
    smtp = servers.SmtpServer().start()
    try:
        print("  " + throughput_imap(dovecot, smtp, args.backlog, args.runs))
        print("  " + imap_round_trips(dovecot))
        print("Latency, APPEND -> reply at the SMTP server:")
        print("  IDLE:    " + describe(latency(dovecot, smtp, args.latency, idle=True, poll_interval=30.0)))
        print(f"  polling every {args.poll_interval:g} s: "
              + describe(latency(dovecot, smtp, args.latency, idle=False, poll_interval=args.poll_interval)))
    finally:
        smtp.stop()
        dovecot.cleanup()


if __name__ == "__main__":
    main()
