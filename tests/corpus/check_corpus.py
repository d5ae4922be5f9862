#!/usr/bin/env python3
"""Sanity checks for the resetdesk test corpora.

    python tests/corpus/check_corpus.py [-v]

Checks tests/corpus with the settings in ``CORPUS`` below.  The held-out and
blind corpora have their own thin scripts (tests/corpus_holdout/ and
tests/corpus_blind/check_corpus.py): each puts this folder on ``sys.path``,
imports this module and calls ``run_for()`` with its own ``Settings`` (its
minimums, a maximum total and the coverage list it claims, built from the
coverage groups below); the checks are the same.

Checks that every .eml parses cleanly with the stdlib ``email`` package,
that labels.csv and mail/ agree, that the labels are internally consistent
(scenario/action pairs, approval_requested exactly where policy.toml says a
reset request is authorised), that strong machine-mail header signals are
labelled auto_reply, that the per-label minimums are met, and that the
encodings and MIME shapes the README claims are really present.
Exits non-zero and lists the problems if anything is wrong.
"""
from __future__ import annotations

import csv
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCENARIO_ACTIONS = {
    "sspr": {"reply"},
    "security_info": {"reply"},
    "forgot_username": {"reply"},
    "new_admin_account": {"reply"},
    "admin_reset": {"reply", "approval_requested"},
    "support": {"escalate"},
    "out_of_scope": {"escalate"},
    "auto_reply": {"ignore"},
}


@dataclass(frozen=True)
class Settings:
    """What one corpus claims: where it is, its minimums, and its coverage list."""
    directory: Path                   # holds mail/, labels.csv and policy.toml
    min_scenario: dict[str, int]      # scenario -> minimum number of mails
    min_total: int
    min_approval_requested: int
    min_unauthorized: int             # admin_reset mails whose note starts "unauthorized:"
    min_nynorsk: int
    required: tuple[str, ...]         # coverage keys that must each occur at least once
    max_total: int | None = None


# Coverage groups every corpus claims (each corpus's ``required`` adds its own
# subject prefixes, quote headers and extras around them).
ENCODINGS = (
    "non-ASCII text in charset utf-8", "non-ASCII text in charset iso-8859-1",
    "non-ASCII text in charset windows-1252",
    "non-ASCII text with CTE quoted-printable", "non-ASCII text with CTE base64",
    "non-ASCII text with CTE 8bit", "CTE 7bit",
    "RFC 2047 subject: utf-8 Q", "RFC 2047 subject: iso-8859-1 B", "RFC 2047 subject: iso-8859-1 Q",
    "RFC 2047 subject: utf-8 B", "RFC 2047 subject: windows-1252 Q",
    "RFC 2047 from: utf-8 Q", "RFC 2047 from: utf-8 B", "RFC 2047 from: iso-8859-1 Q",
)
MIME_SHAPES = (
    "top-level text/plain only", "top-level text/html only", "type multipart/alternative",
    "type multipart/mixed", "type image/png", "type application/pdf", "type message/rfc822",
    "type multipart/report", "report-type delivery-status", "report-type disposition-notification",
    "type message/delivery-status", "type message/disposition-notification", "type text/rfc822-headers",
)
SIGN_OFFS = (
    "text: Med vennlig hilsen", "text: Mvh", "text: Helsing", "text: Best regards",
    "text: Sent from my iPhone", "text: Sendt fra min iPhone",
)

CORPUS = Settings(
    directory=HERE,
    min_scenario={"sspr": 12, "security_info": 12, "forgot_username": 12, "admin_reset": 12,
                  "new_admin_account": 10, "support": 12, "auto_reply": 16, "out_of_scope": 14},
    min_total=130,
    min_approval_requested=10,
    min_unauthorized=10,
    min_nynorsk=8,
    required=(
        *ENCODINGS,
        *MIME_SHAPES,
        "subject Re:", "subject SV:", "subject VS:", "subject Fwd:", "subject Automatisk svar:",
        "subject Automatic reply:", "subject Lest:", "subject Read:",
        *SIGN_OFFS,
        "text: ---------- Forwarded message", "text: -----Opprinnelig melding-----",
        "text: Videresendt melding", "text: -----Original Message-----", "text: wrote:", "text: skrev ",
        "CRLF line endings", "Reply-To",
    ),
)


