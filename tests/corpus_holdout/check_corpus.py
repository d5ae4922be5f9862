#!/usr/bin/env python3
"""Sanity checks for the resetdesk HELD-OUT test corpus (tests/corpus_holdout).

    python tests/corpus_holdout/check_corpus.py [-v]

The checks are those of tests/corpus/check_corpus.py (imported from there:
tests/ is not a package); this script only gives this corpus's settings:
smaller minimums, 70-80 mails, and the coverage list this corpus claims.
Exits non-zero and lists the problems if anything is wrong.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "corpus"))
from check_corpus import ENCODINGS, MIME_SHAPES, SIGN_OFFS, Settings, run_for  # noqa: E402

HOLDOUT = Settings(
    directory=Path(__file__).resolve().parent,
    min_scenario={"sspr": 9, "security_info": 8, "forgot_username": 8, "admin_reset": 14,
                  "new_admin_account": 6, "support": 8, "auto_reply": 9, "out_of_scope": 10},
    min_total=70,
    max_total=80,
    min_approval_requested=5,
    min_unauthorized=5,
    min_nynorsk=5,
    required=(
        *ENCODINGS,
        *MIME_SHAPES,
        "subject Re:", "subject SV:", "subject VS:", "subject FW:", "subject Automatisk svar:",
        "subject Automatic reply:",
        *SIGN_OFFS,
        "text: -----Opprinnelig melding-----", "text: wrote:", "text: skrev ",
        "CRLF line endings", "Reply-To",
    ),
)


if __name__ == "__main__":
    run_for(HOLDOUT)
