"""Classify mail files: the library behind `resetdesk classify`."""

from __future__ import annotations

import textwrap
from pathlib import Path
from collections.abc import Iterable, Iterator

from .config import Config
from .errors import MailParseError, ResetdeskError
from .intake.parse import parse_message
from .responders.render import Renderer
from .rules.engine import Classifier


def _expand(paths: Iterable[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(path.glob("*.eml"))
        else:
            yield path


def classify_paths(config: Config, paths: Iterable[str], classifier: Classifier | None = None) -> Iterator[dict]:
    """One result per mail file: its decision record, or {"file", "error"} as `run` would park it.

    A file over limits.max_message_bytes is not read, as `run` does not read
    such a message either.
    """
    classifier = classifier or Classifier(config)
    limit = config.limits.max_message_bytes
    renderer = Renderer(classifier.knowledge.graph)
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
            decision = classifier.classify(mail)
            draft = renderer.draft(decision, mail)
            result.update(decision.record(draft.summary() if draft is not None else None))
        except OSError as error:
            result["error"] = f"cannot read: {error.strerror or error}"
        except MailParseError as error:
            result["error"] = f"cannot parse: {error}"
        except ResetdeskError as error:
            result["error"] = f"{type(error).__name__}: {error}"
        yield result


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


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
    learned = facts.get("learned") or {}
    overruled = learned.get("overruled", {})
    # Where each fact came from: the lexicon's phrase, or the reader's sentence, score and nearest example.
    for name, phrase in facts.get("evidence", {}).items():
        if name not in overruled:
            lines.append(f"            {name}: lexicon \"{phrase}\"")
    for name, why in learned.get("facts", {}).items():
        lines.append(f"            {name}: reader, {why['scenario']} {why['score']:.2f}, "
                     f"\"{_short(why['sentence'])}\", "
                     f"nearest example {why['example'] or '-'} ({why['similarity']:.2f})")
    for name, phrase in overruled.items():
        lines.append(f"            (not {name}: lexicon \"{phrase}\" overruled by the reader)")
    if learned.get("scores"):
        lines.append("  reader    " + ", ".join(f"{name} {score:.2f}" for name, score in learned["scores"].items()))
    if learned.get("answer"):
        answer = learned["answer"]
        holds = {True: "yes", False: "no", None: "unclear"}[answer["holds"]]
        lines.append(f"  answer    to the question on {answer['fact']}: {holds}")
    if facts.get("question"):
        question = facts["question"]
        lines.append(f"  question  {question['fact']}: {question['candidates'][0]} or {question['candidates'][1]}"
                     f" (edge {question['edge']})")
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