def load_policy(directory: Path) -> dict:
    with open(directory / "policy.toml", "rb") as f:
        return tomllib.load(f)["policy"]


def from_addr(msg) -> str:
    try:
        addrs = msg["From"].addresses
        return addrs[0].addr_spec.lower() if addrs else ""
    except Exception as e:  # noqa: BLE001
        return ""


def is_verified(msg, trusted: set[str]) -> bool:
    """Contract: the topmost Authentication-Results header of the message (not of
    attached messages) whose authserv-id is trusted must say dmarc=pass with
    header.from= the From address's domain."""
    addr = from_addr(msg)
    domain = addr.rsplit("@", 1)[-1] if "@" in addr else ""
    for value in msg.get_all("Authentication-Results") or []:
        v = " ".join(str(value).split())
        authserv = v.split(";", 1)[0].strip().split()[0].lower() if v.split(";", 1)[0].strip() else ""
        if authserv not in trusted:
            continue
        m = re.search(r"\bdmarc=([A-Za-z]+)", v)
        hf = re.search(r"\bdmarc=[^;]*?\bheader\.from=([^;\s]+)", v)
        return bool(m and m.group(1).lower() == "pass" and hf and hf.group(1).lower() == domain)
    return False


def machine_signals(msg, desk: str) -> list[str]:
    s = []
    if msg.get("List-Id"):
        s.append("List-Id")
    if msg.get("List-Unsubscribe"):
        s.append("List-Unsubscribe")
    prec = str(msg.get("Precedence", "")).strip().lower()
    if prec in ("bulk", "list", "junk"):
        s.append(f"Precedence: {prec}")
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        s.append(f"Auto-Submitted: {auto}")
    if from_addr(msg) == desk.lower():
        s.append("From desk")
    if msg.get("X-Resetdesk-Loop") is not None:
        s.append("X-Resetdesk-Loop")
    if msg.get_content_type() == "multipart/report":
        s.append("multipart/report")
    return s


def text_of(msg) -> str:
    out = []
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            try:
                out.append(part.get_content())
            except Exception:  # noqa: BLE001
                pass
    return "\n".join(out)


@dataclass
class Result:
    problems: list[str]
    report: list[str]          # the summary lines main() prints
    coverage: Counter


