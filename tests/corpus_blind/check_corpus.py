#!/usr/bin/env python3
"""Sanity checks for the resetdesk BLIND test corpus (tests/corpus_blind).

    python tests/corpus_blind/check_corpus.py [-v]

The checks are those of tests/corpus/check_corpus.py (imported from there:
tests/ is not a package); this script only gives this corpus's settings: its
minimums, 50-60 mails, and the coverage list this corpus claims.
Exits non-zero and lists the problems if anything is wrong.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "corpus"))
from check_corpus import ENCODINGS, MIME_SHAPES, SIGN_OFFS, Settings, run_for  # noqa: E402

BLIND = Settings(
    directory=Path(__file__).resolve().parent,
    min_scenario={"sspr": 6, "security_info": 6, "forgot_username": 5, "admin_reset": 10,
                  "new_admin_account": 4, "support": 5, "auto_reply": 6, "out_of_scope": 7},
    min_total=50,
    max_total=60,
    min_approval_requested=3,
    min_unauthorized=3,
    min_nynorsk=6,
    required=(
        *ENCODINGS,
        "RFC 2047 from: iso-8859-1 B",
        *MIME_SHAPES,
        "subject Re:", "subject RE:", "subject SV:", "subject VS:", "subject Fwd:", "subject FW:",
        "subject Automatisk svar:", "subject Automatic reply:", "subject Lest:", "subject Read:",
        "subject Kan ikke leveres:",
        *SIGN_OFFS,
        "text: ---------- Forwarded message", "text: -----Opprinnelig melding-----",
        "text: Videresendt melding", "text: -----Original Message-----", "text: wrote:", "text: skrev ",
        "CRLF line endings", "Reply-To", "no Message-ID",
    ),
)


if __name__ == "__main__":
    run_for(BLIND)
