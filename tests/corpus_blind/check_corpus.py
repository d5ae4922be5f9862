#!/usr/bin/env python3
"""Sanity checks for the resetdesk BLIND test corpus (tests/corpus_blind).

    python tests/corpus_blind/check_corpus.py [-v]

The checks are those of tests/corpus/check_corpus.py (loaded by path: tests/
is not a package); this script only gives this corpus's settings: its
minimums, 50-60 mails, and the coverage list this corpus claims.
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

BLIND = shared.Settings(
    directory=HERE,
    min_scenario={"sspr": 6, "security_info": 6, "forgot_username": 5, "admin_reset": 10,
                  "new_admin_account": 4, "support": 5, "auto_reply": 6, "out_of_scope": 7},
    min_total=50,
    max_total=60,
    min_approval_requested=3,
    min_unauthorized=3,
    min_nynorsk=6,
    required=(
        "non-ASCII text in charset utf-8", "non-ASCII text in charset iso-8859-1",
        "non-ASCII text in charset windows-1252",
        "non-ASCII text with CTE quoted-printable", "non-ASCII text with CTE base64",
        "non-ASCII text with CTE 8bit", "CTE 7bit",
        "RFC 2047 subject: utf-8 Q", "RFC 2047 subject: iso-8859-1 B", "RFC 2047 subject: iso-8859-1 Q",
        "RFC 2047 subject: utf-8 B", "RFC 2047 subject: windows-1252 Q",
        "RFC 2047 from: utf-8 Q", "RFC 2047 from: utf-8 B", "RFC 2047 from: iso-8859-1 Q",
        "RFC 2047 from: iso-8859-1 B",
        "top-level text/plain only", "top-level text/html only", "type multipart/alternative",
        "type multipart/mixed", "type image/png", "type application/pdf", "type message/rfc822",
        "type multipart/report", "report-type delivery-status", "report-type disposition-notification",
        "type message/delivery-status", "type message/disposition-notification", "type text/rfc822-headers",
        "subject Re:", "subject RE:", "subject SV:", "subject VS:", "subject Fwd:", "subject FW:",
        "subject Automatisk svar:", "subject Automatic reply:", "subject Lest:", "subject Read:",
        "subject Kan ikke leveres:",
        "text: Med vennlig hilsen", "text: Mvh", "text: Helsing", "text: Best regards",
        "text: Sent from my iPhone", "text: Sendt fra min iPhone",
        "text: ---------- Forwarded message", "text: -----Opprinnelig melding-----",
        "text: Videresendt melding", "text: -----Original Message-----", "text: wrote:", "text: skrev ",
        "CRLF line endings", "Reply-To", "no Message-ID",
    ),
)


if __name__ == "__main__":
    sys.exit(shared.main(BLIND))
