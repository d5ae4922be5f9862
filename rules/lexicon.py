"""Lexicons: the phrases behind each fact, as data in data/lexicons/*.toml.

Each language file maps a fact name to a list of Python regular expressions.
Matching happens on *folded* text: lower-cased, with æ/ø/å and their ASCII
stand-ins (ae, oe, aa) folded alike, so "pålogget", "paalogget" and "palogget"
are one word to the rules. Patterns are folded the same way when loaded, so an
admin writes them in ordinary Norwegian. durable-rules never sees text: its
own regex dialect cannot match \\w or non-ASCII case (NOTES).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import KnowledgeError

_FOLDS = (("æ", "a"), ("ä", "a"), ("ø", "o"), ("ö", "o"), ("å", "a"), ("é", "e"),
          ("aa", "a"), ("ae", "a"), ("oe", "o"))
_SPACES = re.compile(r"\s+")
_UPPER_ESCAPE = re.compile(r"\\[A-Z]")


def fold(text: str) -> str:
    """Case-fold and fold Norwegian letters with their ASCII spellings."""
    text = text.casefold()
    for before, after in _FOLDS:
        text = text.replace(before, after)
    return _SPACES.sub(" ", text)


@dataclass
class Lexicon:
    """Compiled patterns: fact -> one regex over all languages; plus language words and machine-mail signals."""

    facts: dict[str, re.Pattern] = field(default_factory=dict)
    words: dict[str, frozenset[str]] = field(default_factory=dict)
    weak_words: dict[str, frozenset[str]] = field(default_factory=dict)
    machine_subject: re.Pattern | None = None
    robot_localpart: re.Pattern | None = None
    sources: dict[str, list[str]] = field(default_factory=dict)

    def matches(self, fact: str, folded_text: str) -> bool:
        pattern = self.facts.get(fact)
        return bool(pattern and pattern.search(folded_text))

    def why(self, fact: str, folded_text: str) -> str:
        """The phrase that made a fact true, for the explanation."""
        pattern = self.facts.get(fact)
        found = pattern.search(folded_text) if pattern else None
        return found.group(0) if found else ""


def _compile(where: str, patterns: list[str]) -> re.Pattern:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise KnowledgeError(f"{where}: expected a list of strings")
    folded = []
    for pattern in patterns:
        if _UPPER_ESCAPE.search(pattern):
            # Folding lower-cases the pattern: \S would become \s.
            raise KnowledgeError(f"{where}: {pattern!r}: upper-case escapes (\\S, \\W, \\B, \\D) are not allowed")
        try:
            re.compile(pattern)
        except re.error as error:
            raise KnowledgeError(f"{where}: bad pattern {pattern!r}: {error}") from None
        folded.append(f"(?:{fold(pattern)})")
    return re.compile("|".join(folded))


def load_lexicon(directory: str | Path) -> Lexicon:
    directory = Path(directory)
    lexicon = Lexicon()
    patterns: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise KnowledgeError(f"{path}: {error}") from None
        if path.stem == "machine":
            lexicon.machine_subject = _compile(f"{path}: subject", data.get("subject", []))
            lexicon.robot_localpart = _compile(f"{path}: robot_localpart", data.get("robot_localpart", []))
            continue
        language = path.stem
        words = data.pop("language_words", None)
        weak = data.pop("weak_language_words", None)
        if words is not None:
            lexicon.words[language] = frozenset(fold(w) for w in words)
        if weak is not None:
            lexicon.weak_words[language] = frozenset(fold(w) for w in weak)
        for fact, items in data.items():
            patterns.setdefault(fact, []).extend(items if isinstance(items, list) else [items])
            lexicon.sources.setdefault(fact, []).append(path.name)
    for fact, items in patterns.items():
        lexicon.facts[fact] = _compile(f"{directory}: {fact}", items)
    if lexicon.machine_subject is None:
        raise KnowledgeError(f"{directory}: machine.toml is missing")
    return lexicon
