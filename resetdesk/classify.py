"""Classify mail files: the library behind `resetdesk classify`."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Iterable, Iterator

from .config import Config
from .errors import MailParseError, ResetdeskError
from .intake.parse import parse_message
from .rules.engine import Classifier


def _expand(paths: Iterable[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(path.glob("*.eml"))
        else:
            yield path


def decision_record(decision) -> dict:
    """The JSON shape of a decision (shared by `classify --json` and the store)."""
    record = {
        "scenario": decision.scenario,
        "action": decision.action,
        "language": decision.language,
        "facts": decision.facts,
        "rules": [{"name": r.name, "description": r.description} for r in decision.rules],
        "missed": [r.name for r in decision.missed],
        "path": decision.path,
        "targets": decision.targets,
        "previous_scenario": decision.previous_scenario,
        "reply": None,
    }
    if decision.reply is not None:
        record["reply"] = {"subject": decision.reply.subject, "text": decision.reply.text,
                           "template": decision.reply.template}
    return record


def classify_paths(config: Config, paths: Iterable[str], classifier: Classifier | None = None) -> Iterator[dict]:
    """One result per mail file: its decision record, or {"file", "error"} as `run` would park it.

    A file over limits.max_message_bytes is not read, as `run` does not read
    such a message either.
    """
    classifier = classifier or Classifier(config)
    limit = config.limits.max_message_bytes
    for path in _expand(paths):
        result: dict = {"file": str(path)}
        try:
            size = path.stat().st_size
            if size > limit:
                result["error"] = f"not read: {size} bytes is over limits.max_message_bytes ({limit})"
                yield result
                continue
            data = path.read_bytes()
            mail = parse_message(data)
            result.update(decision_record(classifier.classify(mail)))
        except OSError as error:
            result["error"] = f"cannot read: {error.strerror or error}"
        except MailParseError as error:
            result["error"] = f"cannot parse: {error}"
        except ResetdeskError as error:
            result["error"] = f"{type(error).__name__}: {error}"
        yield result


def explain(result: dict) -> str:
    """The human explanation of one result: decision, facts, rules that fired and why."""
    lines = [result["file"]]
    if "error" in result:
        lines.append(f"  error     {result['error']}")
        return "\n".join(lines) + "\n"
    facts = result["facts"]
    lines.append(f"  scenario  {result['scenario']}    action {result['action']}    language {result['language']}")
    true_facts = [name for name, value in facts.items() if value is True]
    lines.append(f"  facts     {', '.join(true_facts) or '(none)'}")
    for name, phrase in facts.get("evidence", {}).items():
        lines.append(f"            {name}: \"{phrase}\"")
    if facts.get("machine_signals"):
        lines.append(f"  machine   {'; '.join(facts['machine_signals'])}")
    lines.append(f"  sender    {facts.get('sender') or '?'} ({facts.get('verification')})")
    lines.append(f"  path      {' -> '.join(result['path'])}")
    lines.append("  rules")
    for rule in result["rules"]:
        wrapped = textwrap.fill(rule["description"], width=100, initial_indent="", subsequent_indent=" " * 36)
        lines.append(f"    + {rule['name']:<30} {wrapped}")
    if result.get("missed"):
        lines.append(f"    - tried, did not apply: {', '.join(result['missed'])}")
    if result.get("reply"):
        lines.append(f"  reply     {result['reply']['subject']}  [{result['reply']['template']}]")
    else:
        lines.append("  reply     (none)")
    return "\n".join(lines) + "\n"