def check(directory: Path, settings: Settings) -> Result:
    """Run every check on the corpus in ``directory`` against ``settings``."""
    directory = Path(directory)
    maildir = directory / "mail"
    problems: list[str] = []
    problem = problems.append

    pol = load_policy(directory)
    desk = pol["desk_address"]
    trusted = {t.lower() for t in pol["trusted_authserv_ids"]}
    requesters = {r.lower() for r in pol["requesters"]}

    # ---------------- labels.csv vs mail/ ----------------
    with open(directory / "labels.csv", newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [r for r in reader if r]
    if header != ["file", "scenario", "action", "language", "note"]:
        problem(f"labels.csv header is {header}")
    files = sorted(p.name for p in maildir.glob("*.eml"))
    labelled = Counter(r[0] for r in rows)
    for name, n in labelled.items():
        if n > 1:
            problem(f"{name}: {n} rows in labels.csv")
        if name not in files:
            problem(f"{name}: row in labels.csv but no such file")
    for name in files:
        if name not in labelled:
            problem(f"{name}: file has no row in labels.csv")
        if not re.fullmatch(r"\d{3}-[a-z0-9-]+\.eml", name):
            problem(f"{name}: file name not NNN-short-slug.eml")
    for r in rows:
        if len(r) != 5:
            problem(f"{r[0]}: row has {len(r)} fields")
            continue
        name, sc, act, lang, note = r
        if sc not in SCENARIO_ACTIONS:
            problem(f"{name}: unknown scenario {sc!r}")
        elif act not in SCENARIO_ACTIONS[sc]:
            problem(f"{name}: action {act!r} impossible for scenario {sc!r}")
        if lang not in ("nb", "en"):
            problem(f"{name}: language {lang!r}")
        if not note.strip():
            problem(f"{name}: empty note")

    # ---------------- parse every mail ----------------
    coverage: Counter = Counter()
    msgs = {}
    for name in files:
        raw = (maildir / name).read_bytes()
        try:
            msg = BytesParser(policy=policy.default).parsebytes(raw)
        except Exception as e:  # noqa: BLE001
            problem(f"{name}: does not parse: {e}")
            continue
        msgs[name] = msg
        for part in msg.walk():
            for d in part.defects:
                problem(f"{name}: parser defect {type(d).__name__}: {d}")
        for h in ("From", "To", "Date", "Subject"):
            if msg.get(h) is None:
                problem(f"{name}: missing {h}")
        if not from_addr(msg):
            problem(f"{name}: unparsable From")
        try:
            if msg["Date"].datetime is None:
                problem(f"{name}: bad Date")
        except Exception as e:  # noqa: BLE001
            problem(f"{name}: bad Date ({e})")
        if msg.get("Message-ID") is None:
            coverage["no Message-ID"] += 1
        if msg.get("Reply-To") is not None:
            coverage["Reply-To"] += 1
        if b"\r\n" in raw:
            coverage["CRLF line endings"] += 1
        # raw header text (to see the RFC 2047 encodings actually used)
        head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii", "replace")
        unfolded = re.sub(r"\n[ \t]+", " ", head)
        for line in unfolded.split("\n"):
            key = line.split(":", 1)[0].lower()
            for cs, enc in re.findall(r"=\?([^?]+)\?([QqBb])\?", line):
                if key in ("subject", "from"):
                    coverage[f"RFC 2047 {key}: {cs.lower()} {enc.upper()}"] += 1
        subj = str(msg.get("Subject", ""))
        for pfx in ("Re:", "RE:", "SV:", "VS:", "Fwd:", "FW:", "Fw:", "Automatisk svar:", "Automatic reply:",
                    "Lest:", "Read:", "Undeliverable:", "Kan ikke leveres:"):
            if subj.startswith(pfx):
                coverage[f"subject {pfx}"] += 1
        if msg.get_content_type() == "text/html":
            coverage["top-level text/html only"] += 1
        if msg.get_content_type() == "text/plain":
            coverage["top-level text/plain only"] += 1
        for part in msg.walk():
            ct = part.get_content_type()
            coverage[f"type {ct}"] += 1
            if ct == "multipart/report":
                coverage[f"report-type {part.get_param('report-type')}"] += 1
            if part.get_content_maintype() == "text":
                cs = (part.get_content_charset() or "us-ascii").lower()
                cte = str(part.get("Content-Transfer-Encoding", "7bit")).lower()
                try:
                    txt = part.get_content()
                except Exception as e:  # noqa: BLE001
                    problem(f"{name}: cannot decode {ct} part: {e}")
                    continue
                if "\ufffd" in txt:
                    problem(f"{name}: replacement character after decoding {ct} ({cs})")
                if not txt.isascii():
                    coverage[f"non-ASCII text in charset {cs}"] += 1
                    coverage[f"non-ASCII text with CTE {cte}"] += 1
                coverage[f"CTE {cte}"] += 1
                if cs == "windows-1252" and not any(c in txt for c in "\u2013\u2014\u2018\u2019\u201c\u201d\u20ac\u2026"):
                    problem(f"{name}: windows-1252 part without any windows-1252-only character")
                # the claimed charset must really be what the bytes are in
                if cte in ("8bit", "quoted-printable", "base64"):
                    data = part.get_payload(decode=True)
                    try:
                        data.decode(cs)
                    except (UnicodeDecodeError, LookupError):
                        problem(f"{name}: bytes are not valid {cs}")
                    if cs != "utf-8" and not data.isascii():
                        try:
                            data.decode("utf-8")
                            problem(f"{name}: part labelled {cs} but bytes are UTF-8")
                        except UnicodeDecodeError:
                            pass
            if part.get_content_type() == "image/png":
                data = part.get_payload(decode=True)
                if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) > 2000:
                    problem(f"{name}: PNG attachment broken or too large")
        body = text_of(msg)
        for sig in ("Med vennlig hilsen", "Mvh", "Helsing", "Best regards", "Sent from my iPhone",
                    "Sendt fra min iPhone", "---------- Forwarded message", "-----Opprinnelig melding-----",
                    "Videresendt melding", "-----Original Message-----", "wrote:", "skrev "):
            if sig in body:
                coverage[f"text: {sig}"] += 1

    # ---------------- label consistency with the policy ----------------
    label = {r[0]: r for r in rows if len(r) == 5}
    for name, msg in msgs.items():
        if name not in label:
            continue
        _, sc, act, lang, note = label[name]
        sig = machine_signals(msg, desk)
        if sig and sc != "auto_reply":
            problem(f"{name}: machine-mail signals {sig} but labelled {sc}")
        if sc == "admin_reset":
            should = from_addr(msg) in requesters and is_verified(msg, trusted)
            want = "approval_requested" if should else "reply"
            if act != want:
                problem(f"{name}: admin_reset labelled {act}, policy says {want}")
            if note.startswith("unauthorized:") and should:
                problem(f"{name}: marked unauthorized but sender is an authorised requester")

    # ---------------- minimums ----------------
    sc_count = Counter(r[1] for r in label.values())
    act_count = Counter(r[2] for r in label.values())
    lang_count = Counter(r[3] for r in label.values())
    total = len(label)
    if total < settings.min_total:
        problem(f"only {total} labelled mails (< {settings.min_total})")
    if settings.max_total is not None and total > settings.max_total:
        problem(f"{total} labelled mails (> {settings.max_total})")
    for sc, n in settings.min_scenario.items():
        if sc_count[sc] < n:
            problem(f"scenario {sc}: {sc_count[sc]} mails (< {n})")
    if act_count["approval_requested"] < settings.min_approval_requested:
        problem(f"only {act_count['approval_requested']} approval_requested")
    unauthorized = sum(1 for r in label.values() if r[1] == "admin_reset" and r[4].startswith("unauthorized:"))
    if unauthorized < settings.min_unauthorized:
        problem(f"only {unauthorized} unauthorized/spoofed admin_reset mails")
    for lang in ("nb", "en"):
        if lang_count[lang] < 0.4 * total:
            problem(f"language {lang}: {lang_count[lang]} of {total} (< 40%)")
    nynorsk = sum(1 for r in label.values() if "nynorsk" in r[4].lower())
    if nynorsk < settings.min_nynorsk:
        problem(f"only {nynorsk} nynorsk mails")
    phishing = sum(1 for r in label.values() if r[1] == "out_of_scope" and "phishing lure" in r[4])
    if phishing < 3:
        problem(f"only {phishing} phishing lures")

    # ---------------- encodings and shapes the README claims ----------------
    for key in settings.required:
        if coverage[key] < 1:
            problem(f"coverage: nothing with {key}")
    if coverage["no Message-ID"] < 3:
        problem("coverage: fewer than 3 mails without Message-ID")

    report = [
        f"{total} labelled mails, {len(files)} files",
        "scenario: " + ", ".join(f"{k}={v}" for k, v in sorted(sc_count.items())),
        "action:   " + ", ".join(f"{k}={v}" for k, v in sorted(act_count.items())),
        "language: " + ", ".join(f"{k}={v}" for k, v in sorted(lang_count.items())) + f" (nynorsk {nynorsk})",
        f"unauthorized admin_reset: {unauthorized}, phishing lures: {phishing}",
    ]
    return Result(problems, report, coverage)


def main(settings: Settings = CORPUS, argv: list[str] | None = None) -> int:
    """Check ``settings.directory``, print the report; 1 if there are problems."""
    argv = sys.argv[1:] if argv is None else argv
    result = check(settings.directory, settings)
    problems = result.problems
    for line in result.report:
        print(line)
    if "-v" in argv:
        for k, v in sorted(result.coverage.items()):
            print(f"  {v:4d}  {k}")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print("  - " + p)
        return 1
    print("OK")
    return 0


def run_for(settings: Settings) -> None:
    """A corpus's check script: check ``settings.directory`` (``-v`` on the
    command line lists the coverage counts) and exit 1 if there are problems."""
    sys.exit(main(settings))


if __name__ == "__main__":
    run_for(CORPUS)
