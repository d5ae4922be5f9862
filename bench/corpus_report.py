"""Accuracy on the labelled corpora, the learned reader beside the lexicon alone:

    python bench/corpus_report.py [DIR ...] [--lexicon-only] [--misses]

A DIR is a corpus (labels.csv and mail/) or a folder of labelled examples
(*.jsonl, e.g. data/examples/dev), built into mail with tests/corpus/policy.toml.
By default: tests/corpus, tests/corpus_holdout, tests/corpus_blind,
tests/corpus_blind2 (when built) and data/examples/dev. For each: scenario,
action and language accuracy, questions (action clarify), wrong guidance (a
reply for another scenario than the labelled one, or silence where guidance
was due) and unearned approvals, and the confusion table.

The corpora were written by people who never saw the classifier. Each was
measured once before the lexicons were tuned on it (figures in the
CHANGELOG): tests/corpus 64.8% scenario at first, tests/corpus_holdout 65.0%,
tests/corpus_blind 78.3%. data/examples/dev is split from the reader's
training examples (same writers, never trained on); tests/corpus_blind2 is
the blind set nothing is tuned on.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def main() -> int:
    from resetdesk import config
    from resetdesk.rules.examples import labelled_mails, read_examples
    from resetdesk.rules.engine import Classifier
    from resetdesk.rules.evaluate import corpus_mails, evaluate_mails

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="*")
    parser.add_argument("--lexicon-only", action="store_true", help="only the lexicon and graph, no learned reader")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    directories = [Path(d) for d in args.dirs] or [
        d for d in (TESTS / "corpus", TESTS / "corpus_holdout", TESTS / "corpus_blind", TESTS / "corpus_blind2",
                    ROOT / "data" / "examples" / "dev") if (d / "labels.csv").exists() or list(d.glob("*.jsonl"))]
    modes = [("lexicon only", False)] if args.lexicon_only else [("reader", True), ("lexicon only", False)]
    classifiers = {}
    for directory in directories:
        policy = directory / "policy.toml" if (directory / "policy.toml").exists() else TESTS / "corpus" / "policy.toml"
        cfg = config.load(policy)
        if (directory / "labels.csv").exists():
            mails = list(corpus_mails(directory))
        else:
            mails = list(labelled_mails(read_examples([directory]), cfg.policy.requesters))
        for label, use_reader in modes:
            key = (str(policy), use_reader)
            if key not in classifiers:
                classifiers[key] = Classifier(cfg, use_reader=use_reader)
            result = evaluate_mails(cfg, mails, classifiers[key])
            print(f"{directory.name} [{label}]: {result.summary()}")
            if use_reader == modes[0][1]:
                print(result.confusion_table())
                if args.misses:
                    for miss in result.misses:
                        print("  miss:", " | ".join(miss))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
