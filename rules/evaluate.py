"""Accuracy of the classifier against a labelled corpus (labels.csv + .eml files, or built examples)."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable, Iterator

from ..config import Config
from ..intake.parse import parse_message
from .decision import SCENARIOS
from .engine import Classifier

# Scenarios whose answer is guidance sent to the writer.
GUIDANCE = ("sspr", "security_info", "forgot_username", "admin_reset", "new_admin_account")
SILENT = ("auto_reply", "out_of_scope")


@dataclass
class Evaluation:
    total: int = 0
    scenario_hits: int = 0
    action_hits: int = 0
    language_hits: int = 0
    questions: int = 0                 # action clarify: a question instead of an answer
    # guidance for the wrong scenario, or silence where guidance was due
    wrong_guidance: list[str] = field(default_factory=list)
    wrong_approvals: list[str] = field(default_factory=list)
    misses: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # file, field, expected, got, note
    confusion: Counter = field(default_factory=Counter)   # (expected, got) -> count

    def rate(self, hits: int) -> float:
        return hits / self.total if self.total else 0.0

    def confusion_table(self) -> str:
        names = [s for s in SCENARIOS]
        short = {s: s[:8] for s in names}
        lines = ["expected \\ got   " + " ".join(f"{short[s]:>8}" for s in names)]
        for expected in names:
            row = [self.confusion.get((expected, got), 0) for got in names]
            if sum(row):
                lines.append(f"{expected:<16} " + " ".join(f"{n or '.':>8}" for n in row))
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: the figures the issue's targets name."""
        return (f"{self.total} mails: scenario {self.rate(self.scenario_hits):.1%}, action "
                f"{self.rate(self.action_hits):.1%}, "
                f"language {self.rate(self.language_hits):.1%}, questions {self.rate(self.questions):.1%}, "
                f"wrong guidance {self.rate(len(self.wrong_guidance)):.1%}, unearned approvals "
                f"{len(self.wrong_approvals)}")


def corpus_mails(corpus_dir: str | Path) -> Iterator[tuple[str, bytes, dict]]:
    """(file, bytes, labels row) of a corpus directory (labels.csv and mail/)."""
    corpus_dir = Path(corpus_dir)
    with (corpus_dir / "labels.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row["file"], (corpus_dir / "mail" / row["file"]).read_bytes(), row


def evaluate(config: Config, corpus_dir: str | Path, classifier: Classifier | None = None) -> Evaluation:
    return evaluate_mails(config, corpus_mails(corpus_dir), classifier)


def evaluate_mails(config: Config, mails: Iterable[tuple[str, bytes, dict]],
                   classifier: Classifier | None = None) -> Evaluation:
    """Classify each labelled mail and count. A question (clarify) counts as a scenario hit
    when it names the labelled scenario, and is never wrong guidance."""
    classifier = classifier or Classifier(config)
    result = Evaluation()
    for name, data, row in mails:
        decision = classifier.classify(parse_message(data))
        result.total += 1
        result.confusion[row["scenario"], decision.scenario] += 1
        action = decision.action
        if action == "clarify":
            result.questions += 1
        for label, got in (("scenario", decision.scenario), ("action", action), ("language", decision.language)):
            if got == row[label] or (label == "action" and action == "clarify" and row[label] == "reply"):
                setattr(result, f"{label}_hits", getattr(result, f"{label}_hits") + 1)
            else:
                result.misses.append((name, label, row[label], got, row.get("note", "")))
        expected = row["scenario"]
        if action != "clarify" and (
                (decision.scenario in GUIDANCE and decision.scenario != expected)
                or (expected in GUIDANCE and decision.scenario in SILENT)):
            result.wrong_guidance.append(name)
        if action == "approval_requested" and row["action"] != "approval_requested":
            result.wrong_approvals.append(name)
    return result
