"""Accuracy of the classifier against a labelled corpus (labels.csv + .eml files)."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..intake.parse import parse_message
from .decision import SCENARIOS
from .engine import Classifier


@dataclass
class Evaluation:
    total: int = 0
    scenario_hits: int = 0
    action_hits: int = 0
    language_hits: int = 0
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


def evaluate(config: Config, corpus_dir: str | Path, classifier: Classifier | None = None) -> Evaluation:
    corpus_dir = Path(corpus_dir)
    classifier = classifier or Classifier(config)
    result = Evaluation()
    with (corpus_dir / "labels.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            decision = classifier.classify(parse_message((corpus_dir / "mail" / row["file"]).read_bytes()))
            result.total += 1
            result.confusion[row["scenario"], decision.scenario] += 1
            for name, got in (("scenario", decision.scenario), ("action", decision.action), ("language", decision.language)):
                if got == row[name]:
                    setattr(result, f"{name}_hits", getattr(result, f"{name}_hits") + 1)
                else:
                    result.misses.append((row["file"], name, row[name], got, row.get("note", "")))
            if decision.action == "approval_requested" and row["action"] != "approval_requested":
                result.wrong_approvals.append(row["file"])
    return result
