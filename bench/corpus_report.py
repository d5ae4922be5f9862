"""Accuracy on the labelled corpus with a confusion table: python bench/corpus_report.py"""

from pathlib import Path

from resetdesk import config
from resetdesk.rules.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent / "tests" / "corpus"

result = evaluate(config.load(ROOT / "policy.toml"), ROOT)
print(f"{result.total} mails: scenario {result.rate(result.scenario_hits):.1%}, action {result.rate(result.action_hits):.1%}, "
      f"language {result.rate(result.language_hits):.1%}, wrong approvals {len(result.wrong_approvals)}")
print(result.confusion_table())
for miss in result.misses:
    print("  miss:", " | ".join(miss))
