#!/usr/bin/env python3
"""Sanity checks for the resetdesk HELD-OUT test corpus (tests/corpus_holdout).

    python tests/corpus_holdout/check_corpus.py [-v]

The checks are those of tests/corpus/check_corpus.py (loaded by path: tests/
is not a package); this script only gives this corpus's settings: smaller
minimums, 70-80 mails, and the coverage list this corpus claims.
Exits non-zero and lists the problems if anything is wrong.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load_shared():
    name = "corpus_check_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE.parent / "corpus" / "check_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # before running it: dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


shared = _load_shared()

HOLDOUT = shared.Settings(
    directory=HERE,
    min_scenario={"sspr": 9, "security_info": 8, "forgot_username": 8, "admin_reset": 14,
                  "new_admin_account": 6, "support": 8, "auto_reply": 9, "out_of_scope": 10},
    min_total=70,
    max_total=80,
    min_approval_requested=5,
    min_unauthorized=5,
    min_nynorsk=5,
    required=(
        "non-ASCII text in charset utf-8", "non-ASCII text in charset iso-8859-1",
        "non-ASCII text in charset windows-1252",
        "non-ASCII text with CTE quoted-printable", "non-ASCII text with CTE base64",
        "non-ASCII text with CTE 8bit", "CTE 7bit",
        "RFC 2047 subject: utf-8 Q", "RFC 2047 subject: iso-8859-1 B", "RFC 2047 subject: iso-8859-1 Q",
        "RFC 2047 subject: utf-8 B", "RFC 2047 subject: windows-1252 Q",
        "RFC 2047 from: utf-8 Q", "RFC 2047 from: utf-8 B", "RFC 2047 from: iso-8859-1 Q",
        "top-level text/plain only", "top-level text/html only", "type multipart/alternative",
        "type multipart/mixed", "type image/png", "type application/pdf", "type message/rfc822",
        "type multipart/report", "report-type delivery-status", "report-type disposition-notification",
        "type message/delivery-status", "type message/disposition-notification", "type text/rfc822-headers",
        "subject Re:", "subject SV:", "subject VS:", "subject FW:", "subject Automatisk svar:",
        "subject Automatic reply:",
        "text: Med vennlig hilsen", "text: Mvh", "text: Helsing", "text: Best regards",
        "text: Sent from my iPhone", "text: Sendt fra min iPhone",
        "text: -----Opprinnelig melding-----", "text: wrote:", "text: skrev ",
        "CRLF line endings", "Reply-To",
    ),
)


if __name__ == "__main__":
    sys.exit(shared.main(HOLDOUT))
