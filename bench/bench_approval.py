"""Admin-approved resets, timed: from the approver's mail arriving to the secret mail leaving. Prints figures.

    python bench/bench_approval.py [--requests 20] [--method tap|password] [--no-imap]

With the HTTPS stand-in for Entra ID and Graph (tests/servers.py) and a real
SMTP server (aiosmtpd) taking the mail:

- in process: the approver's mail dropped into the local Maildir, then one
  pass of the desk (`Desk.run(once=True)`: decide the command, check the code,
  TAP or PATCH, revoke, compose, hand over over SMTP); timed until the SMTP
  server has the secret mail. This is the desk's own work.
- the service: `resetdesk run` in IMAP IDLE on a private Dovecot; the
  approver's mail APPENDed (timed from the APPEND's OK) until the SMTP server
  has the secret mail: what an approver waits for, IDLE's push included
  (Dovecot delays IDLE notifications by ~0.5 s).

Each request is for a different account (the daily limits are raised). The
median and the 90th percentile are printed, with how many Graph calls one
approval costs.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import servers  # noqa: E402

DESK = "help@resetdesk.example"
LEAD, CTO = "lead@contoso.no", "cto@contoso.no"
AUTHSERV = "mx.contoso.no"


def verified(sender: str) -> dict[str, str]:
    return {"Authentication-Results": f"{AUTHSERV}; dmarc=pass header.from={sender.rpartition('@')[2]}"}


def request_mail(n: int) -> bytes:
    return servers.make_message(subject=f"Password reset {n}", sender=LEAD, to=DESK,
                                body=f"Please reset the password for user{n}@contoso.no, she is locked out.\n",
                                message_id=f"<req-{n}-{time.time_ns()}@bench.example>", extra_headers=verified(LEAD))


def approve_mail(line: str, n: int) -> bytes:
    return servers.make_message(subject="Re: Approval needed", sender=CTO, to=DESK, body=line + "\n",
                                message_id=f"<ok-{n}-{time.time_ns()}@bench.example>", extra_headers=verified(CTO))


def toml(tables: dict) -> str:
    import json
    lines = []
    for table, values in tables.items():
        lines.append(f"[{table}]")
        for key, value in values.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (list, tuple)):
                value = json.dumps(list(value))
            elif isinstance(value, str):
                value = json.dumps(value)
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def config_file(directory: Path, identity, client_id: str, smtp, method: str, dovecot=None) -> Path:
    tables = {
        "policy": {"desk_address": DESK, "trusted_authserv_ids": [AUTHSERV], "requesters": [LEAD],
                   "approvers": [CTO]},
        "oauth": {"tenant_id": identity.tenant_id, "client_id": client_id, "authority": identity.authority,
                  "ca_file": str(identity.ca_file)},
        "graph": {"base_url": identity.graph_url, "timeout": 10.0},
        "approval": {"method": method, "max_per_requester_per_day": 10000, "max_per_target_per_day": 100},
        "smtp": {"host": smtp.host, "port": smtp.port, "security": "plain", "timeout": 10.0,
                 "retry_initial_seconds": 0.0},
        "limits": {"replies_total": 1000000, "replies_per_sender": 100000, "same_guidance_window_minutes": 0},
        "log": {"level": "WARNING"},
    }
    if dovecot is not None:
        tables["imap"] = {"host": dovecot.host, "port": dovecot.port, "security": "plain", "username": dovecot.user,
                          "timeout": 10.0, "poll_interval": 30.0}
    path = directory / "resetdesk.toml"
    path.write_text(toml(tables))
    return path


def approval_line(smtp, n: int, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in list(smtp.messages):
            text = received.data.decode("utf-8", "replace")
            if CTO in received.rcpt_tos and f"user{n}@contoso.no" in text:
                match = re.search(r"^\s+(APPROVE R-\S+ \S+)\s*$", text, re.MULTILINE)
                if match:
                    return match.group(1)
        time.sleep(0.01)
    raise RuntimeError(f"no approval mail for request {n}")


def secret_arrival(smtp, n: int, timeout: float = 90.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in list(smtp.messages):
            if LEAD in received.rcpt_tos and f"user{n}@contoso.no" in received.data.decode("utf-8", "replace") \
                    and b"X-Resetdesk-Request" in received.data and (b"Temporary Access Pass" in received.data
                                                                     or b"Temporary password" in received.data):
                return received.received_at
        time.sleep(0.005)
    raise RuntimeError(f"no secret mail for request {n}")


def users(identity, count: int) -> None:
    identity.add_user("u-lead", LEAD, mail=LEAD, accountEnabled=True, userType="Member")
    identity.add_user("u-cto", CTO, mail=CTO, accountEnabled=True, userType="Member")
    for n in range(count):
        upn = f"user{n}@contoso.no"
        identity.add_user(f"u-{n}", upn, mail=upn, displayName=f"User {n}", accountEnabled=True,
                          onPremisesSyncEnabled=None, userType="Member")


def summary(name: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    print(f"{name}: median {statistics.median(ordered) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
          f"min {ordered[0] * 1000:.0f} ms, n={len(ordered)}")


def in_process(identity, client_id, smtp, count: int, method: str) -> None:
    from test_service_maildir import drop

    from resetdesk import config as config_module
    from resetdesk.service import Desk

    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        desk = Desk(config_module.load(config_file(directory, identity, client_id, smtp, method)))
        times = []
        calls_before = len(identity.graph_calls)
        for n in range(count):
            drop(desk.source.root, request_mail(n))
            desk.run(once=True)
            line = approval_line(smtp, n)
            calls_before = len(identity.graph_calls)
            began = time.time()
            drop(desk.source.root, approve_mail(line, n))
            desk.run(once=True)
            times.append(secret_arrival(smtp, n) - began)
        calls = len(identity.graph_calls) - calls_before
        desk.close()
    summary(f"in process ({method}), approver's mail in the Maildir -> secret mail at the SMTP server", times)
    print(f"  Graph calls for the last approval: {calls} (the reset and the revoke)")


def service(identity, client_id, smtp, count: int, method: str, tls) -> None:
    dovecot = servers.DovecotServer(tls, identity)
    dovecot.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            directory = Path(folder)
            path = config_file(directory, identity, client_id, smtp, method, dovecot)
            environment = {**os.environ, "RESETDESK_IMAP_PASSWORD": dovecot.password}
            process = subprocess.Popen([sys.executable, "-c", "from resetdesk.cli import cli; cli()", "run",
                                        "--config", str(path)], env=environment, stderr=subprocess.PIPE, text=True)
            try:
                times = []
                for n in range(count):
                    dovecot.append(request_mail(1000 + n))
                    line = approval_line(smtp, 1000 + n)
                    dovecot.append(approve_mail(line, 1000 + n))
                    appended = time.time()
                    times.append(secret_arrival(smtp, 1000 + n) - appended)
            except RuntimeError:
                process.terminate()
                print(process.communicate(timeout=30)[1][-3000:], file=sys.stderr)
                raise
            finally:
                if process.poll() is None:
                    process.terminate()
                    process.communicate(timeout=30)
    finally:
        dovecot.cleanup()
    summary(f"service on IMAP IDLE ({method}), approver's mail APPENDed -> secret mail at the SMTP server", times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--method", choices=("tap", "password"), default="tap")
    parser.add_argument("--no-imap", action="store_true", help="skip the service on a private Dovecot")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tls_folder:
        tls = servers.TlsMaterial(Path(tls_folder))
        identity = servers.IdentityServer(tls).start()
        smtp = servers.SmtpServer().start()
        try:
            client_id, secret = identity.add_client(mailbox=servers.DESK_USER)
            os.environ["RESETDESK_CLIENT_SECRET"] = secret
            users(identity, 2000 + args.requests)
            in_process(identity, client_id, smtp, args.requests, args.method)
            if not args.no_imap:
                try:
                    service(identity, client_id, smtp, args.requests, args.method, tls)
                except servers.ServerStartError as error:
                    print(f"service on IMAP IDLE: skipped ({error})")
        finally:
            smtp.stop()
            identity.stop()


if __name__ == "__main__":
    main()
