"""Accuracy on the labelled corpora, with confusion tables: python bench/corpus_report.py [DIR ...]

All three corpora were written by people who never saw the classifier. Each
was measured once before the lexicons were tuned on it (figures in the
CHANGELOG): tests/corpus 64.8% scenario at first, tests/corpus_holdout 65.0%,
tests/corpus_blind 78.3%. A new blind corpus is the only honest measure of
what the next change does.
"""

import sys
from pathlib import Path

from resetdesk import config
from resetdesk.rules.evaluate import evaluate

TESTS = Path(__file__).resolve().parent.parent / "tests"
directories = [Path(d) for d in sys.argv[1:]] or [
    d for d in (TESTS / "corpus", TESTS / "corpus_holdout", TESTS / "corpus_blind") if (d / "labels.csv").exists()]

for directory in directories:
    result = evaluate(config.load(directory / "policy.toml"), directory)
    print(f"{directory.name}: {result.total} mails: scenario {result.rate(result.scenario_hits):.1%}, "
          f"action {result.rate(result.action_hits):.1%}, language {result.rate(result.language_hits):.1%}, "
          f"wrong approvals {len(result.wrong_approvals)}")
    print(result.confusion_table())
    for miss in result.misses:
        print("  miss:", " | ".join(miss))
    print()
